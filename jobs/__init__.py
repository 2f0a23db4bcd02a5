"""User segmentation over Delta Lake: the package spark-submit ships (--py-files).

Nothing below this package imports Airflow; each stage is a folder with
schemas.py, transforms.py and main.py.
"""

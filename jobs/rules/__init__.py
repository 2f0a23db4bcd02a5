"""Family ``custom``: the rule library of conf/rules (library.py), its evaluation inside the
segment engine (transforms.py) and the rule log stage (main.py)."""

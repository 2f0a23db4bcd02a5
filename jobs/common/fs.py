"""File-system look-ups through Hadoop's FileSystem: local disk and object stores alike."""

from __future__ import annotations

from pyspark.sql import SparkSession


def path_exists(spark: SparkSession, path: str) -> bool:
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return bool(fs.exists(hadoop_path))


def list_partition_values(spark: SparkSession, path: str, column: str) -> list[str]:
    """The values of ``column=value`` sub-folders directly under ``path`` (none if absent)."""
    if not path_exists(spark, path):
        return []
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    prefix = f"{column}="
    names = [status.getPath().getName() for status in fs.listStatus(hadoop_path)
             if status.isDirectory()]
    return sorted(n[len(prefix):] for n in names if n.startswith(prefix))

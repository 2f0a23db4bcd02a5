"""Writing landing files: <root>/landing/<source>/ingest_date=YYYY-MM-DD/part-*.json."""

from __future__ import annotations

from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

TEXT_SUFFIX = ".txt"
JSON_SUFFIX = ".json"


def landing_path(root: str, source: str) -> str:
    return f"{root.rstrip('/')}/landing/{source}"


def write_landing(lines: DataFrame, path: str, files_per_day: int) -> int:
    """Overwrite the source's landing folder (about files_per_day files per ingest_date) and
    return the number of lines written, counted by an observed aggregation of the write."""
    written = Observation(f"landing lines {path}")
    file_slot = F.pmod(F.xxhash64(F.col("value")), F.lit(files_per_day))
    (
        lines.select("ingest_date", "value")
        .observe(written, F.count(F.lit(1)).alias("lines"))
        .repartition(F.col("ingest_date"), file_slot)
        .write.mode("overwrite")
        .partitionBy("ingest_date")
        .text(path)
    )
    rename_parts_to_json(lines.sparkSession, path)
    return int(written.get["lines"])


def rename_parts_to_json(spark: SparkSession, path: str) -> int:
    """The text writer names its files part-*.txt; landing files are part-*.json.

    Lists files (one per day and slot, not per record) through the Hadoop file system,
    so it works on local disk, HDFS and object stores alike.
    """
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    pattern = jvm.org.apache.hadoop.fs.Path(f"{path}/ingest_date=*/part-*{TEXT_SUFFIX}")
    renamed = 0
    for status in fs.globStatus(pattern) or []:
        source = status.getPath()
        name = source.getName()
        target = jvm.org.apache.hadoop.fs.Path(source.getParent(),
                                               name[: -len(TEXT_SUFFIX)] + JSON_SUFFIX)
        fs.rename(source, target)
        renamed += 1
    return renamed


def count_lines(spark: SparkSession, path: str) -> int:
    """Lines landed under a source's folder (a Spark count, nothing collected).

    recursiveFileLookup: one driver-side listing instead of a discovery job per
    partition folder (users span years of registration dates).
    """
    return spark.read.option("recursiveFileLookup", "true").text(path).count()

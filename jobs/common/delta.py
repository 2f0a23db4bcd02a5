"""Delta tables: declared once as a TableSpec, created from it, written idempotently.

Every write is scoped to its run: ``replace_where`` overwrites exactly the rows the
run owns (a date partition, a source), so a re-run replaces instead of appending;
the run id is stored in the commit's ``userMetadata``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from jobs.common.identifiers import IDENTIFIER_COLUMNS

# A commit file of the log: _delta_log/<version, 20 digits>.json (not a checkpoint, a
# checksum or a compacted range).
COMMIT_FILE = re.compile(r"/(\d{20})\.json$")
# Properties every table gets: no deletion vectors or column mapping, so the
# protocol stays readable by delta-rs and older engines (BI readers).
DEFAULT_PROPERTIES: Mapping[str, str] = {
    "delta.enableDeletionVectors": "false",
    "delta.autoOptimize.optimizeWrite": "false",
}


@dataclass(frozen=True)
class TableSpec:
    """The one declaration of a table: where it lives, its schema, how it is split."""

    layer: str
    name: str
    schema: T.StructType
    partition_by: tuple[str, ...] = ()
    comment: str = ""
    properties: Mapping[str, str] = field(default_factory=dict)
    # Columns Delta must keep no min/max statistics for, beside the identifier columns
    # (jobs/common/identifiers.py), which never have any.
    no_stats_columns: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        return self.schema.fieldNames()

    def path(self, root: str) -> str:
        return f"{root.rstrip('/')}/{self.layer}/{self.name}"

    @property
    def stats_free_columns(self) -> tuple[str, ...]:
        """The declared no-statistics columns and every identifier column of the table."""
        found = [c for c in self.columns if c in IDENTIFIER_COLUMNS or c in self.no_stats_columns]
        return tuple(found)

    def table_properties(self) -> dict[str, str]:
        props = dict(DEFAULT_PROPERTIES) | dict(self.properties)
        if self.stats_free_columns:
            # Partition, boolean, array and map columns never carry statistics; naming
            # them is an error (DELTA_COLUMN_DATA_SKIPPING_NOT_SUPPORTED_TYPE).
            skipped = set(self.stats_free_columns) | set(self.partition_by)
            no_stats_types = (T.BooleanType, T.ArrayType, T.MapType)
            with_stats = [f.name for f in self.schema.fields if f.name not in skipped
                          and not isinstance(f.dataType, no_stats_types)]
            props["delta.dataSkippingStatsColumns"] = ",".join(with_stats)
        return props


def staged(spec: TableSpec) -> TableSpec:
    """Where a gold table of a run waits for its audit (write-audit-publish): ``staging/``.

    Every column is nullable there, so a bad row is written and then judged by the audit
    (which names the expectation it breaks) instead of failing the write; gold keeps
    the NOT NULL constraints as the last line.
    """
    if spec.layer != "gold":
        return spec
    schema = T.StructType([replace_field(f, nullable=True) for f in spec.schema.fields])
    return replace(spec, layer="staging", schema=schema)


def replace_field(field_: T.StructField, **changes: Any) -> T.StructField:
    values = {"name": field_.name, "dataType": field_.dataType, "nullable": field_.nullable,
              "metadata": field_.metadata} | changes
    return T.StructField(**values)


def table_version(spark: SparkSession, spec: TableSpec, root: str) -> int:
    version, _ = latest_commit(spark, spec.path(root))
    return version


def latest_commit(spark: SparkSession, path: str) -> tuple[int, dict[str, Any]]:
    """The table's latest version and that commit's commitInfo, read by the driver from
    ``_delta_log``: one listing and one small file, where ``DeltaTable.history(1)`` plans
    and runs a Spark job for the same row (about half a second each, dozens per run)."""
    jvm = spark._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path
    log_dir = hadoop_path(path, "_delta_log")
    fs = log_dir.getFileSystem(spark._jsc.hadoopConfiguration())
    found = fs.globStatus(hadoop_path(log_dir, "*.json")) or []
    versions = [int(m.group(1)) for status in found
                if (m := COMMIT_FILE.search(status.getPath().toString()))]
    if not versions:
        raise ValueError(f"{path} is not a Delta table: no commit in its _delta_log")
    version = max(versions)
    stream = fs.open(hadoop_path(log_dir, f"{version:020d}.json"))
    try:
        text = jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8")
    finally:
        stream.close()
    for line in text.splitlines():
        action = json.loads(line) if line.strip() else {}
        if "commitInfo" in action:
            return version, action["commitInfo"]
    return version, {}


def ensure_table(spark: SparkSession, spec: TableSpec, root: str) -> int:
    """Create the table from its declaration if it does not exist yet; return its version."""
    create_if_absent(spark, spec, root)
    return table_version(spark, spec, root)


def create_if_absent(spark: SparkSession, spec: TableSpec, root: str) -> None:
    """Create the table from its declaration unless it exists (a cached log lookup then)."""
    if DeltaTable.isDeltaTable(spark, spec.path(root)):
        return
    builder = DeltaTable.createIfNotExists(spark).location(spec.path(root))
    builder = builder.addColumns(spec.schema)
    if spec.partition_by:
        builder = builder.partitionedBy(*spec.partition_by)
    if spec.comment:
        builder = builder.comment(spec.comment)
    for key, value in spec.table_properties().items():
        builder = builder.property(key, value)
    builder.execute()


def table_exists(spark: SparkSession, spec: TableSpec, root: str) -> bool:
    return DeltaTable.isDeltaTable(spark, spec.path(root))


def read_table(spark: SparkSession, spec: TableSpec, root: str) -> DataFrame:
    return spark.read.format("delta").load(spec.path(root))


def replace_where(df: DataFrame, spec: TableSpec, root: str, condition: str,
                  run_id: str, *, metrics: bool = False) -> dict[str, Any]:
    """Overwrite exactly the rows matching ``condition`` with ``df``; with ``metrics``,
    return the commit's metrics (two more reads of the table's history, so only when asked).

    ``df`` is projected onto the declared schema (the contract) before the write.
    """
    spark = df.sparkSession
    before = ensure_table(spark, spec, root) if metrics else create_if_absent(spark, spec,
                                                                               root)
    (
        df.select(*spec.columns)
        .write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", condition)
        .option("userMetadata", run_id)
        .save(spec.path(root))
    )
    return commit_metrics_since(spark, spec, root, before) if metrics else {}


@contextmanager
def session_conf(spark: SparkSession, key: str, value: str) -> Iterator[None]:
    """Sets a Spark SQL conf for the block only; the previous value (or none) comes back."""
    previous = spark.conf.get(key, None)
    spark.conf.set(key, value)
    try:
        yield
    finally:
        if previous is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, previous)


def commit_metadata(spark: SparkSession, run_id: str):
    """Tags every Delta commit inside the block (MERGE, DELETE, ...) with the run id."""
    return session_conf(spark, "spark.databricks.delta.commitInfo.userMetadata", run_id)


def merge_insert_new(batch: DataFrame, spec: TableSpec, root: str, keys: tuple[str, ...],
                     target_filter: str | None, run_id: str) -> dict[str, Any]:
    """Insert the batch rows whose key is not in the table yet (first landed wins).

    ``batch`` must be unique on ``keys`` (a MERGE fails when two source rows match one
    target row). ``target_filter`` prunes the target side (e.g. an activity_date range).
    """
    spark = batch.sparkSession
    before = ensure_table(spark, spec, root)
    condition = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    if target_filter:
        condition = f"({target_filter}) AND {condition}"
    with commit_metadata(spark, run_id):
        (
            DeltaTable.forPath(spark, spec.path(root)).alias("t")
            .merge(batch.select(*spec.columns).alias("s"), condition)
            .whenNotMatchedInsertAll()
            .execute()
        )
    return commit_metrics_since(spark, spec, root, before)


def merge_upsert_newer(batch: DataFrame, spec: TableSpec, root: str, keys: tuple[str, ...],
                       newer: str, run_id: str) -> dict[str, Any]:
    """Insert new keys; replace an existing row only where ``newer`` (over t. and s.) holds."""
    spark = batch.sparkSession
    before = ensure_table(spark, spec, root)
    condition = " AND ".join(f"t.{k} = s.{k}" for k in keys)
    with commit_metadata(spark, run_id):
        (
            DeltaTable.forPath(spark, spec.path(root)).alias("t")
            .merge(batch.select(*spec.columns).alias("s"), condition)
            .whenMatchedUpdateAll(condition=newer)
            .whenNotMatchedInsertAll()
            .execute()
        )
    return commit_metrics_since(spark, spec, root, before)


def rows_written(metrics: dict[str, Any]) -> int:
    """The rows a write added from its own DataFrame. A replaceWhere on a predicate that is
    not the partitioning rewrites every file holding a matching row, and Delta counts the
    other rows of those files, copied as they were, in numOutputRows too."""
    return int(metrics.get("numOutputRows", 0)) - int(metrics.get("numCopiedRows", 0))


def commit_metrics_since(spark: SparkSession, spec: TableSpec, root: str,
                         version_before: int) -> dict[str, Any]:
    """operationMetrics and userMetadata of the commit a write made after ``version_before``.

    Delta makes no commit for a write that adds and removes nothing (an empty
    partition overwritten with nothing): then there is nothing to report, and
    the metrics are zeros rather than those of an older commit.
    """
    version, info = latest_commit(spark, spec.path(root))
    if version <= version_before:
        return {"version": version_before, "operation": None, "numOutputRows": 0}
    metrics = {key: int(value) for key, value in (info.get("operationMetrics") or {}).items()
               if str(value).lstrip("-").isdigit()}
    return {"version": version, "operation": info.get("operation"),
            "user_metadata": info.get("userMetadata"), **metrics}


def delete_where(spark: SparkSession, spec: TableSpec, root: str, condition: str,
                 run_id: str) -> None:
    """Delete the rows matching ``condition`` (a no-op when the table does not exist)."""
    if not table_exists(spark, spec, root):
        return
    with commit_metadata(spark, run_id):
        DeltaTable.forPath(spark, spec.path(root)).delete(condition)

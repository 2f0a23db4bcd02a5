"""The right to erasure: remove users from every layer, then from Delta's files and history.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/erasure/main.py \
        --run-date 2026-07-01 --ids-file /secure/requests/r-42.txt --request-id r-42 \
        [--requested-at 2026-07-01T09:30:00Z] [--env local]

The ids come from a file (one raw user id a line), never from the command line, where
they would be in process lists and Airflow's metadata. The pseudonym key is loaded first
(each id's user_key and tombstone need it): a missing key stops the job before anything
is read. Then, in this order, so that a failure at any step leaves a re-run to finish:

1. ``privacy/tombstones`` gains each id's tombstone (ingest drops re-landed records).
2. Every declared table with an identifier column (jobs/erasure/catalog.py) loses the
   users' rows (MERGE ... DELETE against the targets, no id as a literal in the log);
   circle labels naming an erased key are re-pointed, quality examples redacted; then
   VACUUM with zero retention, so no reachable version or data file holds the rows.
3. ``landing/`` files naming the users are rewritten without their lines; Great
   Expectations files under ``quality/gx`` quoting them are redacted.
4. ``privacy/erasure_log`` records the request: time, number of ids, rows per table.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import (
    TableSpec,
    commit_metadata,
    ensure_table,
    latest_commit,
    merge_insert_new,
    read_table,
    session_conf,
    table_exists,
)
from jobs.common.errors import InputError, SegmentationError
from jobs.common.fs import path_exists
from jobs.common.secrets import load_pseudonym_key
from jobs.erasure.catalog import keyed_tables
from jobs.erasure.schemas import ERASURE_LOG, TOMBSTONES
from jobs.erasure.tombstones import tombstone
from jobs.erasure.transforms import (
    example_columns,
    identifiers,
    label_columns,
    lines_naming,
    redacted_examples,
    relabelled,
    row_condition,
    targets,
)
from jobs.ingest.schemas import BRONZE_TABLES, SOURCES
from jobs.rotate.registry import require_current_key
from jobs.silver.pseudonym import key_frame

log = logging.getLogger("jobs.erasure")
RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"
STATS_PROPERTY = "delta.dataSkippingStatsColumns"
# A landing file is read through the codec its name ends with (Hadoop picks it by the
# extension), so its rewrite is written with the same one; any other name stays plain text.
TEXT_CODECS = {".gz": "gzip", ".bz2": "bzip2", ".deflate": "deflate"}


def read_ids(spark: SparkSession, ids_file: str) -> DataFrame:
    if not path_exists(spark, ids_file):
        raise InputError(f"ids file {ids_file} does not exist")
    return spark.read.text(ids_file)


def identifiers_of(spark: SparkSession, root: str, erased: DataFrame) -> DataFrame:
    users = BRONZE_TABLES["users"]
    bronze = read_table(spark, users, root) if table_exists(spark, users, root) else None
    return identifiers(erased, bronze)


def needles_of(found: DataFrame) -> DataFrame:
    """The strings that identify the targets in free text: id, phone, user_key."""
    return found.select(F.col("identifier").alias("needle")).unionByName(
        found.select(F.col("user_key").alias("needle"))).distinct()


def write_tombstones(found: DataFrame, keys: DataFrame, root: str, request_id: str,
                     requested_at: dt.datetime, run_id: str) -> int:
    """One tombstone per id and per phone of the targets (ingest checks both)."""
    rows = found.crossJoin(F.broadcast(keys)).select(
        tombstone(F.col("identifier")).alias("tombstone"),
        F.lit(request_id).alias("request_id"),
        F.lit(requested_at).cast("timestamp").alias("requested_at")).distinct()
    metrics = merge_insert_new(rows, TOMBSTONES, root, ("tombstone",), None, run_id)
    return int(metrics.get("numTargetRowsInserted", 0))


def sync_stats_property(spark: SparkSession, spec: TableSpec, root: str) -> None:
    """A table created before its identifier columns lost statistics gets the property now.

    Commits written before keep their statistics until Delta's log retention removes
    them: reported, since VACUUM does not clean ``_delta_log``.
    """
    declared = spec.table_properties().get(STATS_PROPERTY)
    if declared is None:
        return
    detail = DeltaTable.forPath(spark, spec.path(root)).detail().select("properties").first()
    if (detail["properties"] or {}).get(STATS_PROPERTY) == declared:
        return
    spark.sql(f"ALTER TABLE delta.`{spec.path(root)}` SET TBLPROPERTIES "
              f"('{STATS_PROPERTY}' = '{declared}')")
    log.warning("%s/%s kept statistics on identifier columns: set %s now; its older "
                "_delta_log commits may still hold them until log retention expires",
                spec.layer, spec.name, STATS_PROPERTY)


def delete_rows(spark: SparkSession, spec: TableSpec, root: str, found: DataFrame) -> int:
    """MERGE ... WHEN MATCHED DELETE of the rows belonging to or naming a target."""
    condition = row_condition(spec)
    if condition is None:
        return 0
    before = last_version(spark, spec, root)
    (
        DeltaTable.forPath(spark, spec.path(root)).alias("t")
        .merge(F.broadcast(found).alias("s"), condition)
        .whenMatchedDelete()
        .execute()
    )
    if last_version(spark, spec, root) == before:
        return 0
    return last_metric(spark, spec, root, "numTargetRowsDeleted")


def relabel_rows(spark: SparkSession, spec: TableSpec, root: str, erased: DataFrame) -> int:
    updated = 0
    for column in label_columns(spec):
        updates = relabelled(read_table(spark, spec, root), spec, column, erased)
        keys = [*spec.partition_by, "user_key"]
        condition = " AND ".join(f"t.{k} = s.{k}" for k in keys)
        before = last_version(spark, spec, root)
        (
            DeltaTable.forPath(spark, spec.path(root)).alias("t")
            .merge(updates.alias("s"), condition)
            .whenMatchedUpdate(set={column: "s._label"})
            .execute()
        )
        if last_version(spark, spec, root) > before:
            updated += last_metric(spark, spec, root, "numTargetRowsUpdated")
    return updated


def redact_rows(spark: SparkSession, spec: TableSpec, root: str, needles: DataFrame) -> int:
    """Example text quoting a target is redacted; the row is found by all its other values."""
    columns = example_columns(spec)
    if not columns:
        return 0
    keys = tuple(c for c in spec.columns if c not in columns)
    updates = redacted_examples(read_table(spark, spec, root), spec, keys, needles)
    condition = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
    before = last_version(spark, spec, root)
    (
        DeltaTable.forPath(spark, spec.path(root)).alias("t")
        .merge(updates.alias("s"), condition)
        .whenMatchedUpdate(set={c: f"s.{c}" for c in columns})
        .execute()
    )
    if last_version(spark, spec, root) == before:
        return 0
    return last_metric(spark, spec, root, "numTargetRowsUpdated")


def last_version(spark: SparkSession, spec: TableSpec, root: str) -> int:
    return latest_commit(spark, spec.path(root))[0]


def last_metric(spark: SparkSession, spec: TableSpec, root: str, name: str) -> int:
    _, info = latest_commit(spark, spec.path(root))
    return int((info.get("operationMetrics") or {}).get(name, 0))


def zero_retention(spark: SparkSession):
    """VACUUM may keep no history in this session only; the check is restored after."""
    return session_conf(spark, RETENTION_CHECK, "false")


def erase_table(spark: SparkSession, spec: TableSpec, root: str, erased: DataFrame,
                found: DataFrame, needles: DataFrame) -> tuple[int, int]:
    """(rows deleted, other rows rewritten); then VACUUM RETAIN 0 HOURS."""
    sync_stats_property(spark, spec, root)
    deleted = delete_rows(spark, spec, root, found)
    updated = relabel_rows(spark, spec, root, erased) + redact_rows(spark, spec, root, needles)
    with zero_retention(spark):
        DeltaTable.forPath(spark, spec.path(root)).vacuum(0.0)
    return deleted, updated


def hadoop_fs(spark: SparkSession, path: str):
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hadoop_path


def rewrite_file(spark: SparkSession, file: str, found: DataFrame) -> None:
    """The landing file without the lines naming a target, in its line order, compressed as
    its name says (``TEXT_CODECS``). No checksum sidecar is left beside it: one would make
    the next read of a file restored by hand fail its checksum."""
    jvm = spark.sparkContext._jvm
    lines = spark.read.text(file).withColumn("_n", F.monotonically_increasing_id())
    kept = lines.join(lines_naming(lines, found, ("_n",)), on="_n", how="left_anti")
    tmp = f"{file}.erasure-tmp"
    codec = TEXT_CODECS.get(Path(file).suffix, "none")
    (kept.coalesce(1).sortWithinPartitions("_n").select("value")
     .write.mode("overwrite").option("compression", codec).text(tmp))
    fs, target = hadoop_fs(spark, file)
    parts = fs.globStatus(jvm.org.apache.hadoop.fs.Path(f"{tmp}/part-*")) or []
    fs.delete(target, False)
    if parts:
        fs.rename(parts[0].getPath(), target)
    fs.delete(jvm.org.apache.hadoop.fs.Path(tmp), True)
    # Hadoop's local file system moved the part's checksum along (.<name>.crc).
    sidecar = jvm.org.apache.hadoop.fs.Path(target.getParent(), f".{target.getName()}.crc")
    if fs.exists(sidecar):
        fs.delete(sidecar, False)


def rewrite_landing(spark: SparkSession, root: str, found: DataFrame) -> dict[str, int]:
    """Lines removed per source; each landing file naming a target is rewritten without them.

    The affected files are listed on the driver (one row per file, not per record).
    """
    removed: dict[str, int] = {}
    for source in SOURCES:
        base = f"{root}/landing/{source}"
        if not path_exists(spark, base):
            continue
        lines = spark.read.option("recursiveFileLookup", "true").text(base).select(
            "value", F.col("_metadata.file_path").alias("file"),
            F.monotonically_increasing_id().alias("_n"))
        hits = lines_naming(lines, found, ("file", "_n"))
        per_file = hits.groupBy("file").agg(F.count(F.lit(1)).alias("lines")).collect()
        for row in per_file:
            rewrite_file(spark, row["file"], found)
        removed[source] = sum(int(r["lines"]) for r in per_file)
    return removed


def redact_quality_files(root: str, needles: list[str]) -> int:
    """Great Expectations stores and Data Docs (local files) quoting a target: redacted.

    ``needles`` are the request's own ids, keys and phones (a handful, not user-sized).
    """
    if "://" in root and not root.startswith("file:"):
        log.warning("quality/gx under %s is not on a local file system: not scanned", root)
        return 0
    base = Path(root.removeprefix("file:")) / "quality" / "gx"
    changed = 0
    for path in sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else []:
        data = path.read_bytes()
        cleaned = data
        for needle in needles:
            cleaned = cleaned.replace(needle.encode("utf-8"), b"[erased]")
        if cleaned != data:
            path.write_bytes(cleaned)
            changed += 1
    return changed


def write_log(spark: SparkSession, root: str, counts: dict[str, tuple[int, int]], ids: int,
              request_id: str, requested_at: dt.datetime, run_id: str) -> None:
    """One row per table, added to the request's earlier attempts (a re-run removes 0)."""
    rows = [(request_id, requested_at, ids, table, deleted, updated, run_id)
            for table, (deleted, updated) in sorted(counts.items())]
    batch = spark.createDataFrame(rows, ERASURE_LOG.schema)
    ensure_table(spark, ERASURE_LOG, root)
    with commit_metadata(spark, run_id):
        (
            DeltaTable.forPath(spark, ERASURE_LOG.path(root)).alias("t")
            .merge(batch.alias("s"), "t.request_id = s.request_id AND t.table_name = s.table_name")
            .whenMatchedUpdate(set={"rows_deleted": "t.rows_deleted + s.rows_deleted",
                                    "rows_updated": "t.rows_updated + s.rows_updated",
                                    "run_id": "s.run_id"})
            .whenNotMatchedInsertAll()
            .execute()
        )


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str,
        ids_file: str, request_id: str | None = None,
        requested_at: dt.datetime | None = None) -> dict[str, tuple[int, int]]:
    """Erase the users of ``ids_file``; returns (rows deleted, rows rewritten) per table."""
    root = cfg.lakehouse_root
    key = load_pseudonym_key(cfg)
    # A retired or stray key makes pseudonyms no table holds: bronze and landing rows would
    # go and every row keyed by the real pseudonym would stay. Refused before anything.
    require_current_key(spark, root, key, run_id)
    keys = key_frame(spark, key)
    request_id = request_id or run_id
    requested_at = requested_at or dt.datetime.combine(first, dt.time(), dt.UTC)
    # Fixed once (localCheckpoint, not cache: Delta re-caches plans over a table it writes,
    # and the phones come from bronze/users, which the erasure empties of them).
    erased = targets(read_ids(spark, ids_file), keys).localCheckpoint()
    ids = erased.count()
    if ids == 0:
        raise InputError(f"ids file {ids_file} names no user id")
    found = identifiers_of(spark, root, erased).localCheckpoint()
    needles = needles_of(found).localCheckpoint()
    needle_list = [r["needle"] for r in needles.collect()]  # the request's own, a handful
    counts: dict[str, tuple[int, int]] = {}
    with commit_metadata(spark, run_id):
        write_tombstones(found, keys, root, request_id, requested_at, run_id)
        for spec in keyed_tables():
            if table_exists(spark, spec, root):
                counts[f"{spec.layer}/{spec.name}"] = erase_table(spark, spec, root, erased,
                                                                 found, needles)
    for source, lines in rewrite_landing(spark, root, found).items():
        counts[f"landing/{source}"] = (lines, 0)
    counts["quality/gx"] = (0, redact_quality_files(root, needle_list))
    write_log(spark, root, counts, ids, request_id, requested_at, run_id)
    print(f"erasure {request_id} ({ids} ids, requested {requested_at.isoformat()}), "
          f"run {run_id}: rows deleted / rewritten per table")
    for table, (deleted, updated) in sorted(counts.items()):
        print(f"  {table:<42}{deleted:>10,}{updated:>10,}")
    return counts


def _timestamp(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SegmentationError(f"--requested-at '{text}' is not an ISO timestamp") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Erase users from every layer, Delta history and landing files.",
                            date_range=False)
    parser.add_argument("--ids-file", required=True,
                        help="a file of raw user ids, one a line (any Hadoop file system)")
    parser.add_argument("--request-id", default=None,
                        help="the request's reference, recorded in privacy/erasure_log (never "
                             "an id); default: the run id")
    parser.add_argument("--requested-at", default=None,
                        help="when the request was made, ISO 8601 (default: the run date, "
                             "00:00 UTC)")
    args = parser.parse_args(argv)
    requested_at = _timestamp(args.requested_at) if args.requested_at else None
    cli.run_stage("erasure", run, args, args.ids_file, args.request_id, requested_at,
                  check=load_pseudonym_key)  # fails before a session, nothing read


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

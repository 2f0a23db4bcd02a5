"""Compaction: the date partitions a run wrote, binned into few files of the target size.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/maintain/main.py \
        --run-date 2026-06-30 [--env local]

Daily runs leave small files behind: every replaceWhere of a snapshot writes one file per
shuffle partition, every insert-only MERGE adds files to the activity dates its late
events fall on. This last stage runs Delta's OPTIMIZE (bin-packing compaction) on the
partitions that are final: ``OPTIMIZE <table> WHERE <date column> BETWEEN lo AND hi`` for
every date-partitioned table, the run's dates for snapshot-like tables (written once by
the run), and for activity dates the dates ``ingest.max_late_days`` before the run's, which
became final with it (a later record is quarantined as too late). Each partition is thus
compacted once; the last ``max_late_days`` activity dates keep the few files their daily
merges add until they are final. The target file size is Delta's
``spark.databricks.delta.optimize.maxFileSize`` (a Spark property of the profile, 256 MB
on a cluster). OPTIMIZE rewrites files without changing rows or the table protocol (no
deletion vectors, no column mapping: gold stays readable by delta-rs); a partition already
in one file is left alone, so a re-run commits nothing new.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any

from delta.tables import DeltaTable
from pyspark.sql import SparkSession

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import TableSpec, commit_metadata, staged, table_exists
from jobs.discover.schemas import CLUSTER_MEMBERSHIP, DISCOVERED_CLUSTERS
from jobs.evaluate.schemas import SEGMENT_EFFECT, SEGMENT_EVENTS, SEGMENT_OVERLAP
from jobs.ingest.schemas import BRONZE_TABLES, QUARANTINE_TABLE
from jobs.interest.schemas import USER_CATEGORY_STATE, USER_INTEREST
from jobs.predict.schemas import PREDICTED_VALUE_MODEL, USER_PREDICTED_VALUE, USER_PURCHASE_STATE
from jobs.profile.schemas import USER_PROFILE, USER_WINDOW_STATE
from jobs.quality.schemas import VALIDATION_RESULTS
from jobs.rollup.schemas import (
    USER_CATEGORY_DAILY,
    USER_CATEGORY_DAILY_INCREMENTS,
    USER_DAILY,
    USER_DAILY_INCREMENTS,
)
from jobs.segments.schemas import SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.silver.schemas import SILVER_EVENTS, SILVER_ORDERS
from jobs.social.schemas import GROUP_OVERLAP, USER_SOCIAL
from jobs.state.schemas import USER_STATE

GOLD = (USER_PROFILE, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY)
# Every table partitioned by a date, in pipeline order. Unpartitioned tables (users,
# relations, the history, the logs) are small or rewritten whole and are not compacted.
COMPACTED: tuple[TableSpec, ...] = (
    *BRONZE_TABLES.values(), QUARANTINE_TABLE, VALIDATION_RESULTS,
    SILVER_EVENTS, SILVER_ORDERS,
    USER_DAILY, USER_DAILY_INCREMENTS, USER_CATEGORY_DAILY, USER_CATEGORY_DAILY_INCREMENTS,
    USER_STATE, USER_WINDOW_STATE, USER_PURCHASE_STATE, USER_CATEGORY_STATE, USER_SOCIAL,
    GROUP_OVERLAP, USER_INTEREST, USER_PREDICTED_VALUE, PREDICTED_VALUE_MODEL,
    *(staged(spec) for spec in GOLD), *GOLD,
    SEGMENT_EVENTS, SEGMENT_OVERLAP, SEGMENT_EFFECT, DISCOVERED_CLUSTERS, CLUSTER_MEMBERSHIP,
)
# Partitions keyed by the date a fact happened: a run also writes the late facts of the
# ingest.max_late_days days before its own dates, so those become final only then.
LATE_COLUMNS = frozenset({"activity_date"})


def partition_window(spec: TableSpec, first: dt.date, last: dt.date,
                     late_days: int) -> tuple[str, dt.date, dt.date]:
    """(date column, first, last partition) that became final with a run of first..last:
    its own dates, or for activity dates the dates ``late_days`` before them."""
    column = spec.partition_by[0]
    back = dt.timedelta(days=late_days if column in LATE_COLUMNS else 0)
    return column, first - back, last - back


def compact(spark: SparkSession, spec: TableSpec, root: str, condition: str,
            run_id: str) -> dict[str, Any]:
    """OPTIMIZE the partitions matching ``condition`` (partition columns only)."""
    with commit_metadata(spark, run_id):
        result = (DeltaTable.forPath(spark, spec.path(root)).optimize().where(condition)
                  .executeCompaction().select("metrics.*").first())  # one row per OPTIMIZE
    return {"removed": int(result["numFilesRemoved"]), "added": int(result["numFilesAdded"]),
            "partitions": int(result["partitionsOptimized"])}


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date,
        run_id: str) -> dict[str, dict[str, Any]]:
    root = cfg.lakehouse_root
    late_days = int(cfg.get("ingest.max_late_days"))
    report = {}
    for spec in COMPACTED:
        if not table_exists(spark, spec, root):
            continue
        column, lo, hi = partition_window(spec, first, last, late_days)
        condition = f"{column} BETWEEN DATE'{lo}' AND DATE'{hi}'"
        report[f"{spec.layer}/{spec.name}"] = metrics = compact(spark, spec, root, condition,
                                                                run_id)
        if metrics["removed"]:
            print(f"compacted {spec.layer}/{spec.name} {lo}..{hi}: {metrics['removed']} "
                  f"files -> {metrics['added']} in {metrics['partitions']} partition(s)",
                  flush=True)
    return report


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Compact the date partitions a run wrote (Delta OPTIMIZE).").parse_args(
        argv)
    cli.run_stage("maintain", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

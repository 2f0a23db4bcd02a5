"""Bronze ingestion for a date or a date range, in one Spark application.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/ingest/main.py \
        --run-date 2026-06-30 [--env local] [--sources events,orders]

Reads ``landing/<source>/ingest_date=D/`` for every date of the run, writes valid
records to ``bronze/<source>`` and rejected ones to ``bronze/quarantine`` (both
scoped to the run's dates, so a re-run replaces them), and prints the
reconciliation: read = loaded + quarantined + duplicates + erased, per source. Once
a user has been erased (jobs/erasure), ``privacy/tombstones`` exists and ingest needs
the pseudonym key to recompute each landed id's tombstone: an erased user's records are
dropped and counted, never loaded or quarantined.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Sequence
from functools import reduce

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, rows_written, table_exists
from jobs.common.errors import SegmentationError
from jobs.common.fs import path_exists
from jobs.common.secrets import load_pseudonym_key
from jobs.erasure.schemas import TOMBSTONES
from jobs.ingest.schemas import BRONZE_TABLES, INGEST_LOG_TABLE, QUARANTINE_TABLE, SOURCES
from jobs.ingest.transforms import (
    classify,
    filter_valid,
    known_users,
    quarantine_rows,
    reconciliation,
    with_erased_reason,
)
from jobs.silver.pseudonym import key_frame

log = logging.getLogger("jobs.ingest")
LINES_SCHEMA = T.StructType([T.StructField("value", T.StringType()),
                             T.StructField("ingest_date", T.DateType())])


class ReconciliationError(SegmentationError):
    """What was written does not add up to what was read."""


def dates_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def date_condition(first: dt.date, last: dt.date) -> str:
    return f"ingest_date >= DATE'{first}' AND ingest_date <= DATE'{last}'"


def read_landing(spark: SparkSession, root: str, source: str,
                 first: dt.date, last: dt.date) -> DataFrame:
    """The raw lines of the run's landing partitions (missing dates contribute nothing)."""
    base = f"{root}/landing/{source}"
    paths = [f"{base}/ingest_date={day}" for day in dates_between(first, last)]
    present = [p for p in paths if path_exists(spark, p)]
    missing = len(paths) - len(present)
    if missing:
        log.warning("%s: %d of %d landing partitions absent under %s", source, missing,
                    len(paths), base)
    if not present:
        return spark.createDataFrame([], LINES_SCHEMA)
    lines = spark.read.option("basePath", base).text(present)
    return lines.select("value", F.col("ingest_date").cast("date").alias("ingest_date"))


def extract_known_users(spark: SparkSession, root: str) -> DataFrame:
    """Every user id landed so far, with the date it is known from (none before any)."""
    users = BRONZE_TABLES["users"]
    if not table_exists(spark, users, root):
        return spark.createDataFrame([], "user_id string, known_since date")
    return known_users(read_table(spark, users, root))


def erased_check(spark: SparkSession, cfg: Config):
    """``with_erased_reason`` over privacy/tombstones, or None before any erasure.

    Loads the pseudonym key when there are tombstones: a missing key stops the job
    before any landing file is read.
    """
    root = cfg.lakehouse_root
    if not table_exists(spark, TOMBSTONES, root):
        return None
    keys = key_frame(spark, load_pseudonym_key(cfg))
    return with_erased_reason(read_table(spark, TOMBSTONES, root), keys)


def check_reconciliation(source: str, rows: list[dict], written: int) -> None:
    """Every distinct line read is in bronze, in quarantine or erased, exactly once, and
    bronze holds exactly the lines counted as loaded."""
    for row in rows:
        if row["read"] != (row["loaded"] + row["quarantined"] + row["duplicates"]
                           + row["erased"]):
            raise ReconciliationError(f"{source} {row['ingest_date']}: {row}")
    loaded = sum(r["loaded"] for r in rows)
    if loaded != written:
        raise ReconciliationError(
            f"{source}: counted {loaded} loaded but Delta committed {written} rows")


def check_quarantined(rows: list[dict], committed: int) -> None:
    """Quarantine holds exactly the lines every source counted as quarantined."""
    counted = sum(r["quarantined"] for r in rows)
    if counted != committed:
        raise ReconciliationError(f"counted {counted} quarantined but Delta committed "
                                  f"{committed} rows to {QUARANTINE_TABLE.name}")


def write_ingest_log(spark: SparkSession, cfg: Config, rows: list[dict], first: dt.date,
                     last: dt.date, sources: Sequence[str], run_id: str) -> None:
    log_rows = [{**row, "run_id": run_id} for row in rows]
    frame = spark.createDataFrame(log_rows, INGEST_LOG_TABLE.schema)
    add_erased_column(spark, cfg.lakehouse_root)
    in_sources = ", ".join(f"'{s}'" for s in sources)
    replace_where(frame, INGEST_LOG_TABLE, cfg.lakehouse_root,
                  f"source IN ({in_sources}) AND {date_condition(first, last)}", run_id)


def add_erased_column(spark: SparkSession, root: str) -> None:
    """An ingest log written before erasure existed gains its ``erased`` column (migration)."""
    if not table_exists(spark, INGEST_LOG_TABLE, root):
        return
    if "erased" not in read_table(spark, INGEST_LOG_TABLE, root).columns:
        spark.sql(f"ALTER TABLE delta.`{INGEST_LOG_TABLE.path(root)}` "
                  "ADD COLUMNS (erased BIGINT COMMENT 'distinct lines of erased users')")


def format_reconciliation(rows: list[dict]) -> str:
    header = (f"{'source':<14}{'read':>12}{'loaded':>12}{'quarantined':>13}{'duplicates':>12}"
              f"{'erased':>8}")
    lines = [header, "-" * len(header)]
    for source in SOURCES:
        mine = [r for r in rows if r["source"] == source]
        if not mine:
            continue
        total = {k: sum(r[k] for r in mine) for k in ("read", "loaded", "quarantined",
                                                      "duplicates", "erased")}
        lines.append(f"{source:<14}{total['read']:>12,}{total['loaded']:>12,}"
                     f"{total['quarantined']:>13,}{total['duplicates']:>12,}"
                     f"{total['erased']:>8,}")
    return "\n".join(lines)


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str,
        sources: Sequence[str] = SOURCES) -> list[dict]:
    """Ingest every source for the dates: users first, since the others are checked against
    them (read once, today's included); each source's valid lines in its bronze table, the
    rejected lines of all of them in one quarantine commit."""
    root = cfg.lakehouse_root
    ordered = [s for s in SOURCES if s in sources]
    erased = erased_check(spark, cfg)
    condition = date_condition(first, last)
    rows: list[dict] = []
    classified_frames: list[DataFrame] = []
    known: DataFrame | None = None
    try:
        for source in ordered:
            if source != "users" and known is None:
                known = extract_known_users(spark, root)
            lines = read_landing(spark, root, source, first, last)
            classified = classify(lines, source, cfg, known if source != "users" else None,
                                  erased).persist(StorageLevel.MEMORY_AND_DISK)
            classified_frames.append(classified)
            loaded = replace_where(filter_valid(classified), BRONZE_TABLES[source], root,
                                   condition, run_id, metrics=True)
            source_rows = [row.asDict() for row in reconciliation(classified, source).collect()]
            check_reconciliation(source, source_rows, rows_written(loaded))
            rows.extend(source_rows)
            log.info("%s: %d landing dates ingested", source, len(source_rows))
        if classified_frames:
            rejected = reduce(DataFrame.unionByName,
                              [quarantine_rows(frame, source, run_id)
                               for frame, source in zip(classified_frames, ordered, strict=True)])
            in_sources = ", ".join(f"'{s}'" for s in ordered)
            quarantined = replace_where(rejected, QUARANTINE_TABLE, root,
                                        f"source IN ({in_sources}) AND {condition}", run_id,
                                        metrics=True)
            check_quarantined(rows, rows_written(quarantined))
    finally:
        for frame in classified_frames:
            frame.unpersist()
    write_ingest_log(spark, cfg, rows, first, last, ordered, run_id)
    print(f"bronze ingestion {first}..{last} (run {run_id}) — read = loaded + quarantined "
          f"+ duplicates + erased, reconciled per source and date:")
    print(format_reconciliation(rows))
    return rows


def parse_sources(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = sorted(set(names) - set(SOURCES))
    if unknown:
        raise SegmentationError(f"unknown source(s) {', '.join(unknown)}; known: "
                                f"{', '.join(SOURCES)}")
    return names


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Land raw files in bronze Delta tables, rejects in quarantine.")
    parser.add_argument("--sources", default=",".join(SOURCES),
                        help="comma-separated subset of " + ",".join(SOURCES))
    args = parser.parse_args(argv)
    cli.run_stage("ingest", run, args, parse_sources(args.sources))


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

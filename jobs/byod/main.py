"""Load an orders file into bronze through the column mapping of a data-set overlay.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/byod/main.py \
        --conf-overlay conf/datasets/online_retail.yaml [--path my_orders.csv]

The whole file is one load: bronze/orders, bronze/users and bronze/events (each
order stands for a visit: a login and a payment event) of the data set's
lakehouse are replaced by what the file holds (a re-run changes nothing), bad lines
go to bronze/quarantine with their reason, and the reconciliation is printed:
lines read = lines loaded + quarantined + exact duplicates dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.byod.transforms import (
    ColumnMapping,
    orders_from_lines,
    users_from_orders,
    visits_from_orders,
    with_absent_columns,
    with_line_reason,
    with_mapped_line,
)
from jobs.common import cli
from jobs.common.config import Config, load_config
from jobs.common.delta import replace_where, rows_written
from jobs.common.errors import ConfigError, InputError
from jobs.common.spark import build_spark
from jobs.ingest.main import ReconciliationError
from jobs.ingest.schemas import BRONZE_TABLES, INGEST_LOG_TABLE, QUARANTINE_TABLE

log = logging.getLogger("jobs.byod")
SOURCE = "orders_file"
EVERYTHING = "true"


def string_schema(columns: list[str]) -> T.StructType:
    return T.StructType([T.StructField(c, T.StringType()) for c in columns])


def read_orders_file(spark: SparkSession, path: str, file_format: str,
                     columns: list[str]) -> DataFrame:
    """The file's lines, every declared column as a string (never an inferred schema)."""
    if file_format == "csv":
        return spark.read.csv(path, schema=string_schema(columns), header=True,
                              mode="PERMISSIVE", enforceSchema=True)
    if file_format == "parquet":
        return spark.read.parquet(path).select(*[F.col(f"`{c}`").cast("string") for c in columns])
    raise ConfigError(f"conf key 'byod.format' = {file_format!r} is not csv or parquet")


def dedupe_lines(lines: DataFrame) -> DataFrame:
    return lines.groupBy(*[F.col(f"`{c}`") for c in lines.columns]).agg(
        F.count(F.lit(1)).alias("copies"))


def run(spark: SparkSession, cfg: Config, path: str, load_date: dt.date,
        run_id: str) -> dict[str, int]:
    byod = cfg.get("byod")
    columns = list(cfg.get("byod.file_columns"))
    mapping = ColumnMapping.from_conf(byod, cfg.timezone)
    root = cfg.lakehouse_root

    lines = read_orders_file(spark, path, str(cfg.get("byod.format")), columns)
    classified = (
        lines.transform(dedupe_lines)
        .transform(with_mapped_line(mapping, columns))
        .transform(with_line_reason(mapping))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        valid = classified.filter(F.col("reason").isNull())
        orders = orders_from_lines(valid, mapping)
        users = users_from_orders(orders, valid, mapping).transform(
            with_absent_columns(BRONZE_TABLES["users"].schema))
        replace_where(users, BRONZE_TABLES["users"], root, EVERYTHING, run_id)
        written = replace_where(orders, BRONZE_TABLES["orders"], root, EVERYTHING, run_id,
                                metrics=True)
        replace_where(visits_from_orders(orders).transform(
            with_absent_columns(BRONZE_TABLES["events"].schema)), BRONZE_TABLES["events"], root,
            EVERYTHING, run_id)
        rejected = classified.filter(F.col("reason").isNotNull()).select(
            F.lit(SOURCE).alias("source"), "raw_record", "reason", F.lit(run_id).alias("run_id"),
            F.lit(load_date).alias("ingest_date"))
        quarantined = replace_where(rejected, QUARANTINE_TABLE, root, f"source = '{SOURCE}'",
                                    run_id, metrics=True)
        counts = classified.agg(
            F.sum("copies").alias("read"),
            F.count_if(F.col("reason").isNull()).alias("loaded"),
            F.count_if(F.col("reason").isNotNull()).alias("quarantined"),
            F.sum(F.col("copies") - 1).alias("duplicates"),
        ).first().asDict()
        reasons = classified.filter(F.col("reason").isNotNull()).groupBy("reason").count()
        by_reason = {r["reason"]: r["count"] for r in reasons.collect()}
    finally:
        classified.unpersist()

    if counts["read"] != counts["loaded"] + counts["quarantined"] + counts["duplicates"] or \
            counts["quarantined"] != rows_written(quarantined):
        raise ReconciliationError(f"{SOURCE}: {counts}, quarantine commit {quarantined}")
    log_row = {"source": SOURCE, "ingest_date": load_date, "run_id": run_id, "erased": 0,
               **counts}
    replace_where(spark.createDataFrame([log_row], INGEST_LOG_TABLE.schema), INGEST_LOG_TABLE,
                  root, f"source = '{SOURCE}'", run_id)
    orders_written = rows_written(written)
    print(f"orders file {path} -> {root}/bronze (run {run_id})")
    print(f"  lines read {counts['read']:,} = loaded {counts['loaded']:,} + quarantined "
          f"{counts['quarantined']:,} + exact duplicates {counts['duplicates']:,}")
    print(f"  loaded lines became {orders_written:,} orders; quarantined by reason: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(by_reason.items())))
    return {**counts, "orders": orders_written}


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Load an orders file through a column mapping.", date_range=False)
    parser.add_argument("--path", default=None, help="the file (default: conf byod.path)")
    args = parser.parse_args(argv)
    cfg = load_config(args.env, args.conf_dir, args.conf_overlay)
    path = args.path or str(cfg.get("byod.path"))
    if "://" not in path and not Path(path).exists():
        raise InputError(f"orders file {path} not found (conf byod.path or --path)")
    spark = build_spark(cfg, "byod orders")
    run_id = args.run_id or cli.default_run_id("byod", args.run_date, args.run_date)
    run(spark, cfg, path, args.run_date, run_id)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

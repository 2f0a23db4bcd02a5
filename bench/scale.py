"""One scale of the benchmark in one Spark application (one JVM, so its peaks are its own).

    python -m bench.scale --users 20000 --days 10 --events-per-active-user 10 [--skew] \
        --out bench/results/1M.json

1. silver/users, user_consent, events, orders written at the scale (bench/data.py);
2. set-up: the rollup backfill of the history before D and the state of D-1;
3. the T+1 run of D: rollup, state, profile, segments (the real jobs' ``run``);
4. the same snapshot recomputed from the full history window in a second root that
   shares the silver tables: rollup over the whole range, state of D built cold from every
   increment, profile, segments;
5. the RFM of D alone in Spark (profile's own functions), and the DuckDB reference of the
   daily rollup and RFM over the same silver files, checked against Spark's tables.
With --rollup-only (--days 1) only D's events are generated, and only their rollup is
timed against DuckDB's: the size the rollup target names (50 million events a day) in a
run that does not also need the whole pipeline at that size.
Every step is a measured stage (bench/metrics.py); the JSON holds them all.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bench.data import Scale, write_silver
from bench.metrics import Meter
from bench.reference import Reference
from jobs.common.config import ENVIRONMENTS, Config, load_config
from jobs.common.delta import read_table
from jobs.common.spark import build_spark
from jobs.pipeline.main import STAGES
from jobs.profile.windows import daily_rows_as_of
from jobs.rollup.schemas import USER_DAILY, USER_DAILY_INCREMENTS
from jobs.segments.rfm import with_rfm_columns
from jobs.silver.schemas import SILVER_EVENTS

SILVER_STAGES = ("rollup", "state", "profile", "segments")


def spark_rfm(spark: SparkSession, cfg: Config, day: dt.date) -> DataFrame:
    """R, F, M and their scores of snapshot D from the rollup, with profile's functions."""
    rows = daily_rows_as_of(read_table(spark, USER_DAILY, cfg.lakehouse_root),
                            read_table(spark, USER_DAILY_INCREMENTS, cfg.lakehouse_root), day,
                            int(cfg.get("ingest.max_late_days")))
    in_year = F.col("activity_date") >= F.lit(day - dt.timedelta(days=364))
    paid = in_year & (F.col("paid_orders") > 0)
    base = (rows.filter(in_year).groupBy("user_key").agg(
        F.max(F.when(paid, F.col("activity_date"))).alias("_last_paid"),
        F.sum("paid_orders").alias("rfm_frequency"),
        F.sum(F.when(in_year, F.col("paid_amount"))).cast("decimal(18,2)").alias(
            "rfm_monetary"))
        .select(F.lit(day).alias("snapshot_date"), "user_key",
                F.datediff(F.lit(day), F.col("_last_paid")).alias("rfm_recency_days"),
                "rfm_frequency", "rfm_monetary"))
    return base.transform(with_rfm_columns(cfg))


def landed_events(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date) -> int:
    return read_table(spark, SILVER_EVENTS, cfg.lakehouse_root).filter(
        F.col("ingest_date").between(first, last)).count()


def second_root(root: str) -> str:
    """A lakehouse root that shares ``root``'s silver source tables (symlinks) only."""
    other = f"{root}-full"
    os.makedirs(f"{other}/silver", exist_ok=True)
    for table in ("users", "user_consent", "events", "orders"):
        link = Path(f"{other}/silver/{table}")
        if not link.exists():
            link.symlink_to(f"{root}/silver/{table}")
    return other


def run_stages(meter: Meter, spark: SparkSession, cfg: Config, label: str,
               plan: list[tuple[str, dt.date, dt.date]], events: int) -> None:
    for stage, first, last in plan:
        meter.measure(f"{label} {stage}", events, lambda s=stage, a=first, b=last:
                      STAGES[s](spark, cfg, a, b, f"bench:{label}:{s}"))


def duckdb_reference(cfg: Config, out_dir: str, day: dt.date, rfm: bool = True
                     ) -> tuple[dict, dict]:
    """DuckDB's seconds for the rollup (and RFM) of D, and its checks against Spark's."""
    reference = Reference(cfg, f"{out_dir}/duckdb")
    duck: dict = {}
    checks: dict = {}
    try:
        duck["rollup"] = reference.rollup(day)
        checks.update(reference.check_rollup(day))
        if rfm:
            duck["rfm"] = reference.rfm(day)
            checks["rfm"] = reference.check_rfm(day)
    except Exception as failure:  # noqa: BLE001  report what was measured
        duck["error"] = f"{type(failure).__name__}: {str(failure)[:300]}"
        print(f"  duckdb reference FAILED: {duck['error']}", flush=True)
    return duck, checks


def scale_result(meter: Meter, cfg: Config, scale: Scale, today: int, history: int, duck: dict,
                 checks: dict) -> dict:
    """One scale's JSON: what was measured, DuckDB's seconds and the agreement checks."""
    return {"scale": scale.as_dict(), "events_landed_d": today, "events_history": history,
            "stages": [m.as_dict() for m in meter.measured], "duckdb_seconds": duck,
            "checks": checks,
            "driver_peak_heap_mb": meter.rest.driver_peak_heap_mb() if meter.rest else None,
            "shuffle_partitions": int(cfg.get("spark.shuffle_partitions"))}


def run_rollup_day(spark: SparkSession, cfg: Config, scale: Scale, out_dir: str) -> dict:
    """One day of events: its rollup in Spark (the real job) and in DuckDB, checked."""
    day = scale.last_day
    meter = Meter(spark)
    meter.measure("generate silver", scale.events, lambda: write_silver(spark, scale,
                                                                        cfg.lakehouse_root))
    today = landed_events(spark, cfg, day, day)
    run_stages(meter, spark, cfg, "t+1", [("rollup", day, day)], today)
    duck, checks = duckdb_reference(cfg, out_dir, day, rfm=False)
    return scale_result(meter, cfg, scale, today, today, duck, checks)


def run_scale(spark: SparkSession, cfg: Config, scale: Scale, out_dir: str,
              full_recompute: bool = True) -> dict:
    """Every measured stage of one scale; ``cfg``'s lakehouse root must be empty."""
    root = cfg.lakehouse_root
    day, first = scale.last_day, scale.first_day
    before = day - dt.timedelta(days=1)
    meter = Meter(spark)
    meter.measure("generate silver", scale.events, lambda: write_silver(spark, scale, root))
    today = landed_events(spark, cfg, day, day)
    history = landed_events(spark, cfg, first, day)
    # The day before as a T+1 run left it: its lifetime and window states exist, so the
    # T+1 of D moves them (a first run of D would build them cold).
    run_stages(meter, spark, cfg, "setup", [("rollup", first, before), ("state", before, before),
                                            ("profile", before, before)], history - today)
    run_stages(meter, spark, cfg, "t+1", [(s, day, day) for s in SILVER_STAGES], today)
    rfm_out = f"{out_dir}/spark_rfm"
    meter.measure("rfm spark", history, lambda: spark_rfm(spark, cfg, day).write.mode(
        "overwrite").parquet(rfm_out))
    duck, checks = duckdb_reference(cfg, out_dir, day)
    if full_recompute:
        full = cfg.with_overrides({"lakehouse.root": second_root(root)})
        run_stages(meter, spark, full, "full", [("rollup", first, day), ("state", day, day),
                                                ("profile", day, day), ("segments", day, day)],
                   history)
    return scale_result(meter, cfg, scale, today, history, duck, checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--events-per-active-user", type=int, default=10)
    parser.add_argument("--skew", action="store_true", help="top 0.1 %% hold half the events")
    parser.add_argument("--no-full-recompute", action="store_true")
    parser.add_argument("--rollup-only", action="store_true",
                        help="only the rollup of D vs DuckDB's (use with --days 1)")
    parser.add_argument("--env", choices=ENVIRONMENTS, default="local")
    parser.add_argument("--out", required=True, help="the JSON file to write")
    args = parser.parse_args(argv)
    scale = Scale(args.users, args.days, args.events_per_active_user, skew=args.skew,
                  rollup_only=args.rollup_only)
    work = tempfile.mkdtemp(prefix=f"bench-{scale.name}-")
    os.environ.pop("LAKEHOUSE_ROOT", None)
    cfg = load_config(args.env).with_overrides({"lakehouse.root": f"{work}/lakehouse"})
    started = time.perf_counter()
    spark = build_spark(cfg, f"bench-{scale.name}")
    try:
        result = (run_rollup_day(spark, cfg, scale, f"{work}/out") if scale.rollup_only else
                  run_scale(spark, cfg, scale, f"{work}/out",
                            full_recompute=not args.no_full_recompute))
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)
    result["application_seconds"] = time.perf_counter() - started
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

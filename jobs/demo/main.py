"""`make demo`: the whole product on one data set, in one Spark application.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/demo/main.py [--run-date D]
    ... jobs/demo/main.py --conf-overlay conf/datasets/online_retail.yaml   (make demo-retail)

Synthetic: generate the landing files for D, load the history before D (ingest,
silver, rollup over every landing date at once), then the T+1 run for D.
With a bring-your-own-data overlay (a ``byod`` section), the orders file replaces
generation and ingestion. Ends by printing the segment summary and the table paths.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.byod import main as byod
from jobs.common import cli
from jobs.common.config import ENVIRONMENTS, Config, load_config
from jobs.common.delta import read_table
from jobs.common.fs import list_partition_values
from jobs.common.secrets import ensure_key_file, load_pseudonym_key
from jobs.common.spark import build_spark
from jobs.generate import main as generate
from jobs.ingest.schemas import BRONZE_TABLES, SOURCES
from jobs.pipeline import main as pipeline
from jobs.quality.schemas import VALIDATION_RESULTS
from jobs.segments.schemas import SEGMENT_SUMMARY

HISTORY = ("ingest", "quality", "silver", "rollup")


def earliest_landing_date(spark: SparkSession, root: str, fallback: dt.date) -> dt.date:
    dates = [d for s in SOURCES for d in list_partition_values(spark, f"{root}/landing/{s}",
                                                               "ingest_date")]
    return dt.date.fromisoformat(min(dates)) if dates else fallback


def earliest_order_date(spark: SparkSession, root: str) -> dt.date:
    """A single aggregate value, not user-sized data."""
    return read_table(spark, BRONZE_TABLES["orders"], root).agg(F.min("ingest_date")).first()[0]


def print_summary(spark: SparkSession, root: str, day: dt.date) -> None:
    """The segment summary of D: a few hundred rows, one per segment."""
    rows = (read_table(spark, SEGMENT_SUMMARY, root).filter(F.col("snapshot_date") == day)
            .orderBy("family", F.col("members").desc()).collect())
    print(f"\nsegment summary for {day} ({len(rows)} segments; * = under the minimum size, "
          "< k = suppressed for k-anonymity):")
    for family in sorted({r["family"] for r in rows}):
        cells = [f"{r['segment']} {'< k' if r['members'] is None else format(r['members'], ',')}"
                 f"{'*' if r['under_min_size'] else ''}" for r in rows if r["family"] == family]
        print(f"  {family:<12} " + ", ".join(cells))


def print_quality(spark: SparkSession, root: str, day: dt.date) -> None:
    """What the gates said about D: expectations passed and failed per table (a few rows)."""
    results = read_table(spark, VALIDATION_RESULTS, root).filter(F.col("run_date") == day)
    def failed(severity: str) -> F.Column:
        return F.sum((~F.col("success") & (F.col("severity") == severity)).cast("int"))

    rows = (results.groupBy("table_name").agg(
        F.count(F.lit(1)).alias("checked"), F.sum(F.col("success").cast("int")).alias("passed"),
        failed("critical").alias("critical"), failed("warning").alias("warning"))
        .orderBy("table_name").collect())
    print(f"\nquality gates for {day} (expectations passed / checked; failed critical, warning):")
    for r in rows:
        print(f"  {r['table_name']:<28} {r['passed']:>3} / {r['checked']:<3} "
              f"critical {r['critical']}, warning {r['warning']}")
    print(f"Data Docs: {root}/quality/gx/uncommitted/data_docs/local_site/index.html")


class Steps:
    """Prints each step's wall time as the demo goes."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def run(self, name: str, action) -> object:
        began = time.perf_counter()
        print(f"[demo] {name} ...", flush=True)
        result = action()
        print(f"[demo] {name}: {time.perf_counter() - began:.1f} s "
              f"(total {time.perf_counter() - self.started:.1f} s)", flush=True)
        return result


def run_synthetic(spark: SparkSession, cfg: Config, day: dt.date, steps: Steps) -> None:
    root = cfg.lakehouse_root
    steps.run("generate landing files", lambda: generate.run(spark, cfg, day))
    first = earliest_landing_date(spark, root, day)
    before = day - dt.timedelta(days=1)
    steps.run(f"load history {first}..{before}", lambda: pipeline.run(
        spark, cfg, first, before, cli.default_run_id("history", first, before), HISTORY))
    steps.run(f"T+1 run for {day}", lambda: pipeline.run(
        spark, cfg, day, day, cli.default_run_id("pipeline", day, day)))


def run_retail(spark: SparkSession, cfg: Config, day: dt.date, steps: Steps) -> None:
    root = cfg.lakehouse_root
    steps.run("load the orders file into bronze", lambda: byod.run(
        spark, cfg, str(cfg.get("byod.path")), day, cli.default_run_id("byod", day, day)))
    first = earliest_order_date(spark, root)
    before = day - dt.timedelta(days=1)
    steps.run(f"load history {first}..{before}", lambda: pipeline.run(
        spark, cfg, first, before, cli.default_run_id("history", first, before),
        HISTORY[1:]))
    steps.run(f"T+1 run for {day}", lambda: pipeline.run(
        spark, cfg, day, day, cli.default_run_id("pipeline", day, day),
        tuple(pipeline.STAGES)[1:]))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", type=dt.date.fromisoformat, default=None,
                        help="snapshot date (default: the data set's snapshot_date in conf)")
    parser.add_argument("--env", choices=ENVIRONMENTS, default="local")
    parser.add_argument("--conf-dir", default=None)
    parser.add_argument("--conf-overlay", action="append", default=[], metavar="FILE")
    args = parser.parse_args(argv)

    cfg = load_config(args.env, args.conf_dir, args.conf_overlay)
    key_file = ensure_key_file(cfg)
    load_pseudonym_key(cfg)
    print(f"[demo] pseudonym secret: {key_file} (git-ignored; never printed)")
    retail = bool(cfg.get("byod", None))
    day = args.run_date or cfg.date("byod.snapshot_date" if retail else
                                    "generator.snapshot_date")
    steps = Steps()
    spark = build_spark(cfg, "demo")
    if spark.sparkContext.uiWebUrl:
        print(f"[demo] Spark UI: {spark.sparkContext.uiWebUrl} (jobs, stages, SQL plans; "
              "while the demo runs)", flush=True)
    (run_retail if retail else run_synthetic)(spark, cfg, day, steps)

    root = cfg.lakehouse_root
    print_summary(spark, root, day)
    print_quality(spark, root, day)
    print(f"\nlakehouse: {root}")
    for layer in ("landing", "bronze", "silver", "staging", "gold", "quality"):
        print(f"  {layer:<8} {root}/{layer}")
    print(f"demo finished in {time.perf_counter() - steps.started:.1f} s")


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

"""`make demo`: the whole pipeline for the demo snapshot date, in one Spark application.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/demo/main.py [--run-date D]
    ... jobs/demo/main.py --conf-overlay conf/datasets/online_retail.yaml   (make demo-retail)

Synthetic: generate the landing files for D, ingest every landing date into bronze.
With a bring-your-own-data overlay (a ``byod`` section): load that orders file instead.
Then print where the tables are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence

from pyspark.sql import SparkSession

from jobs.byod import main as byod
from jobs.common import cli
from jobs.common.config import ENVIRONMENTS, Config, load_config
from jobs.common.fs import list_partition_values
from jobs.common.spark import build_spark
from jobs.generate import main as generate
from jobs.ingest import main as ingest
from jobs.ingest.schemas import SOURCES


def earliest_landing_date(spark: SparkSession, root: str, fallback: dt.date) -> dt.date:
    dates = [d for s in SOURCES for d in list_partition_values(spark, f"{root}/landing/{s}",
                                                               "ingest_date")]
    return dt.date.fromisoformat(min(dates)) if dates else fallback


class Stopwatch:
    """Prints each step's wall time as the demo goes."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def step(self, name: str, started: float) -> None:
        print(f"[demo] {name}: {time.perf_counter() - started:.1f} s "
              f"(total {time.perf_counter() - self.started:.1f} s)", flush=True)


def run_synthetic(spark: SparkSession, cfg: Config, run_date: dt.date, watch: Stopwatch) -> None:
    root = cfg.lakehouse_root
    started = time.perf_counter()
    generate.run(spark, cfg, run_date)
    watch.step("generate landing files", started)

    started = time.perf_counter()
    first = earliest_landing_date(spark, root, run_date)
    ingest.run(spark, cfg, first, run_date, cli.default_run_id("ingest", first, run_date))
    watch.step(f"ingest landing {first}..{run_date} into bronze", started)


def run_retail(spark: SparkSession, cfg: Config, watch: Stopwatch) -> None:
    started = time.perf_counter()
    load_date = cfg.date("byod.snapshot_date")
    byod.run(spark, cfg, str(cfg.get("byod.path")), load_date,
             cli.default_run_id("byod", load_date, load_date))
    watch.step("load the orders file into bronze", started)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-date", type=dt.date.fromisoformat, default=None,
                        help="snapshot date (default: conf generator.snapshot_date)")
    parser.add_argument("--env", choices=ENVIRONMENTS, default="local")
    parser.add_argument("--conf-dir", default=None)
    parser.add_argument("--conf-overlay", action="append", default=[], metavar="FILE")
    args = parser.parse_args(argv)

    cfg = load_config(args.env, args.conf_dir, args.conf_overlay)
    watch = Stopwatch()
    spark = build_spark(cfg, "demo")
    if cfg.get("byod", None):
        run_retail(spark, cfg, watch)
    else:
        run_synthetic(spark, cfg, args.run_date or cfg.date("generator.snapshot_date"), watch)
    root = cfg.lakehouse_root
    print(f"\nlakehouse: {root}")
    for layer in ("landing", "bronze"):
        print(f"  {layer}/  ->  {root}/{layer}")
    print(f"demo finished in {time.perf_counter() - watch.started:.1f} s")


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

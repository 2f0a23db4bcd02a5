"""Lifetime state for a date or a range, maintained incrementally.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/state/main.py \
        --run-date 2026-06-30 [--env local]

For each date D: state(D) = state(D-1) + the increments landed on D (one landing
date's rows, never raw history). When state(D-1) does not exist (the first run, or
a backfill starting cold), state(D) is built from every increment landed up to D.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, table_exists
from jobs.rollup.schemas import USER_DAILY_INCREMENTS
from jobs.state.schemas import USER_STATE
from jobs.state.transforms import next_state


def previous_state(spark: SparkSession, root: str, day: dt.date) -> DataFrame | None:
    """state(day - 1) if it was written, else None."""
    if not table_exists(spark, USER_STATE, root):
        return None
    before = day - dt.timedelta(days=1)
    previous = read_table(spark, USER_STATE, root).filter(F.col("state_date") == before)
    return previous if previous.limit(1).count() else None


def state_for(spark: SparkSession, cfg: Config, day: dt.date) -> DataFrame:
    root = cfg.lakehouse_root
    increments = read_table(spark, USER_DAILY_INCREMENTS, root)
    previous = previous_state(spark, root, day)
    if previous is None:
        return next_state(None, increments.filter(F.col("ingest_date") <= day), day)
    return next_state(previous, increments.filter(F.col("ingest_date") == day), day)


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    day = first
    while day <= last:
        replace_where(state_for(spark, cfg, day), USER_STATE, cfg.lakehouse_root,
                      f"state_date = DATE'{day}'", run_id)
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Maintain the lifetime state per user.").parse_args(argv)
    cli.run_stage("state", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

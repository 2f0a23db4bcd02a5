"""Daily rollup for a date or a range: one pass over the silver rows those dates landed.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/rollup/main.py \
        --run-date 2026-06-30 [--env local]

Writes the landing dates' increments (replacing any earlier run of the same dates),
then re-sums user_daily for the activity dates they can touch (the run's dates and
the max_late_days before them); the same for the per-category user_category_daily.
All writes are scoped, so a re-run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.chain import invalidate, late_days
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where
from jobs.interest.schemas import USER_CATEGORY_STATE
from jobs.predict.schemas import USER_PURCHASE_STATE
from jobs.profile.schemas import USER_WINDOW_STATE
from jobs.rollup.categories import category_increments, user_category_daily
from jobs.rollup.schemas import (
    USER_CATEGORY_DAILY,
    USER_CATEGORY_DAILY_INCREMENTS,
    USER_DAILY,
    USER_DAILY_INCREMENTS,
)
from jobs.rollup.transforms import daily_increments, user_daily
from jobs.silver.schemas import SILVER_EVENTS, SILVER_ORDERS

MOVING_STATES = (USER_WINDOW_STATE, USER_PURCHASE_STATE, USER_CATEGORY_STATE)


def touched_dates(cfg: Config, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """Activity dates that landing dates first..last can add to."""
    return first - dt.timedelta(days=int(cfg.get("ingest.max_late_days"))), last


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    root = cfg.lakehouse_root
    start, end = touched_dates(cfg, first, last)
    landed = F.col("ingest_date").between(first, last) & F.col("activity_date").between(start,
                                                                                        end)
    # One pass over the landed events: both rollups below read this cached copy.
    events = read_table(spark, SILVER_EVENTS, root).filter(landed).persist(
        StorageLevel.MEMORY_AND_DISK)
    try:
        roll_up(spark, cfg, events, read_table(spark, SILVER_ORDERS, root).filter(landed),
                first, last, run_id)
    finally:
        events.unpersist()


def roll_up(spark: SparkSession, cfg: Config, events: DataFrame, orders: DataFrame,
            first: dt.date, last: dt.date, run_id: str) -> None:
    """The daily rollup and the per-category rollup of the same landed rows."""
    root = cfg.lakehouse_root
    start, end = touched_dates(cfg, first, last)
    window = (f"activity_date >= DATE'{start}' AND activity_date <= DATE'{end}'")
    replace_where(daily_increments(events, orders, cfg), USER_DAILY_INCREMENTS, root,
                  f"ingest_date >= DATE'{first}' AND ingest_date <= DATE'{last}' AND {window}",
                  run_id)
    increments = read_table(spark, USER_DAILY_INCREMENTS, root).filter(
        F.col("activity_date").between(start, end))
    replace_where(user_daily(increments), USER_DAILY, root, window, run_id)
    # The moving states count the days at least max_late_days before their date as final:
    # those that may have counted a day just rewritten go (rebuilt from the day before, or
    # cold, by the stages that own them).
    invalidate(spark, MOVING_STATES, root, start, late_days(cfg), run_id)
    # The same landed events, per content type and category (the interest family).
    replace_where(category_increments(events, cfg), USER_CATEGORY_DAILY_INCREMENTS, root,
                  f"ingest_date >= DATE'{first}' AND ingest_date <= DATE'{last}' AND {window}",
                  run_id)
    by_category = read_table(spark, USER_CATEGORY_DAILY_INCREMENTS, root).filter(
        F.col("activity_date").between(start, end))
    replace_where(user_category_daily(by_category), USER_CATEGORY_DAILY, root, window, run_id)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Roll silver events and orders up per user and day.").parse_args(argv)
    cli.run_stage("rollup", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

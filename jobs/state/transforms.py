"""state(D) = state(D-1) combined with what landing date D added; or, with no state(D-1),
everything landed up to D combined at once. min / max / sum / latest-of combine in any
grouping, so both give the same rows.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.rollup.schemas import LATEST_COLUMNS
from jobs.rollup.transforms import latest_event
from jobs.state.schemas import USER_STATE


def _date_where(condition: Column) -> Column:
    return F.when(condition, F.col("activity_date"))


def state_rows(increments: DataFrame) -> DataFrame:
    """Daily increments in the state's shape (one row each, not yet combined)."""
    active = F.col("events") > 0
    return increments.select(
        "user_key",
        _date_where(active).alias("first_active_date"),
        _date_where(active).alias("last_interaction_date"),
        _date_where(F.col("n_login") > 0).alias("last_login_date"),
        _date_where(F.col("paid_orders") > 0).alias("last_paid_date"),
        F.col("paid_amount").alias("lifetime_paid"),
        F.col("refunded_amount").alias("lifetime_refunded"),
        "last_event_ts", "last_event_id", *LATEST_COLUMNS,
    )


def combine_state(rows: DataFrame, state_date: dt.date) -> DataFrame:
    """One state row per user from any mix of earlier state rows and increment rows: one
    hash aggregation, the latest event's fields joined from ``latest_event``."""
    combined = rows.groupBy("user_key").agg(
        F.min("first_active_date").alias("first_active_date"),
        F.max("last_interaction_date").alias("last_interaction_date"),
        F.max("last_login_date").alias("last_login_date"),
        F.max("last_paid_date").alias("last_paid_date"),
        F.sum("lifetime_paid").cast("decimal(18,2)").alias("lifetime_paid"),
        F.sum("lifetime_refunded").cast("decimal(18,2)").alias("lifetime_refunded"),
    )
    latest = latest_event(rows, ("user_key",)).hint("shuffle_hash")
    return combined.join(latest, "user_key", "left").select(
        F.lit(state_date).alias("state_date"), "user_key", "first_active_date",
        "last_interaction_date", "last_login_date", "last_paid_date", "lifetime_paid",
        "lifetime_refunded", "last_event_ts", "last_event_id", *LATEST_COLUMNS,
    )


def next_state(previous: DataFrame | None, increments: DataFrame,
               state_date: dt.date) -> DataFrame:
    """``previous``: state rows of the day before (None to start from all increments)."""
    rows = state_rows(increments)
    if previous is not None:
        rows = previous.select(*rows.columns).unionByName(rows)
    return combine_state(rows, state_date).select(*USER_STATE.columns)

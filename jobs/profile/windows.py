"""Window features of snapshot D from the daily rollup: one scan, one groupBy per user.

The rows are *as of D*: activity dates at least ``max_late_days`` before D are final
(nothing can land for them any more) and come from silver/user_daily; the last few
days are re-summed from the increments landed up to D. So a re-run of D, a backfill
and the T+1 run see exactly the same rows, however much has landed since.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.rollup.schemas import CONTENT_TYPES, DEVICE_TYPES, EVENT_TYPES, NETWORK_GROUPS, SLOTS
from jobs.rollup.transforms import is_weekend, user_daily

HORIZON_DAYS = 365  # the longest window (RFM, coupons, regularity)


def daily_rows_as_of(daily: DataFrame, increments: DataFrame, snapshot: dt.date,
                     max_late_days: int) -> DataFrame:
    """Rollup rows of D-364..D as they stood at the end of landing date D."""
    oldest = snapshot - dt.timedelta(days=HORIZON_DAYS - 1)
    final_until = snapshot - dt.timedelta(days=max_late_days)
    final = daily.filter(F.col("activity_date").between(oldest, final_until))
    recent = increments.filter(
        (F.col("activity_date") > final_until) & (F.col("activity_date") <= snapshot)
        & (F.col("ingest_date") <= snapshot))
    return final.unionByName(user_daily(recent).select(*final.columns))


def _days_ago(snapshot: dt.date) -> Column:
    return F.datediff(F.lit(snapshot), F.col("activity_date"))


def _within(snapshot: dt.date, days: int, skip: int = 0) -> Column:
    """activity_date in D-(skip+days-1) .. D-skip."""
    ago = _days_ago(snapshot)
    return (ago >= skip) & (ago < skip + days)


def _total(column: Column | str, condition: Column) -> Column:
    value = F.col(column) if isinstance(column, str) else column
    return F.coalesce(F.sum(F.when(condition, value)), F.lit(0)).cast("long")


def _amount(column: str, condition: Column) -> Column:
    total = F.sum(F.when(condition, F.col(column)))
    return F.coalesce(total, F.lit(0)).cast("decimal(18,2)")


def window_features(rows: DataFrame, snapshot: dt.date) -> DataFrame:
    """Per user: every ``<metric>_<N>d`` feature of jobs.segments.base.PROFILE_FEATURES."""
    d7, d14, d30 = (_within(snapshot, n) for n in (7, 14, 30))
    d14_prior = _within(snapshot, 14, skip=14)
    d90, d90_prior, d365 = _within(snapshot, 90), _within(snapshot, 90, 90), _within(snapshot,
                                                                                   365)
    active = F.col("events") > 0
    messages = F.col("n_message_send") + F.col("n_message_read")
    weekend = is_weekend(F.col("activity_date"))
    paid_day = F.col("paid_orders") > 0
    features = [
        _total("events", d7).alias("events_7d"),
        _total("duration_s", d7).alias("duration_s_7d"),
        _total(messages, d7).alias("messages_7d"),
        F.count_if(d7 & active).cast("long").alias("active_days_7d"),
        *[_total(f"n_{t}", d7).alias(f"_types7_{t}") for t in EVENT_TYPES],
        _total("n_product_view", d7).alias("product_views_7d"),
        _total("paid_orders", d7).alias("paid_orders_7d"),
        F.count_if(d14 & active).cast("long").alias("active_days_14d"),
        F.count_if(d14_prior & active).cast("long").alias("active_days_14d_prior"),
        _total("events", d30).alias("events_30d"),
        _total("n_login", d30).alias("logins_30d"),
        _total(sum(F.col(f"content_{c}") for c in CONTENT_TYPES), d30).alias(
            "content_events_30d"),
        *[_total(f"content_{c}", d30).alias(f"{c}_events_30d") for c in CONTENT_TYPES],
        _total(messages, d30).alias("chat_events_30d"),
        _total("n_miniprogram_open", d30).alias("miniprogram_events_30d"),
        _total("n_payment", d30).alias("payment_events_30d"),
        _total("n_share", d30).alias("shares_30d"),
        *[_total(f"device_{d}", d30).alias(f"device_{d}_30d") for d in DEVICE_TYPES],
        *[_total(f"net_{n}", d30).alias(f"net_{n}_30d") for n in NETWORK_GROUPS],
        *[_total(f"slot_{s}", d30).alias(f"slot_{s}_30d") for s in SLOTS],
        _total("events", d30 & ~weekend).alias("weekday_events_30d"),
        _total("weekday_evening_slot_events", d30).alias("weekday_evening_events_30d"),
        _total("events", d30 & weekend).alias("weekend_events_30d"),
        _total("weekend_morning_slot_events", d30).alias("weekend_morning_events_30d"),
        _amount("paid_amount", d30).alias("paid_30d"),
        _total("paid_orders", d30).alias("paid_orders_30d"),
        _amount("paid_amount", d90).alias("paid_90d"),
        _amount("paid_amount", d90_prior).alias("paid_90d_prior"),
        _total("paid_orders", d90).alias("paid_orders_90d"),
        _amount("paid_amount", d365).alias("paid_365d"),
        _total("paid_orders", d365).alias("paid_orders_365d"),
        _total("coupon_paid_orders", d365).alias("coupon_orders_365d"),
        F.max(F.when(d365 & paid_day, F.col("activity_date"))).alias("_last_paid_365d"),
    ]
    type_columns = [F.col(f"_types7_{t}") for t in EVENT_TYPES]
    return (
        rows.groupBy("user_key").agg(*features)
        .withColumn("event_types_7d", sum((c > 0).cast("long") for c in type_columns))
        .withColumn("rfm_recency_days", F.datediff(F.lit(snapshot), F.col("_last_paid_365d")))
        .withColumn("rfm_frequency", F.col("paid_orders_365d"))
        .withColumn("rfm_monetary", F.col("paid_365d"))
        .drop("_last_paid_365d", *[f"_types7_{t}" for t in EVENT_TYPES])
    )


def quarter_share(rows: DataFrame, snapshot: dt.date) -> DataFrame:
    """Largest share of the 365-day paid amount inside one calendar quarter."""
    paid = rows.filter(_within(snapshot, HORIZON_DAYS) & (F.col("paid_amount") > 0))
    by_quarter = paid.groupBy("user_key", F.year("activity_date").alias("y"),
                              F.quarter("activity_date").alias("q")).agg(
        F.sum("paid_amount").alias("amount"))
    return by_quarter.groupBy("user_key").agg(
        (F.max("amount") / F.sum("amount")).cast("double").alias("max_quarter_share_365d"))


def order_interval_cv(rows: DataFrame, snapshot: dt.date) -> DataFrame:
    """CV (population std / mean) of days between consecutive paid orders in 365 days.

    Orders on the same day are 0 days apart; n orders give n - 1 intervals.
    """
    paid = rows.filter(_within(snapshot, HORIZON_DAYS) & (F.col("paid_orders") > 0))
    by_date = Window.partitionBy("user_key").orderBy("activity_date")
    gaps = paid.select(
        "user_key", "paid_orders",
        F.datediff("activity_date", F.lag("activity_date").over(by_date)).alias("gap"))
    stats = gaps.groupBy("user_key").agg(
        (F.sum("paid_orders") - 1).alias("n"),
        F.coalesce(F.sum("gap"), F.lit(0)).alias("s1"),
        F.coalesce(F.sum(F.col("gap") * F.col("gap")), F.lit(0)).alias("s2"),
    )
    mean = F.col("s1") / F.col("n")
    variance = F.greatest(F.col("s2") / F.col("n") - mean * mean, F.lit(0.0))
    cv = F.when((F.col("n") >= 1) & (F.col("s1") > 0), F.sqrt(variance) / mean)
    return stats.select("user_key", cv.cast("double").alias("order_interval_cv_365d"))


def login_streak(rows: DataFrame, snapshot: dt.date) -> DataFrame:
    """Consecutive login days ending on D (users without a login on D are absent)."""
    logins = rows.filter(_within(snapshot, HORIZON_DAYS) & (F.col("n_login") > 0))
    newest_first = Window.partitionBy("user_key").orderBy(F.col("activity_date").desc())
    ranked = logins.select("user_key", _days_ago(snapshot).alias("ago"),
                           (F.row_number().over(newest_first) - 1).alias("rank"))
    unbroken = F.col("ago") == F.col("rank")
    return ranked.groupBy("user_key").agg(F.count_if(unbroken).cast("int").alias(
        "login_streak_days")).filter(F.col("login_streak_days") > 0)

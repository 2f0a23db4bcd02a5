"""Window features of snapshot D from the daily rollup: one scan, one groupBy per user.

The rows are *as of D*: activity dates at least ``max_late_days`` before D are final
(nothing can land for them any more) and come from silver/user_daily; the last few
days are re-summed from the increments landed up to D. So a re-run of D, a backfill
and the T+1 run see exactly the same rows, however much has landed since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.rollup.schemas import CONTENT_TYPES, DEVICE_TYPES, EVENT_TYPES, NETWORK_GROUPS, SLOTS
from jobs.rollup.transforms import user_daily

HORIZON_DAYS = 365  # the longest window (RFM, coupons, regularity)


def final_rows(daily: DataFrame, snapshot: dt.date, max_late_days: int) -> DataFrame:
    """Rollup rows of D-364 .. D-max_late_days: final, nothing can land for them any more."""
    oldest = snapshot - dt.timedelta(days=HORIZON_DAYS - 1)
    final_until = snapshot - dt.timedelta(days=max_late_days)
    return daily.filter(F.col("activity_date").between(oldest, final_until))


def tail_rows(increments: DataFrame, snapshot: dt.date, max_late_days: int) -> DataFrame:
    """Rollup rows of the days after D-max_late_days, summed from what landed up to D."""
    final_until = snapshot - dt.timedelta(days=max_late_days)
    recent = increments.filter(
        (F.col("activity_date") > final_until) & (F.col("activity_date") <= snapshot)
        & (F.col("ingest_date") <= snapshot))
    return user_daily(recent)


def daily_rows_as_of(daily: DataFrame, increments: DataFrame, snapshot: dt.date,
                     max_late_days: int) -> DataFrame:
    """Rollup rows of D-364..D as they stood at the end of landing date D."""
    final = final_rows(daily, snapshot, max_late_days)
    return final.unionByName(tail_rows(increments, snapshot, max_late_days).select(
        *final.columns))


def _days_ago(snapshot: dt.date) -> Column:
    return F.datediff(F.lit(snapshot), F.col("activity_date"))


def _within(snapshot: dt.date, days: int, skip: int = 0) -> Column:
    """activity_date in D-(skip+days-1) .. D-skip."""
    ago = _days_ago(snapshot)
    return (ago >= skip) & (ago < skip + days)


@dataclass(frozen=True)
class WindowSum:
    """``name`` = the sum of ``value`` (SQL over a rollup row) on days D-skip-days+1 .. D-skip.

    SQL text rather than Columns: the profile builds ~70 of these three ways a day, and a
    Column costs a dozen Py4J round trips to build where a parsed string costs one.
    """

    name: str
    value: str
    days: int
    skip: int = 0
    amount: bool = False   # decimal(18,2) money, else a long count

    @property
    def dtype(self) -> str:
        return "decimal(18,2)" if self.amount else "bigint"

    def final_ages(self, late_days: int) -> tuple[int, int] | None:
        """Ages (days before D) of the window's final days, or None: they are >= late_days."""
        oldest, newest = self.skip + self.days - 1, max(self.skip, late_days)
        return (newest, oldest) if newest <= oldest else None

    def tail_ages(self, late_days: int) -> tuple[int, int] | None:
        """Ages of the window's days still open to late records (< late_days), or None."""
        newest, oldest = self.skip, min(self.skip + self.days - 1, late_days - 1)
        return (newest, oldest) if newest <= oldest else None


def age_sql(snapshot: dt.date) -> str:
    """Days from a row's activity_date to D, in SQL."""
    return f"datediff(DATE'{snapshot}', activity_date)"


def sum_sql(value: str, condition: str) -> str:
    """SUM of value over the rows meeting condition, in SQL; NULL when none does."""
    return f"sum(CASE WHEN {condition} THEN {value} END)"


ACTIVE = "CAST(events > 0 AS BIGINT)"
MESSAGES = "n_message_send + n_message_read"
WEEKEND = "dayofweek(activity_date) IN (1, 7)"   # Sunday = 1, Saturday = 7, as the rollup

# Every additive window feature, in the profile's column order; ``_types7_*`` are the
# per-type 7-day counts behind event_types_7d.
WINDOW_SUMS: tuple[WindowSum, ...] = (
    WindowSum("events_7d", "events", 7),
    WindowSum("duration_s_7d", "duration_s", 7),
    WindowSum("messages_7d", MESSAGES, 7),
    WindowSum("active_days_7d", ACTIVE, 7),
    *(WindowSum(f"_types7_{t}", f"n_{t}", 7) for t in EVENT_TYPES),
    WindowSum("product_views_7d", "n_product_view", 7),
    WindowSum("paid_orders_7d", "paid_orders", 7),
    WindowSum("active_days_14d", ACTIVE, 14),
    WindowSum("active_days_14d_prior", ACTIVE, 14, 14),
    WindowSum("events_30d", "events", 30),
    WindowSum("logins_30d", "n_login", 30),
    WindowSum("content_events_30d", " + ".join(f"content_{c}" for c in CONTENT_TYPES), 30),
    *(WindowSum(f"{c}_events_30d", f"content_{c}", 30) for c in CONTENT_TYPES),
    WindowSum("chat_events_30d", MESSAGES, 30),
    WindowSum("miniprogram_events_30d", "n_miniprogram_open", 30),
    WindowSum("payment_events_30d", "n_payment", 30),
    WindowSum("shares_30d", "n_share", 30),
    *(WindowSum(f"device_{d}_30d", f"device_{d}", 30) for d in DEVICE_TYPES),
    *(WindowSum(f"net_{n}_30d", f"net_{n}", 30) for n in NETWORK_GROUPS),
    *(WindowSum(f"slot_{s}_30d", f"slot_{s}", 30) for s in SLOTS),
    WindowSum("weekday_events_30d", f"CASE WHEN NOT {WEEKEND} THEN events ELSE 0 END", 30),
    WindowSum("weekday_evening_events_30d", "weekday_evening_slot_events", 30),
    WindowSum("weekend_events_30d", f"CASE WHEN {WEEKEND} THEN events ELSE 0 END", 30),
    WindowSum("weekend_morning_events_30d", "weekend_morning_slot_events", 30),
    WindowSum("paid_30d", "paid_amount", 30, amount=True),
    WindowSum("paid_orders_30d", "paid_orders", 30),
    WindowSum("paid_90d", "paid_amount", 90, amount=True),
    WindowSum("paid_90d_prior", "paid_amount", 90, 90, amount=True),
    WindowSum("paid_orders_90d", "paid_orders", 90),
    WindowSum("paid_365d", "paid_amount", HORIZON_DAYS, amount=True),
    WindowSum("paid_orders_365d", "paid_orders", HORIZON_DAYS),
    WindowSum("coupon_orders_365d", "coupon_paid_orders", HORIZON_DAYS),
)
TYPE_COUNTS = tuple(f"_types7_{t}" for t in EVENT_TYPES)


def with_window_derived(df: DataFrame, snapshot: dt.date, last_paid: str) -> DataFrame:
    """The features computed from the sums (event type count; R, F, M), in one projection;
    ``last_paid``: the column holding the newest paid day of the 365 days."""
    kinds = " + ".join(f"CAST({c} > 0 AS BIGINT)" for c in TYPE_COUNTS)
    kept = [c for c in df.columns if c not in (*TYPE_COUNTS, last_paid)]
    return df.selectExpr(*kept, f"{kinds} AS event_types_7d",
                         f"datediff(DATE'{snapshot}', {last_paid}) AS rfm_recency_days",
                         "paid_orders_365d AS rfm_frequency", "paid_365d AS rfm_monetary")


def window_features(rows: DataFrame, snapshot: dt.date) -> DataFrame:
    """Per user: every ``<metric>_<N>d`` feature of jobs.segments.base.PROFILE_FEATURES."""
    age = age_sql(snapshot)
    sums = []
    for s in WINDOW_SUMS:
        total = sum_sql(s.value, f"{age} BETWEEN {s.skip} AND {s.skip + s.days - 1}")
        sums.append(F.expr(f"CAST(coalesce({total}, 0) AS {s.dtype}) AS {s.name}"))
    last_paid = F.expr(f"max(CASE WHEN {age} BETWEEN 0 AND {HORIZON_DAYS - 1} AND "
                       "paid_orders > 0 THEN activity_date END) AS _last_paid_365d")
    return with_window_derived(rows.groupBy("user_key").agg(*sums, last_paid), snapshot,
                               "_last_paid_365d")


def quarter_share(rows: DataFrame, snapshot: dt.date) -> DataFrame:
    """Largest share of the 365-day paid amount inside one calendar quarter."""
    paid = rows.filter(_within(snapshot, HORIZON_DAYS) & (F.col("paid_amount") > 0))
    by_quarter = paid.groupBy("user_key", F.year("activity_date").alias("y"),
                              F.quarter("activity_date").alias("q")).agg(
        F.sum("paid_amount").alias("amount"))
    return by_quarter.groupBy("user_key").agg(
        share_of_largest(F.max("amount"), F.sum("amount")).alias("max_quarter_share_365d"))


def share_of_largest(largest: Column, total: Column) -> Column:
    """largest / total as a double, computed at the types the grouped sums have."""
    return (largest.cast("decimal(28,2)") / total.cast("decimal(38,2)")).cast("double")


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
    return stats.select("user_key", interval_cv(F.col("n"), F.col("s1"), F.col("s2")).alias(
        "order_interval_cv_365d"))


def interval_cv(n: Column, s1: Column, s2: Column) -> Column:
    """CV of n intervals from their sum s1 and sum of squares s2 (null below 1 or at 0)."""
    mean = s1 / n
    variance = F.greatest(s2 / n - mean * mean, F.lit(0.0))
    return F.when((n >= 1) & (s1 > 0), F.sqrt(variance) / mean).cast("double")


def login_streak(rows: DataFrame, snapshot: dt.date) -> DataFrame:
    """Consecutive login days ending on D (users without a login on D are absent)."""
    logins = rows.filter(_within(snapshot, HORIZON_DAYS) & (F.col("n_login") > 0))
    newest_first = Window.partitionBy("user_key").orderBy(F.col("activity_date").desc())
    ranked = logins.select("user_key", _days_ago(snapshot).alias("ago"),
                           (F.row_number().over(newest_first) - 1).alias("rank"))
    unbroken = F.col("ago") == F.col("rank")
    return ranked.groupBy("user_key").agg(F.count_if(unbroken).cast("int").alias(
        "login_streak_days")).filter(F.col("login_streak_days") > 0)


def full_windows(rows: DataFrame, snapshot: dt.date) -> DataFrame:
    """Every window column of the profile by scanning the rows of all 365 days (the full
    path: the reference the incremental state in jobs/profile/window_state.py must equal)."""
    joined = window_features(rows, snapshot)
    for part in (quarter_share(rows, snapshot), order_interval_cv(rows, snapshot),
                 login_streak(rows, snapshot)):
        joined = joined.join(part, on="user_key", how="full")
    return joined

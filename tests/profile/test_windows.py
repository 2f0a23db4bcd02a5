"""Window features at their edges, and rows read 'as of D'."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.profile.windows import (
    daily_rows_as_of,
    login_streak,
    order_interval_cv,
    quarter_share,
    window_features,
)
from jobs.rollup.schemas import USER_DAILY, USER_DAILY_INCREMENTS

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)


def ago(days: int) -> dt.date:
    return D - dt.timedelta(days=days)


def daily(spark, rows: list[dict], spec=USER_DAILY) -> DataFrame:
    """Rollup rows with zeros everywhere but the given metrics."""
    def full(row: dict) -> dict:
        base = {f.name: (0 if isinstance(f.dataType, T.LongType) else
                         Decimal("0.00") if isinstance(f.dataType, T.DecimalType) else None)
                for f in spec.schema.fields}
        return base | row
    return spark.createDataFrame([full(r) for r in rows], spec.schema)


def test_seven_and_thirty_day_windows_include_their_first_day_only(spark):
    rows = daily(spark, [
        {"activity_date": D, "user_key": "a", "events": 1, "n_login": 1},
        {"activity_date": ago(6), "user_key": "a", "events": 2, "duration_s": 100},
        {"activity_date": ago(7), "user_key": "a", "events": 4, "duration_s": 1000},
        {"activity_date": ago(29), "user_key": "a", "events": 8, "n_login": 1},
        {"activity_date": ago(30), "user_key": "a", "events": 16, "n_login": 1},
        {"activity_date": ago(13), "user_key": "b", "events": 1},
        {"activity_date": ago(14), "user_key": "b", "events": 1},
        {"activity_date": ago(27), "user_key": "b", "events": 1},
        {"activity_date": ago(28), "user_key": "b", "events": 1},
        {"activity_date": ago(89), "user_key": "c", "paid_orders": 1,
         "paid_amount": Decimal("10.00")},
        {"activity_date": ago(90), "user_key": "c", "paid_orders": 1,
         "paid_amount": Decimal("20.00")},
        {"activity_date": ago(179), "user_key": "c", "paid_orders": 1,
         "paid_amount": Decimal("40.00")},
        {"activity_date": ago(180), "user_key": "c", "paid_orders": 1,
         "paid_amount": Decimal("80.00")},
        {"activity_date": ago(364), "user_key": "c", "paid_orders": 1, "coupon_paid_orders": 1,
         "paid_amount": Decimal("1.00")},
        {"activity_date": ago(365), "user_key": "c", "paid_orders": 1,
         "paid_amount": Decimal("2.00")},
    ])
    actual = window_features(rows, D).select(
        "user_key", "events_7d", "duration_s_7d", "active_days_7d", "events_30d", "logins_30d",
        "active_days_14d", "active_days_14d_prior", "paid_90d", "paid_90d_prior",
        "paid_orders_365d", "coupon_orders_365d", "paid_365d", "rfm_recency_days")
    schema = T.StructType([
        T.StructField("user_key", T.StringType()),
        *[T.StructField(c, T.LongType()) for c in (
            "events_7d", "duration_s_7d", "active_days_7d", "events_30d", "logins_30d",
            "active_days_14d", "active_days_14d_prior")],
        T.StructField("paid_90d", T.DecimalType(18, 2)),
        T.StructField("paid_90d_prior", T.DecimalType(18, 2)),
        T.StructField("paid_orders_365d", T.LongType()),
        T.StructField("coupon_orders_365d", T.LongType()),
        T.StructField("paid_365d", T.DecimalType(18, 2)),
        T.StructField("rfm_recency_days", T.IntegerType()),
    ])
    z = Decimal("0.00")
    expected = spark.createDataFrame([
        # a: D, D-6, D-7 are the 14 days; D-29 is the 30-day window's first day, D-30 out
        ("a", 3, 100, 2, 15, 2, 3, 0, z, z, 0, 0, z, None),
        # b: D-13 is the last day of the 14, D-14 and D-27 the prior 14, D-28 neither
        ("b", 0, 0, 0, 4, 0, 1, 2, z, z, 0, 0, z, None),
        ("c", 0, 0, 0, 0, 0, 0, 0, Decimal("10.00"), Decimal("60.00"), 5, 1,
         Decimal("151.00"), 89),
    ], schema)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_rows_as_of_d_ignore_what_landed_later(spark):
    final = daily(spark, [
        {"activity_date": ago(7), "user_key": "a", "events": 5},   # final at D (7 days late)
        {"activity_date": ago(3), "user_key": "a", "events": 99},  # user_daily holds later data
    ])
    increments = daily(spark, [
        {"ingest_date": ago(3), "activity_date": ago(3), "user_key": "a", "events": 1},
        {"ingest_date": D, "activity_date": ago(3), "user_key": "a", "events": 2},
        {"ingest_date": D + dt.timedelta(days=1), "activity_date": ago(3), "user_key": "a",
         "events": 96},
        {"ingest_date": D + dt.timedelta(days=1), "activity_date": D + dt.timedelta(days=1),
         "user_key": "a", "events": 7},
    ], USER_DAILY_INCREMENTS)
    rows = daily_rows_as_of(final, increments, D, max_late_days=7).select(
        "activity_date", "user_key", "events")
    expected = spark.createDataFrame([(ago(7), "a", 5), (ago(3), "a", 3)],
                                     "activity_date date, user_key string, events long")
    assert_df_equality(rows, expected, ignore_row_order=True, ignore_nullable=True)


def test_login_streak_counts_consecutive_days_ending_on_d(spark):
    rows = daily(spark, [
        *[{"activity_date": ago(n), "user_key": "a", "n_login": 1} for n in range(20)],
        {"activity_date": ago(21), "user_key": "a", "n_login": 1},   # after a gap: not counted
        *[{"activity_date": ago(n), "user_key": "b", "n_login": 1} for n in range(1, 5)],
        {"activity_date": D, "user_key": "c", "n_login": 0, "events": 3},
    ])
    expected = spark.createDataFrame([("a", 20)], "user_key string, login_streak_days int")
    assert_df_equality(login_streak(rows, D), expected, ignore_nullable=True)


def test_quarter_share_and_interval_cv(spark):
    rows = daily(spark, [
        # a: 3 orders, 10 and 30 days apart -> mean 20, std 10, cv 0.5; Q2 holds 70 of 100
        {"activity_date": ago(40), "user_key": "a", "paid_orders": 1,
         "paid_amount": Decimal("30.00")},                     # 2026-05-21, Q2
        {"activity_date": ago(30), "user_key": "a", "paid_orders": 1,
         "paid_amount": Decimal("40.00")},                     # 2026-05-31, Q2
        {"activity_date": ago(120), "user_key": "a", "paid_orders": 0},
        {"activity_date": ago(70), "user_key": "a", "paid_orders": 1,
         "paid_amount": Decimal("30.00")},                     # 2026-04-21, Q2
        # b: 2 orders the same day -> one interval of 0 days -> mean 0 -> no cv
        {"activity_date": ago(5), "user_key": "b", "paid_orders": 2,
         "paid_amount": Decimal("10.00")},
        # c: a single order: no interval
        {"activity_date": ago(200), "user_key": "c", "paid_orders": 1,
         "paid_amount": Decimal("5.00")},                      # 2025-12-12, Q4
    ])
    shares = quarter_share(rows, D)
    expected_share = spark.createDataFrame(
        [("a", 1.0), ("b", 1.0), ("c", 1.0)], "user_key string, max_quarter_share_365d double")
    assert_df_equality(shares, expected_share, ignore_row_order=True, ignore_nullable=True)

    cv = order_interval_cv(rows, D).orderBy("user_key")
    expected_cv = spark.createDataFrame(
        [("a", 0.5), ("b", None), ("c", None)], "user_key string, order_interval_cv_365d double")
    assert_df_equality(cv, expected_cv, ignore_nullable=True)

    split = daily(spark, [
        {"activity_date": dt.date(2026, 3, 31), "user_key": "d", "paid_orders": 1,
         "paid_amount": Decimal("30.00")},
        {"activity_date": dt.date(2026, 4, 1), "user_key": "d", "paid_orders": 1,
         "paid_amount": Decimal("70.00")},
    ])
    actual = quarter_share(split, D).select(F.round("max_quarter_share_365d", 6).alias("s"))
    assert_df_equality(actual, spark.createDataFrame([(0.7,)], "s double"),
                       ignore_nullable=True)

"""Family 4, consumption and the LTV pyramid: each threshold at, below and above, and null."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.common.errors import ConfigError
from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES
from jobs.segments.consumption import consumption_memberships, with_consumption_columns

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FEATURES = ("paid_30d", "ltv", "paid_90d", "paid_90d_prior", "coupon_orders_365d",
            "paid_orders_365d", "order_interval_cv_365d", "max_quarter_share_365d",
            "predicted_value")
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])
# A user who holds no consumption segment: each case overrides what it tests.
NEUTRAL = {"paid_30d": Decimal("0.00"), "ltv": Decimal("0.00"), "paid_90d": Decimal("0.00"),
           "paid_90d_prior": Decimal("0.00"), "coupon_orders_365d": 0, "paid_orders_365d": 0,
           "order_interval_cv_365d": None, "max_quarter_share_365d": None,
           "predicted_value": None}
ALL_NULL = None
# A benchmark no test user reaches, for the tests that are not about high_value.
UNREACHABLE = {"segments.consumption.ltv_benchmark": 10_000_000}
TIERS = T.StructType([T.StructField("user_key", T.StringType()),
                      T.StructField("ltv_tier", T.StringType()),
                      T.StructField("ltv_benchmark", T.DecimalType(18, 2))])


def profile(spark, cases, snapshot=D):
    """cases: user_key -> overrides of NEUTRAL, or ALL_NULL for a row of null features."""
    rows = []
    for user_key, overrides in cases.items():
        values = dict.fromkeys(FEATURES) if overrides is ALL_NULL else NEUTRAL | overrides
        rows.append((snapshot, user_key, *[values[c] for c in FEATURES]))
    return spark.createDataFrame(rows, PROFILE)


def held(cfg, frame):
    return frame.transform(consumption_memberships(cfg))


def expected(spark, pairs, snapshot=D):
    return spark.createDataFrame([(snapshot, user, "consumption", seg) for user, seg in pairs],
                                 MEMBERSHIP_SCHEMA)


def test_spend_bands_at_each_boundary(spark, cfg):
    cfg = cfg.with_overrides(UNREACHABLE)
    cases = {
        "at_5000": {"paid_30d": Decimal("5000.00")},
        "above_5000": {"paid_30d": Decimal("5000.01")},
        "below_5000": {"paid_30d": Decimal("4999.99")},
        "at_1000": {"paid_30d": Decimal("1000.00")},
        "below_1000": {"paid_30d": Decimal("999.99")},
        "cent": {"paid_30d": Decimal("0.01")},
        "zero": {"paid_30d": Decimal("0.00")},
        "null_paid": {"paid_30d": None},
        "all_null": ALL_NULL,
    }
    frame = profile(spark, cases)
    want = expected(spark, [("at_5000", "spend_high"), ("above_5000", "spend_high"),
                            ("below_5000", "spend_mid"), ("at_1000", "spend_mid"),
                            ("below_1000", "spend_low"), ("cent", "spend_low")])
    assert_df_equality(held(cfg, frame), want, ignore_row_order=True, ignore_nullable=True)

    bands = frame.transform(with_consumption_columns(cfg)).select("user_key", "spend_band")
    want_bands = spark.createDataFrame(
        [("at_5000", "high"), ("above_5000", "high"), ("below_5000", "mid"), ("at_1000", "mid"),
         ("below_1000", "low"), ("cent", "low"), ("zero", "none"), ("null_paid", None),
         ("all_null", None)], "user_key string, spend_band string")
    assert_df_equality(bands, want_bands, ignore_row_order=True, ignore_nullable=True)


def test_growth_spender_exactly_at_the_ratio_and_without_a_prior(spark, cfg):
    cfg = cfg.with_overrides(UNREACHABLE)
    cases = {
        # 1.3 × 3.00 is 3.9000000000000004 in binary floating point: only exact
        # decimal arithmetic keeps 3.90 a growth spender.
        "exactly_1_3": {"paid_90d": Decimal("3.90"), "paid_90d_prior": Decimal("3.00")},
        "exactly_1_3_large": {"paid_90d": Decimal("1300.00"), "paid_90d_prior": Decimal("1000.00")},
        "just_below": {"paid_90d": Decimal("1299.99"), "paid_90d_prior": Decimal("1000.00")},
        "above": {"paid_90d": Decimal("2000.00"), "paid_90d_prior": Decimal("1000.00")},
        "prior_zero": {"paid_90d": Decimal("500.00"), "paid_90d_prior": Decimal("0.00")},
        "prior_null": {"paid_90d": Decimal("500.00"), "paid_90d_prior": None},
        "recent_null": {"paid_90d": None, "paid_90d_prior": Decimal("1.00")},
        "all_null": ALL_NULL,
    }
    want = expected(spark, [("exactly_1_3", "growth_spender"),
                            ("exactly_1_3_large", "growth_spender"), ("above", "growth_spender")])
    assert_df_equality(held(cfg, profile(spark, cases)), want, ignore_row_order=True,
                       ignore_nullable=True)


def test_price_sensitive_coupon_share_and_minimum_orders(spark, cfg):
    cfg = cfg.with_overrides(UNREACHABLE)

    def orders(coupon, paid):
        return {"coupon_orders_365d": coupon, "paid_orders_365d": paid}

    cases = {
        "exactly_0_8": orders(4, 5),          # 4/5 = 0.8
        "exactly_0_8_of_10": orders(8, 10),
        "below_0_8": orders(7, 9),            # 0.78
        "all_3_of_3": orders(3, 3),           # the minimum of 3 orders
        "two_of_3": orders(2, 3),             # 0.67
        "all_2_of_2": orders(2, 2),           # share 1.0, one order too few
        "null_coupons": orders(None, 5),
        "all_null": ALL_NULL,
    }
    want = expected(spark, [("exactly_0_8", "price_sensitive"),
                            ("exactly_0_8_of_10", "price_sensitive"),
                            ("all_3_of_3", "price_sensitive")])
    assert_df_equality(held(cfg, profile(spark, cases)), want, ignore_row_order=True,
                       ignore_nullable=True)


def test_regular_and_seasonal_buyers(spark, cfg):
    cfg = cfg.with_overrides(UNREACHABLE)
    cases = {
        "cv_exactly_0_5": {"paid_orders_365d": 3, "order_interval_cv_365d": 0.5},
        "cv_above": {"paid_orders_365d": 3, "order_interval_cv_365d": 0.500001},
        "cv_below_2_orders": {"paid_orders_365d": 2, "order_interval_cv_365d": 0.1},
        "cv_null": {"paid_orders_365d": 3, "order_interval_cv_365d": None},
        "share_exactly_0_7": {"paid_orders_365d": 2, "max_quarter_share_365d": 0.7},
        "share_below": {"paid_orders_365d": 2, "max_quarter_share_365d": 0.699999},
        "share_1_order": {"paid_orders_365d": 1, "max_quarter_share_365d": 1.0},
        "share_null": {"paid_orders_365d": 2, "max_quarter_share_365d": None},
        "both": {"paid_orders_365d": 4, "order_interval_cv_365d": 0.2,
                 "max_quarter_share_365d": 0.9},
        "all_null": ALL_NULL,
    }
    want = expected(spark, [("cv_exactly_0_5", "regular_buyer"),
                            ("share_exactly_0_7", "seasonal_buyer"),
                            ("both", "regular_buyer"), ("both", "seasonal_buyer")])
    assert_df_equality(held(cfg, profile(spark, cases)), want, ignore_row_order=True,
                       ignore_nullable=True)


def test_high_value_against_a_configured_benchmark(spark, cfg):
    cfg = cfg.with_overrides({"segments.consumption.ltv_benchmark": 1000})
    cases = {
        "at_2x": {"ltv": Decimal("2000.00")},
        "below_2x": {"ltv": Decimal("1999.99")},
        "paying": {"ltv": Decimal("0.01")},
        "never_paid": {"ltv": Decimal("0.00")},
        "refunded": {"ltv": Decimal("-20.00")},
        "all_null": ALL_NULL,
    }
    frame = profile(spark, cases)
    assert_df_equality(held(cfg, frame), expected(spark, [("at_2x", "high_value")]),
                       ignore_row_order=True, ignore_nullable=True)

    tiers = frame.transform(with_consumption_columns(cfg)).select(
        "user_key", "ltv_tier", "ltv_benchmark")
    bench = Decimal("1000.00")
    want = spark.createDataFrame(
        [("at_2x", "high_value", bench), ("below_2x", "paying", bench),
         ("paying", "paying", bench), ("never_paid", "non_paying", bench),
         ("refunded", "non_paying", bench), ("all_null", None, bench)], TIERS)
    assert_df_equality(tiers, want, ignore_row_order=True, ignore_nullable=True)


def test_high_value_against_the_mean_of_paying_users_per_snapshot(spark, cfg):
    assert cfg.get("segments.consumption.ltv_benchmark") is None
    # Paying users of D: 0.01 + 100 + 150 + 499.99 + 500 = 1250.00 over 5 -> mean 250.00,
    # high_value from 500.00. Non-paying (0, -20) and null users are not in the mean.
    cases = {
        "cent": {"ltv": Decimal("0.01")},
        "p100": {"ltv": Decimal("100.00")},
        "p150": {"ltv": Decimal("150.00")},
        "below_2x": {"ltv": Decimal("499.99")},
        "at_2x": {"ltv": Decimal("500.00")},
        "never_paid": {"ltv": Decimal("0.00")},
        "refunded": {"ltv": Decimal("-20.00")},
        "all_null": ALL_NULL,
    }
    # Another snapshot in the same frame (a backfill) has its own mean, 50.00: mixing
    # them would give 192.86 and make below_2x high value.
    earlier = D - dt.timedelta(days=1)
    frame = profile(spark, cases).unionByName(
        profile(spark, {"x": {"ltv": Decimal("10.00")}, "y": {"ltv": Decimal("90.00")}},
                snapshot=earlier))
    assert_df_equality(held(cfg, frame), expected(spark, [("at_2x", "high_value")]),
                       ignore_row_order=True, ignore_nullable=True)

    tiers = frame.transform(with_consumption_columns(cfg)).select(
        "user_key", "ltv_tier", "ltv_benchmark")
    mean, other = Decimal("250.00"), Decimal("50.00")
    want = spark.createDataFrame(
        [("cent", "paying", mean), ("p100", "paying", mean), ("p150", "paying", mean),
         ("below_2x", "paying", mean), ("at_2x", "high_value", mean),
         ("never_paid", "non_paying", mean), ("refunded", "non_paying", mean),
         ("all_null", None, mean), ("x", "paying", other), ("y", "paying", other)], TIERS)
    assert_df_equality(tiers, want, ignore_row_order=True, ignore_nullable=True)


def test_a_mean_benchmark_is_rounded_half_up_to_the_cent(spark, cfg):
    # (0.01 + 0.02) / 2 = 0.015 -> 0.02; high_value from 0.04, which nobody reaches.
    frame = profile(spark, {"a": {"ltv": Decimal("0.01")}, "b": {"ltv": Decimal("0.02")}})
    benchmarks = frame.transform(with_consumption_columns(cfg)).select("user_key",
                                                                       "ltv_benchmark")
    want = spark.createDataFrame([("a", Decimal("0.02")), ("b", Decimal("0.02"))],
                                 "user_key string, ltv_benchmark decimal(18,2)")
    assert_df_equality(benchmarks, want, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.parametrize("overrides", [
    {"segments.consumption.window_days": 31},          # the profile has no paid_31d
    {"segments.consumption.growth_window_days": 60},
    {"segments.consumption.ltv_benchmark": "high"},
    {"segments.consumption.ltv_benchmark": -1},
])
def test_a_wrong_conf_value_fails_when_the_transform_is_built(cfg, overrides):
    with pytest.raises(ConfigError, match=next(iter(overrides)).split(".")[-1]):
        consumption_memberships(cfg.with_overrides(overrides))

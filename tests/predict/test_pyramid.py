"""The predicted-value pyramid beside the LTV pyramid: tiers at exactly 2 x the benchmark,
zero and null predictions, the configured benchmark, and the predicted_high_value segment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES
from jobs.segments.consumption import consumption_memberships, with_consumption_columns

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FEATURES = ("paid_30d", "ltv", "paid_90d", "paid_90d_prior", "coupon_orders_365d",
            "paid_orders_365d", "order_interval_cv_365d", "max_quarter_share_365d",
            "predicted_value")
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])
ZERO = Decimal("0.00")
TIERS = "user_key string, predicted_tier string, predicted_benchmark decimal(18,2)"


def profile(spark, predicted):
    rows = [(D, user, ZERO, ZERO, ZERO, ZERO, 0, 0, None, None, value)
            for user, value in predicted.items()]
    return spark.createDataFrame(rows, PROFILE)


def test_predicted_tiers_against_the_mean_of_positive_predictions(spark, cfg):
    # positive predictions 100, 200, 300, 600: mean 300, high from 600.00 (2 x 300) on
    frame = profile(spark, {"p100": Decimal("100.00"), "p200": Decimal("200.00"),
                            "p300": Decimal("300.00"), "p600": Decimal("600.00"),
                            "zero": ZERO, "none": None})
    got = frame.transform(with_consumption_columns(cfg)).select(
        "user_key", "predicted_tier", "predicted_benchmark")
    bench = Decimal("300.00")
    want = spark.createDataFrame([("p100", "paying", bench), ("p200", "paying", bench),
                                  ("p300", "paying", bench), ("p600", "high_value", bench),
                                  ("zero", "non_paying", bench), ("none", None, bench)], TIERS)
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)
    held = frame.transform(consumption_memberships(cfg))
    assert_df_equality(held, spark.createDataFrame(
        [(D, "p600", "consumption", "predicted_high_value")], MEMBERSHIP_SCHEMA),
        ignore_nullable=True)


def test_a_configured_predicted_benchmark(spark, cfg):
    cfg = cfg.with_overrides({"segments.consumption.predicted_value_benchmark": 50})
    frame = profile(spark, {"p99": Decimal("99.99"), "p100": Decimal("100.00")})
    got = frame.transform(with_consumption_columns(cfg)).select(
        "user_key", "predicted_tier", "predicted_benchmark")
    want = spark.createDataFrame([("p99", "paying", Decimal("50.00")),
                                  ("p100", "high_value", Decimal("50.00"))], TIERS)
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)

"""Predicted value in Spark: the sufficient statistics, their grouping, and the closed forms."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from chispa import assert_approx_df_equality, assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T
from scipy.special import hyp2f1

from jobs.predict.fit import BgNbd, GammaGamma
from jobs.predict.transforms import (
    bgnbd_groups,
    customer_summary,
    gamma_gamma_groups,
    paid_days_as_of,
    with_predictions,
)
from jobs.rollup.schemas import USER_DAILY, USER_DAILY_INCREMENTS

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
# The CDNOW estimates (weeks) of Fader, Hardie and Lee 2005 and the Gamma-Gamma note.
CDNOW = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0, customers=0, rows=0)
SPEND = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0, customers=0, rows=0)
PAID_DAYS = T.StructType([T.StructField("user_key", T.StringType()),
                          T.StructField("activity_date", T.DateType()),
                          T.StructField("paid_amount", T.DecimalType(18, 2))])
SUMMARY = T.StructType([
    T.StructField("snapshot_date", T.DateType()), T.StructField("user_key", T.StringType()),
    T.StructField("frequency", T.LongType()), T.StructField("recency_days", T.IntegerType()),
    T.StructField("age_days", T.IntegerType()), T.StructField("recency", T.DoubleType()),
    T.StructField("age", T.DoubleType()),
    T.StructField("mean_repeat_spend", T.DecimalType(18, 2))])


def ago(days: int) -> dt.date:
    return D - dt.timedelta(days=days)


def rollup_rows(spark, rows, spec):
    """Rollup rows with only the columns this stage reads set (the rest 0 / null)."""
    def full(row):
        values = {f.name: 0 if isinstance(f.dataType, T.LongType) else None
                  for f in spec.schema.fields}
        values |= {"paid_amount": Decimal("0.00"), "refunded_amount": Decimal("0.00")}
        return tuple((values | row)[f.name] for f in spec.schema.fields)
    return spark.createDataFrame([full(r) for r in rows], spec.schema)


def test_purchase_days_as_of_d_from_final_days_and_recent_increments(spark):
    daily = rollup_rows(spark, [
        {"activity_date": ago(10), "user_key": "u1", "paid_orders": 2,
         "paid_amount": Decimal("30.00")},
        {"activity_date": ago(9), "user_key": "u1", "refunded_orders": 1},   # refund only
        {"activity_date": ago(400), "user_key": "u2", "paid_orders": 1,
         "paid_amount": Decimal("5.00")},                                     # no horizon
    ], USER_DAILY)
    increments = rollup_rows(spark, [
        {"ingest_date": ago(2), "activity_date": ago(2), "user_key": "u1", "paid_orders": 1,
         "paid_amount": Decimal("10.00")},
        {"ingest_date": D, "activity_date": ago(2), "user_key": "u1", "paid_orders": 1,
         "paid_amount": Decimal("2.50")},                                     # late, by D
        {"ingest_date": D + dt.timedelta(days=1), "activity_date": ago(1), "user_key": "u3",
         "paid_orders": 1, "paid_amount": Decimal("9.00")},                   # after D
        {"ingest_date": ago(10), "activity_date": ago(10), "user_key": "u1",
         "paid_orders": 2, "paid_amount": Decimal("30.00")},                  # final: in daily
    ], USER_DAILY_INCREMENTS)
    got = paid_days_as_of(daily, increments, D, max_late_days=7)
    want = spark.createDataFrame([("u1", ago(10), Decimal("30.00")),
                                  ("u2", ago(400), Decimal("5.00")),
                                  ("u1", ago(2), Decimal("12.50"))], PAID_DAYS)
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)


def test_frequency_recency_age_and_mean_repeat_spend(spark):
    """x = purchase days - 1; t_x, T from the first purchase day; the first day's amount is
    not a repeat transaction."""
    days = spark.createDataFrame([
        ("three", ago(29), Decimal("100.00")), ("three", ago(15), Decimal("30.00")),
        ("three", ago(1), Decimal("50.01")),
        ("once", ago(7), Decimal("80.00")),
        ("today", D, Decimal("12.00")), ("today", ago(70), Decimal("1.00")),
    ], PAID_DAYS)
    got = customer_summary(days, D, unit_days=7)
    want = spark.createDataFrame([
        (D, "three", 2, 28, 29, 4.0, 29 / 7, Decimal("40.01")),   # (30.00 + 50.01) / 2 -> .005
        (D, "once", 0, 0, 7, 0.0, 1.0, None),
        (D, "today", 1, 70, 70, 10.0, 10.0, Decimal("12.00")),
    ], SUMMARY)
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)


def test_grouped_rows_count_customers_on_the_fit_resolution(spark):
    summary = spark.createDataFrame([
        (D, "a", 1, 10, 24, None, None, Decimal("10.00")),    # t_x 10 d -> 1 week, T 24 -> 3
        (D, "b", 1, 7, 25, None, None, Decimal("10.05")),     # 7 -> 1, 25 -> 4 (3.57 rounds up)
        (D, "c", 1, 11, 21, None, None, Decimal("30.00")),    # 11 -> 2 (1.57), 21 -> 3
        (D, "d", 0, 0, 21, None, None, None),
        (D, "e", 1, 10, 24, None, None, Decimal("0.00")),     # no spend: not in Gamma-Gamma
    ], SUMMARY)
    groups = bgnbd_groups(summary, resolution_days=7, unit_days=7)
    want = spark.createDataFrame([(1, 1.0, 3.0, 2), (1, 1.0, 4.0, 1), (1, 2.0, 3.0, 1),
                                  (0, 0.0, 3.0, 1)], "x long, t_x double, big_t double, "
                                 "customers long")
    assert_df_equality(groups, want, ignore_row_order=True, ignore_nullable=True)
    spend = gamma_gamma_groups(summary, buckets_per_log_unit=100)   # 10.00, 10.05: one bucket
    want_spend = spark.createDataFrame([(1, 10.025, 2), (1, 30.0, 1)],
                                       "x long, m double, customers long")
    assert_approx_df_equality(spend, want_spend, 1e-9, ignore_row_order=True,
                              ignore_nullable=True)


def reference(x, t_x, big_t, m, horizon, bg=CDNOW):
    """FHL 2005 eq. 10 and P(alive) with scipy's 2F1; Gamma-Gamma conditional mean."""
    r, alpha, a, b = bg.r, bg.alpha, bg.a, bg.b
    odds = a / (b + x - 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x) if x > 0 else 0.0
    alive = 1 / (1 + odds)
    z = horizon / (alpha + big_t + horizon)
    series = ((alpha + big_t) / (alpha + big_t + horizon)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, z)
    purchases = (a + b + x - 1) / (a - 1) * (1 - series) * alive
    p, q, gamma = SPEND.p, SPEND.q, SPEND.gamma
    spend = (gamma + x * m) * p / (p * x + q - 1)
    return alive, purchases, spend


def test_closed_forms_match_scipy_and_the_published_example(spark):
    """The paper's customer (x 2, t_x 30.43, T 38.86) expects 1.226 purchases in 39 weeks;
    every row matches scipy's hyp2f1 to 1e-9, heavy buyers and brand-new customers too."""
    rows = [("paper", 2, 30.43, 38.86, Decimal("25.00")), ("new", 0, 0.0, 0.0, None),
            ("one_off", 0, 0.0, 52.0, None), ("lapsed", 3, 2.0, 60.0, Decimal("40.00")),
            ("heavy", 60, 9.0, 9.0, Decimal("15.00")), ("steady", 20, 51.0, 52.0,
                                                        Decimal("80.00"))]
    summary = spark.createDataFrame(
        [(D, k, x, None, None, t_x, big_t, m) for k, x, t_x, big_t, m in rows], SUMMARY)
    got = summary.transform(with_predictions(CDNOW, SPEND, horizon=39.0, terms=2000)).select(
        "user_key", "p_alive", "expected_purchases", "expected_spend")
    want = spark.createDataFrame(
        [(k, *map(float, reference(x, t_x, big_t, float(m or 0), 39.0)))
         for k, x, t_x, big_t, m in rows],
        "user_key string, p_alive double, expected_purchases double, expected_spend double")
    assert_approx_df_equality(got, want, 1e-9, ignore_row_order=True, ignore_nullable=True)
    paper = got.filter(F.col("user_key") == "paper").first()
    assert round(paper["expected_purchases"], 3) == 1.226
    assert np.isclose(paper["p_alive"], reference(2, 30.43, 38.86, 25.0, 39.0)[0])


def test_a_fit_with_a_plus_b_under_one_still_predicts(spark):
    """A month of history fitted a = 0.020, b = 0.113 (the test world's 30-day chain, on its
    second day): the series' c = a + b - 1 + x is negative at x = 0, its terms after the
    first are negative, and every prediction still matches scipy."""
    short = BgNbd(r=0.7227, alpha=1.6231, a=0.0197, b=0.1131, log_likelihood=0.0,
                  customers=0, rows=0)
    rows = [("once", 0, 0.0, 4.0, None), ("new", 0, 0.0, 0.0, None),
            ("twice", 1, 2.0, 4.0, Decimal("30.00")), ("often", 8, 3.5, 4.0, Decimal("12.00"))]
    summary = spark.createDataFrame(
        [(D, k, x, None, None, t_x, big_t, m) for k, x, t_x, big_t, m in rows], SUMMARY)
    got = summary.transform(with_predictions(short, SPEND, horizon=90 / 7, terms=2000)).select(
        "user_key", "p_alive", "expected_purchases", "expected_spend")
    want = spark.createDataFrame(
        [(k, *map(float, reference(x, t_x, big_t, float(m or 0), 90 / 7, short)))
         for k, x, t_x, big_t, m in rows],
        "user_key string, p_alive double, expected_purchases double, expected_spend double")
    assert_approx_df_equality(got, want, 1e-9, ignore_row_order=True, ignore_nullable=True)

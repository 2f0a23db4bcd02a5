"""Effect evaluation: hand-computed statistics, a planted uplift found, no effect covered."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from chispa import assert_approx_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.evaluate.effect import segment_effect, user_outcomes
from jobs.evaluate.holdout import with_holdout
from jobs.evaluate.schemas import SEGMENT_EFFECT

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 1)
N = 7
Z = 1.96
ASSIGNED = T.StructType([T.StructField("snapshot_date", T.DateType()),
                         T.StructField("user_key", T.StringType()),
                         T.StructField("family", T.StringType()),
                         T.StructField("segment", T.StringType()),
                         T.StructField("in_holdout", T.BooleanType())])
DAILY = T.StructType([T.StructField("activity_date", T.DateType()),
                      T.StructField("user_key", T.StringType()),
                      T.StructField("events", T.LongType())])
ORDERS = T.StructType([T.StructField("activity_date", T.DateType()),
                       T.StructField("user_key", T.StringType()),
                       T.StructField("amount", T.DecimalType(18, 2)),
                       T.StructField("status", T.StringType())])


EFFECT = T.StructType([T.StructField(f.name, f.dataType) for f in SEGMENT_EFFECT.schema.fields])


def day(offset: int) -> dt.date:
    return D + dt.timedelta(days=offset)


def expected_row(metric, t_values, h_values, se):
    n_t, n_h = len(t_values), len(h_values)
    mean_t, mean_h = sum(t_values) / n_t, sum(h_values) / n_h
    uplift = mean_t - mean_h
    low, high = uplift - Z * se, uplift + Z * se
    return (D, "custom", "vip", metric, N, True, n_t, n_h, mean_t, mean_h, uplift, se, low,
            high, low > 0 or high < 0)


def test_statistics_by_hand_and_the_window_edges(spark):
    # treated t1..t4, holdout h1, h2; t4 and h2 have no follow-up row at all.
    assigned = spark.createDataFrame(
        [(D, u, "custom", "vip", u.startswith("h")) for u in ("t1", "t2", "t3", "t4", "h1",
                                                               "h2")], ASSIGNED)
    daily = spark.createDataFrame([
        (day(1), "t1", 3), (day(7), "t1", 1), (day(2), "t2", 2), (day(3), "t3", 0),
        (day(4), "h1", 1),
        (day(0), "t4", 9), (day(8), "h2", 9),                      # outside D+1..D+7
        (day(2), None, 5),                                           # no user: ignored
    ], DAILY)
    orders = spark.createDataFrame([
        (day(1), "t1", Decimal("10.00"), "paid"), (day(7), "t2", Decimal("5.00"), "paid"),
        (day(3), "t3", Decimal("8.00"), "refunded"),                 # not a conversion
        (day(0), "h1", Decimal("9.00"), "paid"), (day(8), "h2", Decimal("9.00"), "paid"),
    ], ORDERS)
    outcomes = user_outcomes(daily, orders, D, N)
    got = segment_effect(assigned, outcomes, N, True, Z, min_group=1)
    # conversion t: t1, t2 of 4; h: none of 2.  retention t: t1, t2 of 4 (t3's row has 0
    # events); h: h1 of 2.  engagement t: 4, 2, 0, 0; h: 1, 0.
    var_t = sum((x - 1.5) ** 2 for x in (4, 2, 0, 0)) / 3
    want = spark.createDataFrame([
        expected_row("conversion", [1, 1, 0, 0], [0, 0], math.sqrt(0.5 * 0.5 / 4)),
        expected_row("retention", [1, 1, 0, 0], [1, 0],
                     math.sqrt(0.5 * 0.5 / 4 + 0.5 * 0.5 / 2)),
        expected_row("engagement", [4, 2, 0, 0], [1, 0], math.sqrt(var_t / 4 + 0.5 / 2)),
    ], EFFECT)
    assert_approx_df_equality(got, want, precision=1e-9, ignore_row_order=True,
                              ignore_nullable=True)


def test_a_segment_without_holdout_has_no_interval(spark):
    assigned = spark.createDataFrame([(D, "t1", "custom", "vip", False)], ASSIGNED)
    outcomes = user_outcomes(spark.createDataFrame([], DAILY), spark.createDataFrame([], ORDERS),
                             D, N)
    row = (segment_effect(assigned, outcomes, N, False, Z, min_group=1)
           .filter("metric = 'conversion'").first())
    assert (row["treated_users"], row["holdout_users"], row["treated_value"]) == (1, 0, 0.0)
    assert (row["holdout_value"], row["uplift"], row["ci_low"], row["significant"]) == (
        None, None, None, None)


def generated_effect(spark, cfg, treated_rate: int, holdout_rate: int):
    """20,000 members of one segment; the follow-up converts a user when a hash of the user
    falls under its group's rate (in %): the planted effect is treated - holdout."""
    conf = cfg.with_overrides({"evaluation.holdout_share": 0.2})
    members = (spark.range(20_000)
               .select(F.lit(D).alias("snapshot_date"),
                       F.concat(F.lit("user-"), F.col("id").cast("string")).alias("user_key"),
                       F.lit("custom").alias("family"), F.lit("campaign").alias("segment"))
               .transform(with_holdout(conf)))
    draw = F.pmod(F.xxhash64("user_key", F.lit("follow-up")), F.lit(100))
    rate = F.when(F.col("in_holdout"), holdout_rate).otherwise(treated_rate)
    converting = members.filter(draw < rate)
    orders = converting.select(F.lit(day(3)).alias("activity_date"), "user_key",
                               F.lit(Decimal("50.00")).alias("amount"),
                               F.lit("paid").alias("status"))
    daily = converting.select(F.lit(day(3)).alias("activity_date"), "user_key",
                              F.lit(2).cast("long").alias("events"))
    outcomes = user_outcomes(daily, orders, D, N)
    return (segment_effect(members, outcomes, N, True, Z, min_group=30)
            .filter(F.col("metric") == "conversion").first())


def test_a_planted_uplift_is_found_significant(spark, cfg):
    row = generated_effect(spark, cfg, treated_rate=12, holdout_rate=6)
    assert 3_800 <= row["holdout_users"] <= 4_200
    assert abs(row["uplift"] - 0.06) < 0.015
    assert row["significant"] and row["ci_low"] > 0.03


def test_no_effect_gives_an_interval_covering_zero(spark, cfg):
    row = generated_effect(spark, cfg, treated_rate=10, holdout_rate=10)
    assert row["ci_low"] < 0 < row["ci_high"] and not row["significant"]
    assert row["ci_high"] - row["ci_low"] < 0.04                     # and it is narrow


def test_no_interval_under_the_minimum_group_size(spark):
    assigned = spark.createDataFrame(
        [(D, u, "custom", "vip", u.startswith("h")) for u in ("t1", "t2", "t3", "h1")],
        ASSIGNED)
    daily = spark.createDataFrame([(day(1), "t1", 3), (day(1), "h1", 1)], DAILY)
    outcomes = user_outcomes(daily, spark.createDataFrame([], ORDERS), D, N)
    row = (segment_effect(assigned, outcomes, N, True, Z, min_group=2)
           .filter("metric = 'engagement'").first())
    assert (row["treated_users"], row["holdout_users"], row["uplift"]) == (3, 1, 0.0)
    assert (row["std_error"], row["ci_low"], row["ci_high"], row["significant"]) == (
        None, None, None, None)

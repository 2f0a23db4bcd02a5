"""A/B effect of each segment: treated members against the hash-based holdout.

For the snapshot D and the follow-up window D+1..D+N (conf ``evaluation.follow_up_days``):

- conversion: share of users with a paid order (silver/orders, status paid) in the window;
- retention: share of users active again (any event, silver/user_daily) in the window;
- engagement: interactions (events) per user in the window.

uplift = treated - holdout. For the two shares, the unpooled two-proportion standard error
sqrt(p_t (1 - p_t) / n_t + p_h (1 - p_h) / n_h); for engagement, Welch's
sqrt(s_t^2 / n_t + s_h^2 / n_h) with sample variances. The interval is uplift +- z x SE
(conf ``evaluation.confidence_z``, 1.96: 95 %, normal approximation - sound from a few
dozen users per group, so the interval is left null when either group has fewer than
``evaluation.min_group_size`` users); ``significant`` when it excludes 0. Everything is a Spark
aggregate: nothing user-sized leaves the executors.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.evaluate.schemas import SEGMENT_EFFECT

SEGMENT = ("snapshot_date", "family", "segment")
OUTCOMES = ("converted", "retained", "interactions")


def follow_up(day: dt.date, days: int) -> tuple[dt.date, dt.date]:
    return day + dt.timedelta(days=1), day + dt.timedelta(days=days)


def user_outcomes(user_daily: DataFrame, orders: DataFrame, day: dt.date,
                  days: int) -> DataFrame:
    """(user_key, converted, retained, interactions) of users active or paying in
    D+1..D+N; a user absent here did nothing (outcomes false / 0)."""
    first, last = follow_up(day, days)
    window = F.col("activity_date").between(F.lit(first), F.lit(last))
    activity = (user_daily.filter(window).groupBy("user_key")
                .agg(F.sum("events").alias("interactions")))
    paid = (orders.filter(window & (F.col("status") == "paid")).select("user_key").distinct()
            .withColumn("converted", F.lit(True)))
    return (activity.join(paid, on="user_key", how="full")
            .select("user_key", F.coalesce(F.col("converted"), F.lit(False)).alias("converted"),
                    (F.coalesce(F.col("interactions"), F.lit(0)) > 0).alias("retained"),
                    F.coalesce(F.col("interactions"), F.lit(0)).cast("long")
                    .alias("interactions")))


def _by_group(value: Column, holdout: bool) -> Column:
    return F.when(F.col("in_holdout") == F.lit(holdout), value)


def _metric(name: str, treated: str, holdout: str, se: Column) -> Column:
    return F.struct(F.lit(name).alias("metric"), F.col(treated).alias("treated_value"),
                    F.col(holdout).alias("holdout_value"), se.alias("std_error"))


def proportion_se(p_t: Column, n_t: Column, p_h: Column, n_h: Column) -> Column:
    return F.sqrt(p_t * (1 - p_t) / n_t + p_h * (1 - p_h) / n_h)


def welch_se(var_t: Column, n_t: Column, var_h: Column, n_h: Column) -> Column:
    return F.sqrt(var_t / n_t + var_h / n_h)


def segment_effect(assigned: DataFrame, outcomes: DataFrame, follow_up_days: int,
                   window_complete: bool, z: float, min_group: int) -> DataFrame:
    """``assigned``: membership rows of the snapshot with ``in_holdout``; ``outcomes``:
    ``user_outcomes``. One row per (snapshot, segment, metric); no interval when a group
    has fewer than ``min_group`` users."""
    rows = (assigned.join(outcomes, on="user_key", how="left")
            .withColumns({"converted": F.coalesce(F.col("converted"), F.lit(False)),
                          "retained": F.coalesce(F.col("retained"), F.lit(False)),
                          "interactions": F.coalesce(F.col("interactions"), F.lit(0))}))
    aggregates = []
    for group, holdout in (("t", False), ("h", True)):
        aggregates += [
            F.count(_by_group(F.lit(1), holdout)).alias(f"n_{group}"),
            F.avg(_by_group(F.col("converted").cast("double"), holdout)).alias(f"conv_{group}"),
            F.avg(_by_group(F.col("retained").cast("double"), holdout)).alias(f"ret_{group}"),
            F.avg(_by_group(F.col("interactions").cast("double"), holdout)).alias(f"eng_{group}"),
            F.var_samp(_by_group(F.col("interactions").cast("double"), holdout))
            .alias(f"var_{group}"),
        ]
    n_t, n_h = F.col("n_t"), F.col("n_h")
    enough = (n_t >= F.lit(min_group)) & (n_h >= F.lit(min_group))
    metrics = F.array(
        _metric("conversion", "conv_t", "conv_h",
                proportion_se(F.col("conv_t"), n_t, F.col("conv_h"), n_h)),
        _metric("retention", "ret_t", "ret_h",
                proportion_se(F.col("ret_t"), n_t, F.col("ret_h"), n_h)),
        _metric("engagement", "eng_t", "eng_h",
                welch_se(F.col("var_t"), n_t, F.col("var_h"), n_h)))
    uplift = F.col("m.treated_value") - F.col("m.holdout_value")
    margin = F.lit(z) * F.when(enough, F.col("m.std_error"))
    return (rows.groupBy(*SEGMENT).agg(*aggregates)
            .select(*SEGMENT, "n_t", "n_h", F.explode(metrics).alias("m"))
            .select(*SEGMENT, "m.metric", F.lit(follow_up_days).alias("follow_up_days"),
                    F.lit(window_complete).alias("window_complete"),
                    F.col("n_t").alias("treated_users"), F.col("n_h").alias("holdout_users"),
                    "m.treated_value", "m.holdout_value", uplift.alias("uplift"),
                    F.when(enough, F.col("m.std_error")).alias("std_error"),
                    (uplift - margin).alias("ci_low"),
                    (uplift + margin).alias("ci_high"))
            .withColumn("significant", (F.col("ci_low") > 0) | (F.col("ci_high") < 0))
            .select(*SEGMENT_EFFECT.columns))

"""Family ``rfm`` — RFM value tiers over paid orders in D-364..D (SEGMENTS.md §4).

Purchasers are the users with ``rfm_frequency > 0``. Each metric is oriented so that
larger is better: R = -rfm_recency_days (fewer days is better), F = rfm_frequency,
M = rfm_monetary. With q = conf ``segments.rfm.quintiles`` (5) and, per snapshot and
metric, n = the purchasers that have a value and worse(v) = how many of them have a
value strictly worse than v:

    score(v) = 1 + #{k in 1..q-1 : q * worse(v) >= k * n}      (= 1 + floor(q * worse(v) / n))

Equivalently, the q-1 exact edges e_k = the smallest purchaser value v with
q * worse(v) >= k * n, and score = 1 + the number of edges that v reaches (v >= e_k).
Integer arithmetic only: exact. A score depends on the value alone, so ties always share
one (the lowest quintile their tie group reaches: if 60 % bought once, they all get F = 1)
and the result does not depend on partitioning or row order; with distinct values and
n a multiple of q, each score holds exactly n/q purchasers.

Scalable: the three metrics are stacked and the users reduced to (metric, value, count)
rows; the running count of strictly worse purchasers is a window per (snapshot, metric,
value bucket), the bucket being a coarse monotone function of the value
(``value_bucket``), plus a running total over the bucket totals (at most a few thousand
rows per snapshot and metric). The edges are one row per snapshot, broadcast-joined back
to the users. No global window, no percentile_approx, nothing user-sized reaches the
driver.

Groups: FM = round half up of (F + M) / 2; conf ``segments.rfm.groups`` is an ordered
table of ``{name, r: [lo, hi], fm: [lo, hi]}`` (bounds inclusive), first match wins; it
must cover every (R, FM) cell, which ``check_group_table`` proves when the transform is
built. Derived columns: ``rfm_r_score``, ``rfm_f_score``, ``rfm_m_score`` (int) and
``rfm_group``, all null for non-purchasers. The segments are the group names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.config import Config
from jobs.common.errors import ConfigError
from jobs.segments.base import Transform, memberships

FAMILY = "rfm"
KEY = "segments.rfm"
DERIVED = ("rfm_r_score", "rfm_f_score", "rfm_m_score", "rfm_group")
# The three metrics are stacked into one value column: wide enough for any of them, exact.
VALUE = T.DecimalType(38, 2)
# Buckets per unit of log1p(|value|): about 1.6 % relative width each. Only the split of
# the work depends on it, never a score.
BUCKETS_PER_LOG_UNIT = 64


def is_purchaser(frequency: Column) -> Column:
    return frequency > 0


def oriented_metrics() -> dict[str, Column]:
    """Metric name -> value where larger is better."""
    return {"r": -F.col("rfm_recency_days"), "f": F.col("rfm_frequency"),
            "m": F.col("rfm_monetary")}


def value_bucket(value: Column) -> Column:
    """A coarse key that never decreases as the value grows (log1p is semi-monotonic)."""
    number = value.cast("double")
    scaled = F.floor(F.log1p(F.abs(number)) * BUCKETS_PER_LOG_UNIT)
    return F.when(number < 0, -scaled).otherwise(scaled)


def metric_values(purchasers: DataFrame, metrics: Mapping[str, Column]) -> DataFrame:
    """(snapshot_date, metric, value): one row per purchaser and metric with a value."""
    stacked = F.explode(F.array(*[
        F.struct(F.lit(name).alias("metric"), value.cast(VALUE).alias("value"))
        for name, value in metrics.items()]))
    return (purchasers.select("snapshot_date", stacked.alias("metric_value"))
            .select("snapshot_date", "metric_value.metric", "metric_value.value")
            .filter(F.col("value").isNotNull()))


def worse_counts(values: DataFrame) -> DataFrame:
    """(snapshot_date, metric, value) -> (..., worse, n): exact counts of worse purchasers."""
    metric = ("snapshot_date", "metric")
    counts = (values.groupBy(*metric, "value").count()
              .withColumn("bucket", value_bucket(F.col("value"))))
    before = Window.partitionBy(*metric).orderBy("bucket").rowsBetween(
        Window.unboundedPreceding, -1)
    buckets = (counts.groupBy(*metric, "bucket").agg(F.sum("count").alias("in_bucket"))
               .withColumn("before_bucket", F.coalesce(F.sum("in_bucket").over(before), F.lit(0)))
               .withColumn("n", F.sum("in_bucket").over(Window.partitionBy(*metric))))
    below = Window.partitionBy(*metric, "bucket").orderBy("value").rowsBetween(
        Window.unboundedPreceding, -1)
    return (counts.join(F.broadcast(buckets), on=[*metric, "bucket"], how="inner")
            .withColumn("worse", F.col("before_bucket")
                        + F.coalesce(F.sum("count").over(below), F.lit(0)))
            .select(*metric, "value", "worse", "n"))


def edge_name(metric: str, k: int) -> str:
    return f"_rfm_{metric}_edge_{k}"


def quantile_edges(purchasers: DataFrame, metrics: Mapping[str, Column], q: int) -> DataFrame:
    """One row per snapshot: the q-1 edges of each metric (null when no value reaches one)."""
    def edge(name: str, k: int) -> Column:
        reaches = (F.col("metric") == name) & (F.col("worse") * q >= F.col("n") * k)
        return F.min(F.when(reaches, F.col("value"))).alias(edge_name(name, k))

    return (worse_counts(metric_values(purchasers, metrics)).groupBy("snapshot_date")
            .agg(*[edge(name, k) for name in metrics for k in range(1, q)]))


def score(value: Column, metric: str, q: int, purchaser: Column) -> Column:
    """1 + the number of edges the value reaches; null for non-purchasers and null values."""
    reached = [F.coalesce((value >= F.col(edge_name(metric, k))).cast("int"), F.lit(0))
               for k in range(1, q)]
    total = F.lit(1)
    for hit in reached:
        total = total + hit
    return F.when(purchaser & value.isNotNull(), total.cast("int"))


def fm_score(f_score: Column, m_score: Column) -> Column:
    """The mean of F and M rounded half up: (1, 2) -> 2, (2, 2) -> 2, (2, 3) -> 3."""
    return F.floor((f_score + m_score + 1) / 2).cast("int")


def check_group_table(groups: Sequence[Mapping[str, Any]], q: int) -> None:
    """Every (R, FM) cell in 1..q must match a rule: each purchaser gets exactly one group."""
    uncovered = [(r, fm) for r in range(1, q + 1) for fm in range(1, q + 1)
                 if not any(g["r"][0] <= r <= g["r"][1] and g["fm"][0] <= fm <= g["fm"][1]
                            for g in groups)]
    if uncovered:
        raise ConfigError(f"conf key '{KEY}.groups' leaves (R, FM) cells without a group: "
                          f"{uncovered}")


def rfm_group(r_score: Column, fm: Column, groups: Sequence[Mapping[str, Any]]) -> Column:
    """The first rule of the table whose R and FM ranges hold both scores."""
    chain: Column | None = None
    for group in groups:
        matches = r_score.between(*group["r"]) & fm.between(*group["fm"])
        chain = (F.when(matches, F.lit(group["name"])) if chain is None
                 else chain.when(matches, F.lit(group["name"])))
    if chain is None:
        raise ConfigError(f"conf key '{KEY}.groups' holds no group")
    return chain


def with_rfm_columns(cfg: Config) -> Transform:
    """Adds rfm_r_score, rfm_f_score, rfm_m_score and rfm_group (see the module docstring)."""
    q = cfg.get(f"{KEY}.quintiles")
    groups = cfg.get(f"{KEY}.groups")
    check_group_table(groups, q)
    metrics = oriented_metrics()
    purchaser = is_purchaser(F.col("rfm_frequency"))
    scores = {name: score(value, name, q, purchaser) for name, value in metrics.items()}

    def transform(profile: DataFrame) -> DataFrame:
        base = profile.drop(*DERIVED)
        edges = quantile_edges(base.filter(purchaser), metrics, q)
        return (base.join(F.broadcast(edges), on="snapshot_date", how="left")
                .withColumns({f"rfm_{name}_score": scores[name] for name in metrics})
                .withColumn("rfm_group", rfm_group(
                    F.col("rfm_r_score"), fm_score(F.col("rfm_f_score"), F.col("rfm_m_score")),
                    groups))
                .select(*base.columns, *DERIVED))

    return transform


def rfm_memberships(cfg: Config) -> Transform:
    """Membership rows of the rfm family: each purchaser in the group of its scores."""
    with_columns = with_rfm_columns(cfg)

    def transform(profile: DataFrame) -> DataFrame:
        return memberships(profile.transform(with_columns), FAMILY, [],
                           valued=[F.col("rfm_group")])

    return transform

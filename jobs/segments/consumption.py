"""Family 4 — consumption and the LTV pyramid (SEGMENTS.md §4), family name ``consumption``.

Thresholds are under conf ``segments.consumption``; amounts are Decimal(18,2) and every
comparison with a conf number is done in exact decimal arithmetic (5000.00 is spend_high,
4999.99 is not; 3.90 is 1.3 × 3.00).

| segment        | holds when (default thresholds)                                      |
|----------------|----------------------------------------------------------------------|
| spend_high     | paid_30d >= spend_high_min (5000)                                    |
| spend_mid      | spend_mid_min (1000) <= paid_30d < spend_high_min                    |
| spend_low      | 0 < paid_30d < spend_mid_min                                         |
| high_value     | ltv > 0 and ltv >= high_value_ltv_multiple (2.0) × ltv_benchmark     |
| growth_spender | paid_90d_prior > 0 and paid_90d >= growth_min_ratio (1.3) × prior    |
| price_sensitive| paid_orders_365d >= 3 and coupon_orders_365d >= 0.8 × paid_orders    |
| regular_buyer  | paid_orders_365d >= 3 and order_interval_cv_365d <= 0.5              |
| seasonal_buyer | paid_orders_365d >= 2 and max_quarter_share_365d >= 0.7              |

The 30/90/365-day columns are the windows named by ``window_days``,
``growth_window_days`` and ``coupon_window_days``; regular and seasonal buying are
defined on the year (365-day features).

Derived columns:

- ``spend_band``: ``high`` / ``mid`` / ``low`` as above, ``none`` when nothing was paid
  in the window; null when paid_30d is null.
- ``ltv_tier``, the LTV pyramid from the top: ``high_value`` (the segment),
  ``paying`` (ltv > 0), ``non_paying`` (ltv <= 0: never paid, or refunded it all);
  null when ltv is null.
- ``ltv_benchmark`` (Decimal(18,2)): conf ``ltv_benchmark`` when set, else the mean
  ltv of the paying users (ltv > 0) of the same snapshot_date, rounded half up to the
  cent — a per-snapshot aggregate joined back, never collected. Null when a snapshot
  has no paying user, and then nobody is high_value.
- ``predicted_tier``, the predicted-value pyramid beside it, the same tiers over
  ``predicted_value`` (BG/NBD x Gamma-Gamma over the next predict.horizon_days, from
  jobs/predict): ``high_value`` (predicted_value > 0 and >= high_value_ltv_multiple x
  ``predicted_benchmark``), ``paying`` (> 0), ``non_paying`` (0: no purchase yet, or a
  prediction under a cent); ``predicted_benchmark`` is conf
  ``predicted_value_benchmark`` or the mean predicted_value of the users with one > 0.
  Segment ``predicted_high_value``.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.config import Config
from jobs.common.errors import ConfigError
from jobs.segments.base import Transform, memberships
from jobs.segments.columns import exact, feature, holds_share

FAMILY = "consumption"
KEY = "segments.consumption"
AMOUNT = T.DecimalType(18, 2)
DERIVED = ("spend_band", "ltv_tier", "ltv_benchmark", "predicted_tier", "predicted_benchmark")



def number(value: float | int) -> Column:
    """A conf number as an exact decimal literal (1.3 × 3.00 is 3.90, not 3.9000000000000004)."""
    return F.lit(exact(value))


def spend_band(paid: Column, high_min: Column, mid_min: Column) -> Column:
    return (F.when(paid >= high_min, "high").when(paid >= mid_min, "mid")
            .when(paid > 0, "low").when(paid.isNotNull(), "none"))


def is_paying(ltv: Column) -> Column:
    return ltv > 0


def is_high_value(ltv: Column, multiple: Column, benchmark: Column) -> Column:
    return is_paying(ltv) & (ltv >= multiple * benchmark)


def ltv_tier(ltv: Column, high_value: Column) -> Column:
    return (F.when(high_value, "high_value").when(is_paying(ltv), "paying")
            .when(ltv.isNotNull(), "non_paying"))


def is_growing(paid: Column, paid_prior: Column, min_ratio: Column) -> Column:
    return (paid_prior > 0) & (paid >= min_ratio * paid_prior)


def configured_benchmark(cfg: Config, name: str = "ltv_benchmark") -> Any:
    """Conf ``ltv_benchmark``: a non-negative number, or null for the paying users' mean."""
    value = cfg.get(f"{KEY}.{name}", None)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                              or value < 0):
        raise ConfigError(f"conf key '{KEY}.{name}' = {value!r} is not a non-negative "
                          "number or null")
    return value


def with_ltv_benchmark(cfg: Config, value: str = "ltv", conf_name: str = "ltv_benchmark",
                       column: str = "ltv_benchmark") -> Transform:
    """Adds ``ltv_benchmark``: the configured figure, else the paying users' mean ltv
    (the same for the predicted pyramid: another value column, conf key and name)."""
    configured = configured_benchmark(cfg, conf_name)

    def transform(profile: DataFrame) -> DataFrame:
        base = profile.drop(column)
        if configured is not None:
            return base.withColumn(column, number(configured).cast(AMOUNT))
        means = (base.filter(is_paying(F.col(value)))
                 .groupBy("snapshot_date")
                 .agg(F.avg(value).cast(AMOUNT).alias(column)))
        return (base.join(F.broadcast(means), on="snapshot_date", how="left")
                .select(*base.columns, column))

    return transform


def with_consumption_columns(cfg: Config) -> Transform:
    """Adds spend_band, ltv_tier and ltv_benchmark (see the module docstring)."""
    paid = feature(cfg, f"{KEY}.window_days", "paid")
    high_min = number(cfg.get(f"{KEY}.spend_high_min"))
    mid_min = number(cfg.get(f"{KEY}.spend_mid_min"))
    multiple = number(cfg.get(f"{KEY}.high_value_ltv_multiple"))
    ltv = F.col("ltv")
    high_value = is_high_value(ltv, multiple, F.col("ltv_benchmark"))
    with_benchmark = with_ltv_benchmark(cfg)
    predicted = F.col("predicted_value")
    predicted_high = is_high_value(predicted, multiple, F.col("predicted_benchmark"))
    with_predicted_benchmark = with_ltv_benchmark(cfg, "predicted_value",
                                                  "predicted_value_benchmark",
                                                  "predicted_benchmark")

    def transform(profile: DataFrame) -> DataFrame:
        return (profile.drop("spend_band", "ltv_tier", "predicted_tier")
                .transform(with_benchmark)
                .transform(with_predicted_benchmark)
                .withColumn("spend_band", spend_band(paid, high_min, mid_min))
                .withColumn("ltv_tier", ltv_tier(ltv, high_value))
                .withColumn("predicted_tier", ltv_tier(predicted, predicted_high)))

    return transform


def consumption_conditions(cfg: Config) -> list[tuple[str, Column]]:
    """(segment, condition) pairs over a profile that has the derived columns."""
    growth_paid = feature(cfg, f"{KEY}.growth_window_days", "paid")
    growth_prior = feature(cfg, f"{KEY}.growth_window_days", "paid", "_prior")
    coupon_orders = feature(cfg, f"{KEY}.coupon_window_days", "coupon_orders")
    coupon_window_orders = feature(cfg, f"{KEY}.coupon_window_days", "paid_orders")
    year_orders = F.col("paid_orders_365d")
    band = F.col("spend_band")

    def conf(name: str) -> Column:
        return number(cfg.get(f"{KEY}.{name}"))

    return [
        ("spend_high", band == "high"),
        ("spend_mid", band == "mid"),
        ("spend_low", band == "low"),
        ("high_value", F.col("ltv_tier") == "high_value"),
        ("predicted_high_value", F.col("predicted_tier") == "high_value"),
        ("growth_spender", is_growing(growth_paid, growth_prior, conf("growth_min_ratio"))),
        ("price_sensitive",
         (coupon_window_orders >= conf("price_sensitive_min_orders"))
         & holds_share(coupon_orders, coupon_window_orders,
                       cfg.get(f"{KEY}.price_sensitive_min_coupon_share"))),
        ("regular_buyer",
         (year_orders >= conf("regular_min_orders"))
         & (F.col("order_interval_cv_365d") <= conf("regular_max_interval_cv"))),
        ("seasonal_buyer",
         (year_orders >= conf("seasonal_min_orders"))
         & (F.col("max_quarter_share_365d") >= conf("seasonal_min_quarter_share"))),
    ]


def consumption_memberships(cfg: Config) -> Transform:
    """Membership rows of the consumption family, from a profile of one or more snapshots."""
    with_columns = with_consumption_columns(cfg)
    conditions = consumption_conditions(cfg)

    def transform(profile: DataFrame) -> DataFrame:
        return memberships(profile.transform(with_columns), FAMILY, conditions)

    return transform

"""Family ``lifecycle`` — lifecycle stage and trigger flags (SEGMENTS.md §6).

Thresholds are under conf ``segments.lifecycle``; the ``*_days`` window keys pick the
profile window read (``jobs.segments.columns.window_feature``). ``lifecycle_stage``,
first match wins:

| stage     | holds when (default thresholds)                                          |
|-----------|--------------------------------------------------------------------------|
| new       | days_since_registration <= new_days - 1 (6: registered in D-6..D)         |
| churned   | logins_30d = 0 (no login in D-29..D; window churned_no_login_days)        |
| declining | active_days_14d <= 0.5 × active_days_14d_prior, the prior >= 2            |
| mature    | paid_orders_90d >= 2                                                      |
| growing   | everyone else (also a user whose features are all null)                   |

Trigger flags, segments of the same family beside the stage:

| flag             | holds when                                                          |
|------------------|---------------------------------------------------------------------|
| needs_onboarding | stage new and event_types_7d <= 3 (the new-user window)              |
| conversion_ready | product_views_7d >= 5 and paid_orders_7d = 0                         |
| loyal_streak     | login_streak_days >= 20                                              |
| churn_warning    | 14 <= login_recency_days <= 29                                       |

The segments are the stage name plus each flag held. Derived column: ``lifecycle_stage``.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.segments.base import Transform, memberships
from jobs.segments.columns import exact, feature

FAMILY = "lifecycle"
KEY = "segments.lifecycle"
STAGES = ("new", "churned", "declining", "mature", "growing")



def number(value: float | int) -> Column:
    """A conf number as an exact decimal literal (1.3 × 3.00 is 3.90, not 3.9000000000000004)."""
    return F.lit(exact(value))


def is_new(days_since_registration: Column, new_days: int) -> Column:
    return days_since_registration <= new_days - 1


def is_churned(logins: Column) -> Column:
    return logins == 0


def is_declining(active: Column, active_prior: Column, max_ratio: Column,
                 min_prior: int) -> Column:
    """active <= max_ratio × prior, compared exactly (decimal), with prior >= min_prior."""
    return (active_prior >= min_prior) & (active <= max_ratio * active_prior)


def lifecycle_stage(new: Column, churned: Column, declining: Column, mature: Column) -> Column:
    """First match wins, in the order of STAGES; a null condition does not match."""
    return (F.when(new, "new").when(churned, "churned").when(declining, "declining")
            .when(mature, "mature").otherwise("growing"))


def stage_conditions(cfg: Config) -> dict[str, Column]:
    """The conditions of the stages before the catch-all ``growing``."""
    def conf(name: str) -> int:
        return cfg.get(f"{KEY}.{name}")

    recent = f"{KEY}.declining_recent_days"
    return {
        "new": is_new(F.col("days_since_registration"), conf("new_days")),
        "churned": is_churned(feature(cfg, f"{KEY}.churned_no_login_days", "logins")),
        "declining": is_declining(feature(cfg, recent, "active_days"),
                                  feature(cfg, recent, "active_days", "_prior"),
                                  number(conf("declining_max_ratio")),
                                  conf("declining_min_prior_active_days")),
        "mature": (feature(cfg, f"{KEY}.mature_window_days", "paid_orders")
                   >= conf("mature_min_orders")),
    }


def with_lifecycle_columns(cfg: Config) -> Transform:
    """Adds ``lifecycle_stage`` (see the module docstring)."""
    stage = lifecycle_stage(**stage_conditions(cfg))

    def transform(profile: DataFrame) -> DataFrame:
        return profile.withColumn("lifecycle_stage", stage)

    return transform


def trigger_flags(cfg: Config) -> list[tuple[str, Column]]:
    """(flag, condition) pairs over a profile that has ``lifecycle_stage``."""
    def conf(name: str) -> int:
        return cfg.get(f"{KEY}.{name}")

    views = feature(cfg, f"{KEY}.conversion_ready_window_days", "product_views")
    orders = feature(cfg, f"{KEY}.conversion_ready_window_days", "paid_orders")
    event_types = feature(cfg, f"{KEY}.new_days", "event_types")
    return [
        ("needs_onboarding", (F.col("lifecycle_stage") == "new")
         & (event_types <= conf("onboarding_max_event_types"))),
        ("conversion_ready", (views >= conf("conversion_ready_min_product_views"))
         & (orders == 0)),
        ("loyal_streak", F.col("login_streak_days") >= conf("loyal_streak_min_days")),
        ("churn_warning", F.col("login_recency_days").between(
            conf("churn_warning_min_days"), conf("churn_warning_max_days"))),
    ]


def lifecycle_memberships(cfg: Config) -> Transform:
    """Membership rows of the lifecycle family: the stage, plus each trigger flag held."""
    with_columns = with_lifecycle_columns(cfg)
    flags = trigger_flags(cfg)

    def transform(profile: DataFrame) -> DataFrame:
        return memberships(profile.transform(with_columns), FAMILY, flags,
                           valued=[F.col("lifecycle_stage")])

    return transform

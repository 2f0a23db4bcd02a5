"""The per-category rollup: silver events -> (landing date, day, user, content type,
category) increments -> user_category_daily, in the same one pass as jobs/rollup.

Only events with a content category count. A *view* is a content-consumption event
(article_read, video_view, live_view); its dwell is duration_s (null counts 0 seconds);
a *fast exit* is a view of at most ``segments.interest.fast_exit_max_seconds`` seconds
(a null duration is not one). Subscribe and favorite events are the explicit signals.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.rollup.schemas import CATEGORY_METRICS
from jobs.rollup.transforms import as_count

VIEW_EVENT_TYPES = ("article_read", "video_view", "live_view")
KEYS = ("ingest_date", "activity_date", "user_key", "content_type", "content_category")


def category_facts(events: DataFrame, cfg: Config) -> DataFrame:
    """One row of category metric values per silver event that has a category."""
    fast_max = cfg.get("segments.interest.fast_exit_max_seconds")
    event_type, duration = F.col("event_type"), F.col("duration_s")
    view = event_type.isin(*VIEW_EVENT_TYPES)
    metrics = {
        "views": as_count(view),
        "dwell_s": F.when(view, F.coalesce(duration, F.lit(0))).otherwise(0).cast("long"),
        "fast_exits": as_count(view & (duration <= F.lit(fast_max))),
        "subscribes": as_count(event_type == "subscribe"),
        "favorites": as_count(event_type == "favorite"),
    }
    return (events.filter(F.col("content_category").isNotNull())
            .select("ingest_date", "activity_date", "user_key",
                    F.coalesce(F.col("content_type"), F.lit("none")).alias("content_type"),
                    "content_category", *[metrics[c].alias(c) for c in CATEGORY_METRICS]))


def summed(keys: tuple[str, ...]):
    def transform(facts: DataFrame) -> DataFrame:
        return facts.groupBy(*keys).agg(*[F.sum(c).cast("long").alias(c)
                                          for c in CATEGORY_METRICS])
    return transform


def category_increments(events: DataFrame, cfg: Config) -> DataFrame:
    """What the given silver events add per (ingest_date, activity_date, user, type, cat)."""
    return category_facts(events, cfg).transform(summed(KEYS))


def user_category_daily(increments: DataFrame) -> DataFrame:
    """Increments of any landing date summed per (activity_date, user, type, category)."""
    return increments.transform(summed(KEYS[1:]))


def category_rows_as_of(daily: DataFrame, increments: DataFrame, snapshot: dt.date,
                        days: int, max_late_days: int) -> DataFrame:
    """Category rows of D-(days-1)..D as they stood at the end of landing date D (final days
    from user_category_daily, the last max_late_days re-summed from increments)."""
    oldest = snapshot - dt.timedelta(days=days - 1)
    final_until = snapshot - dt.timedelta(days=max_late_days)
    final = daily.filter(F.col("activity_date").between(oldest, final_until))
    recent = increments.filter(
        (F.col("activity_date") > final_until) & (F.col("activity_date") >= oldest)
        & (F.col("activity_date") <= snapshot) & (F.col("ingest_date") <= snapshot))
    return final.unionByName(user_category_daily(recent).select(*final.columns))

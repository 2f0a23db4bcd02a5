"""Family 1, behaviour (SEGMENTS.md): how much and how deeply a user used the product.

Segments (family ``behaviour``):

- ``silent``: registered at least ``silent_min_registered_days`` ago and no interaction
  event in the window (D-6..D);
- ``deep_user``: window duration / window days strictly more than
  ``deep_user_hours_per_day`` hours;
- ``msg_high``: message events / window days at least ``msg_high_per_day``;
- ``msg_low``: at most ``msg_low_max_per_window`` message events in the window;
- ``content_pref_{article,video,live,mixed}``: the content type with the largest share
  of content events in D-29..D when that share is at least ``content_pref_min_share``,
  else ``mixed``; ties go to article, then video, then live; none without content events;
- ``depth_{payment,miniprogram,chat}``: the deepest feature used in D-29..D.

Derived profile columns: ``content_pref``, ``usage_depth`` and the engagement RFM values
``engagement_recency_days``, ``engagement_frequency``, ``engagement_monetary``.
Thresholds and windows: conf ``segments.behaviour``.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.segments.base import Transform, memberships
from jobs.segments.columns import exact, first_largest, holds_share, window_feature

FAMILY = "behaviour"
CONF = "segments.behaviour"
SECONDS_PER_HOUR = 3600
CONTENT_TYPES = ("article", "video", "live")    # listed order breaks ties
MIXED = "mixed"
# Deepest first: the first feature used in the window is the user's depth.
DEPTH_FEATURES = (("payment", "payment_events"), ("miniprogram", "miniprogram_events"),
                  ("chat", "chat_events"))


def is_silent(days_since_registration: Column, events: Column, min_registered_days: int) -> Column:
    registered_long_enough = days_since_registration >= min_registered_days
    no_interaction = events == 0
    return registered_long_enough & no_interaction


def is_deep_user(duration_s: Column, window_days: int, hours_per_day: float) -> Column:
    """duration / window days > hours per day, i.e. duration > days * hours * 3600 (exact)."""
    return duration_s > F.lit(exact(hours_per_day) * SECONDS_PER_HOUR * window_days)


def is_msg_high(messages: Column, window_days: int, per_day: float) -> Column:
    """messages / window days >= per day, i.e. messages >= days * per day (exact)."""
    return messages >= F.lit(exact(per_day) * window_days)


def is_msg_low(messages: Column, max_per_window: float) -> Column:
    return messages <= max_per_window


def content_pref(counts: list[tuple[str, Column]], total: Column, min_share: float) -> Column:
    """The leading content type, ``mixed`` when it leads with less than ``min_share``."""
    leader = first_largest(counts)
    leads_clearly = holds_share(F.greatest(*[count for _, count in counts]), total, min_share)
    has_content = total > 0
    return F.when(has_content, F.when(leads_clearly, leader).otherwise(MIXED))


def usage_depth(used: list[tuple[str, Column]]) -> Column:
    """The first label whose feature was used (count > 0); null when none was."""
    (first_label, first_count), *others = used
    depth = F.when(first_count > 0, F.lit(first_label))
    for label, count in others:
        depth = depth.when(count > 0, F.lit(label))
    return depth


def with_behaviour_columns(cfg: Config) -> Transform:
    """Adds content_pref, usage_depth and engagement_{recency_days,frequency,monetary}."""
    content_key, depth_key = f"{CONF}.content_window_days", f"{CONF}.depth_window_days"
    engagement_key = f"{CONF}.engagement_window_days"
    content_counts = [(kind, F.col(window_feature(cfg, content_key, f"{kind}_events")))
                      for kind in CONTENT_TYPES]
    depth_used = [(depth, F.col(window_feature(cfg, depth_key, metric)))
                  for depth, metric in DEPTH_FEATURES]
    columns = {
        "content_pref": content_pref(
            content_counts, F.col(window_feature(cfg, content_key, "content_events")),
            cfg.get(f"{CONF}.content_pref_min_share")),
        "usage_depth": usage_depth(depth_used),
        "engagement_recency_days": F.col("interaction_recency_days"),
        "engagement_frequency": F.col(window_feature(cfg, engagement_key, "events")),
        "engagement_monetary": F.col(window_feature(cfg, engagement_key, "paid")),
    }

    def transform(profile: DataFrame) -> DataFrame:
        return profile.withColumns(columns)

    return transform


def behaviour_memberships(cfg: Config) -> Transform:
    """Profile with the behaviour columns -> one membership row per segment held."""
    window_key = f"{CONF}.window_days"
    window_days = cfg.get(window_key)
    messages = F.col(window_feature(cfg, window_key, "messages"))
    segments = [
        ("silent", is_silent(F.col("days_since_registration"),
                             F.col(window_feature(cfg, window_key, "events")),
                             cfg.get(f"{CONF}.silent_min_registered_days"))),
        ("deep_user", is_deep_user(F.col(window_feature(cfg, window_key, "duration_s")),
                                   window_days, cfg.get(f"{CONF}.deep_user_hours_per_day"))),
        ("msg_high", is_msg_high(messages, window_days, cfg.get(f"{CONF}.msg_high_per_day"))),
        ("msg_low", is_msg_low(messages, cfg.get(f"{CONF}.msg_low_max_per_window"))),
    ]
    valued = [F.concat(F.lit("content_pref_"), F.col("content_pref")),
              F.concat(F.lit("depth_"), F.col("usage_depth"))]

    def transform(profile: DataFrame) -> DataFrame:
        return memberships(profile, FAMILY, segments, valued)

    return transform

"""Family 7, device and scene (SEGMENTS.md): where and when the user is active.

Derived profile columns, over the window of ``segments.scene.window_days`` (D-29..D):

- ``dominant_device``: phone / tablet / pc with the most events;
- ``dominant_network``: wifi / 5g / 4g / weak (3g, 2g and unknown, summed by the profile);
- ``dominant_slot``: the time slot with the most events.

Ties go to the value listed first in DEVICES, NETWORKS and SLOTS below (the order of
SEGMENTS.md); no dominant value when the user had no event.

Segments (family ``scene``): ``device_<dominant_device>``, ``network_<dominant_network>``,
the dominant slot itself (``morning_commute`` .. ``daytime``), ``weekday_evening_20_22``
(weekday evening events / weekday events at least ``weekday_evening_min_share``) and
``weekend_morning`` (weekend morning events / weekend events at least
``weekend_morning_min_share``); neither without weekday (weekend) events.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.segments.base import Transform, memberships
from jobs.segments.columns import first_largest, holds_share, window_feature

FAMILY = "scene"
CONF = "segments.scene"
WINDOW_KEY = f"{CONF}.window_days"
# Listed order breaks ties.
DEVICES = ("phone", "tablet", "pc")
NETWORKS = ("wifi", "5g", "4g", "weak")
SLOTS = ("morning_commute", "lunch", "evening_commute", "prime_evening", "bedtime",
         "late_night", "daytime")


def dominant(cfg: Config, metric_prefix: str, labels: tuple[str, ...]) -> Column:
    """The label of ``<metric_prefix><label>_<N>d`` with the most events."""
    counts = [(label, F.col(window_feature(cfg, WINDOW_KEY, f"{metric_prefix}{label}")))
              for label in labels]
    return first_largest(counts)


def with_scene_columns(cfg: Config) -> Transform:
    """Adds dominant_device, dominant_network and dominant_slot."""
    columns = {
        "dominant_device": dominant(cfg, "device_", DEVICES),
        "dominant_network": dominant(cfg, "net_", NETWORKS),
        "dominant_slot": dominant(cfg, "slot_", SLOTS),
    }

    def transform(profile: DataFrame) -> DataFrame:
        return profile.withColumns(columns)

    return transform


def scene_memberships(cfg: Config) -> Transform:
    """Profile with the scene columns -> one membership row per segment held."""
    def feature(metric: str) -> Column:
        return F.col(window_feature(cfg, WINDOW_KEY, metric))

    segments = [
        ("weekday_evening_20_22",
         holds_share(feature("weekday_evening_events"), feature("weekday_events"),
                     cfg.get(f"{CONF}.weekday_evening_min_share"))),
        ("weekend_morning",
         holds_share(feature("weekend_morning_events"), feature("weekend_events"),
                     cfg.get(f"{CONF}.weekend_morning_min_share"))),
    ]
    valued = [F.concat(F.lit("device_"), F.col("dominant_device")),
              F.concat(F.lit("network_"), F.col("dominant_network")),
              F.col("dominant_slot")]

    def transform(profile: DataFrame) -> DataFrame:
        return memberships(profile, FAMILY, segments, valued)

    return transform

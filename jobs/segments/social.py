"""Family 3 — social graph (SEGMENTS.md §3), family name ``social``.

The graph features come from the social stage (jobs/social, silver/user_social), joined
into the profile; thresholds are under conf ``segments.social``.

| segment        | holds when (default thresholds)                                        |
|----------------|------------------------------------------------------------------------|
| strong_tie_hub | mutual_friends >= strong_tie_min_mutual (5)                            |
| tight_circle   | tight_circle_id is not null: in a connected group of friend pairs that |
|                | share > tight_circle_min_common (10) common friends                    |
| influencer     | share_rate in the top influencer_top_share (20 %) of the snapshot      |

Derived columns:

- ``share_rate`` (double): shares_30d / content_events_30d; null without content events.
- ``influencer`` (boolean): among the users of the snapshot with a share rate (n of
  them), at least (1 - influencer_top_share) x n have a strictly lower one — with
  distinct rates exactly the top 20 %; a tie at the edge stays out together (the same
  exact counting as the RFM quintiles, ``jobs.segments.rfm.worse_counts``, no global
  sort). Null without a share rate.

The group-pair table (Jaccard >= group_overlap_min_jaccard) is not a user segment: it is
gold/group_overlap, written by the social stage.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.segments.base import Transform, memberships
from jobs.segments.columns import exact
from jobs.segments.rfm import worse_counts

FAMILY = "social"
KEY = "segments.social"
DERIVED = ("share_rate", "influencer")


def share_rate(shares: Column, content_events: Column) -> Column:
    return F.when(content_events > 0, (shares / content_events).cast("double"))


def in_top_share(worse: Column, n: Column, top_share: float) -> Column:
    """At least (1 - top_share) of the n have a strictly lower value, compared exactly."""
    return worse >= (F.lit(exact(1) - exact(top_share)) * n)


def with_social_columns(cfg: Config) -> Transform:
    """Adds share_rate and influencer (see the module docstring)."""
    top_share = float(cfg.get(f"{KEY}.influencer_top_share"))

    def transform(profile: DataFrame) -> DataFrame:
        base = profile.drop(*DERIVED).withColumn(
            "share_rate", share_rate(F.col("shares_30d"), F.col("content_events_30d")))
        values = base.filter(F.col("share_rate").isNotNull()).select(
            "snapshot_date", F.lit("share_rate").alias("metric"),
            F.col("share_rate").alias("value"))
        top = (worse_counts(values)
               .select("snapshot_date", F.col("value").alias("share_rate"),
                       in_top_share(F.col("worse"), F.col("n"), top_share).alias("_top")))
        return (base.join(top, on=["snapshot_date", "share_rate"], how="left")
                .withColumn("influencer", F.when(F.col("share_rate").isNotNull(),
                                                 F.coalesce(F.col("_top"), F.lit(False))))
                .select(*base.columns, "influencer"))

    return transform


def social_conditions(cfg: Config) -> list[tuple[str, Column]]:
    return [
        ("strong_tie_hub",
         F.col("mutual_friends") >= F.lit(int(cfg.get(f"{KEY}.strong_tie_min_mutual")))),
        ("tight_circle", F.col("tight_circle_id").isNotNull()),
        ("influencer", F.col("influencer")),
    ]


def social_memberships(cfg: Config) -> Transform:
    """Membership rows of the social family, from a profile of one or more snapshots."""
    with_columns = with_social_columns(cfg)
    conditions = social_conditions(cfg)

    def transform(profile: DataFrame) -> DataFrame:
        return memberships(profile.transform(with_columns), FAMILY, conditions)

    return transform

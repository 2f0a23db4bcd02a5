"""All families' memberships of one snapshot, and their summary."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.rules.transforms import custom_memberships
from jobs.segments.attributes import attributes_memberships
from jobs.segments.behaviour import behaviour_memberships
from jobs.segments.consumption import consumption_memberships
from jobs.segments.interest import interest_memberships
from jobs.segments.lifecycle import lifecycle_memberships
from jobs.segments.rfm import rfm_memberships
from jobs.segments.scene import scene_memberships
from jobs.segments.schemas import SEGMENT_MEMBERSHIP
from jobs.segments.social import social_memberships

BUILT_IN = {
    "behaviour": behaviour_memberships,
    "attributes": attributes_memberships,
    "consumption": consumption_memberships,
    "rfm": rfm_memberships,
    "lifecycle": lifecycle_memberships,
    "scene": scene_memberships,
    "social": social_memberships,
    "interest": interest_memberships,
    # The rule library (conf/rules, jobs/rules): evaluated last, over the same profile, with
    # the other families' rows at hand for in_segment('<family>', '<segment>').
    "custom": custom_memberships,
}
CUSTOM = "custom"


def all_memberships(profile: DataFrame, cfg: Config,
                    families: tuple[str, ...] = tuple(BUILT_IN)) -> DataFrame:
    """One row per (user, family, segment) held, built-in families have no rule version;
    custom rows carry their rule's version."""
    computed = {family: profile.transform(BUILT_IN[family](cfg))
                for family in families if family != CUSTOM}
    parts = [rows.select(*SEGMENT_MEMBERSHIP.columns[:-1],
                         F.lit(None).cast("string").alias("rule_version"))
             for rows in computed.values()]
    if CUSTOM in families:
        def family_rows(family: str) -> DataFrame:
            if family in computed:
                return computed[family]
            return profile.transform(BUILT_IN[family](cfg))
        parts.append(profile.transform(custom_memberships(cfg, family_rows)))
    return reduce(DataFrame.unionByName, parts).select(*SEGMENT_MEMBERSHIP.columns)


def summary(membership: DataFrame, profile: DataFrame, min_size: int) -> DataFrame:
    """Members and share of each segment; the share's base is every user of the profile."""
    users = profile.groupBy("snapshot_date").agg(F.count(F.lit(1)).alias("_users"))
    counts = membership.groupBy("snapshot_date", "family", "segment").agg(
        F.count(F.lit(1)).alias("members"))
    return counts.join(users, on="snapshot_date", how="inner").select(
        "snapshot_date", "family", "segment", "members",
        (F.col("members") / F.col("_users")).cast("double").alias("share"),
        (F.col("members") < F.lit(min_size)).alias("under_min_size"),
    )

"""All families' memberships of one snapshot, their summary and their breakdown."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.privacy.consent import consenting_users, filter_consented, gated_families
from jobs.privacy.k_anonymity import coarsened
from jobs.rules.transforms import custom_memberships
from jobs.segments.attributes import attributes_memberships
from jobs.segments.base import FAMILIES
from jobs.segments.behaviour import behaviour_memberships
from jobs.segments.consumption import consumption_memberships
from jobs.segments.interest import interest_memberships
from jobs.segments.lifecycle import lifecycle_memberships
from jobs.segments.rfm import rfm_memberships
from jobs.segments.scene import scene_memberships
from jobs.segments.schemas import BREAKDOWN_DIMENSIONS, SEGMENT_BREAKDOWN, SEGMENT_MEMBERSHIP
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
    custom rows carry their rule's version. A user without marketing consent on D holds
    no row of a marketing family (privacy.consent)."""
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
    rows = reduce(DataFrame.unionByName, parts)
    consent_gated = gated_families(cfg, FAMILIES)
    return rows.transform(filter_consented(profile, consent_gated)).select(
        *SEGMENT_MEMBERSHIP.columns)


def summary(membership: DataFrame, profile: DataFrame, min_size: int, k: int,
            count_all_users: bool = True) -> DataFrame:
    """Members and share of each segment, k-anonymous: a segment of fewer than k members
    is ``suppressed`` (members and share null). The share's base is every user of the
    profile, or only the consenting ones when ``count_all_users`` is false."""
    base = profile if count_all_users else consenting_users(profile)
    users = base.groupBy("snapshot_date").agg(F.count(F.lit(1)).alias("_users"))
    counts = membership.groupBy("snapshot_date", "family", "segment").agg(
        F.count(F.lit(1)).alias("_members"))
    suppressed = F.col("_members") < F.lit(k)
    return counts.join(users, on="snapshot_date", how="inner").select(
        "snapshot_date", "family", "segment",
        F.when(~suppressed, F.col("_members")).alias("members"),
        F.when(~suppressed, F.col("_members") / F.col("_users")).cast("double").alias("share"),
        (F.col("_members") < F.lit(min_size)).alias("under_min_size"),
        suppressed.alias("suppressed"),
    )


def quasi_identifiers(profile: DataFrame) -> DataFrame:
    """(snapshot_date, user_key) and the breakdown's dimensions as strings, null = 'unknown'."""
    values = {"age_band": F.col("age_band"), "gender": F.col("gender"),
              "city_tier": F.col("city_tier").cast("string"),
              "device_type": F.col("dominant_device")}
    return profile.select("snapshot_date", "user_key", *[
        F.coalesce(values[dim], F.lit("unknown")).alias(dim) for dim in BREAKDOWN_DIMENSIONS])


def breakdown(membership: DataFrame, profile: DataFrame, k: int) -> DataFrame:
    """Members of each segment per quasi-identifier cell, small cells coarsened (k-anonymous)."""
    keys = ["snapshot_date", "family", "segment"]
    cells = membership.join(quasi_identifiers(profile), on=["snapshot_date", "user_key"],
                            how="inner").groupBy(*keys, *BREAKDOWN_DIMENSIONS).agg(
        F.count(F.lit(1)).alias("members"))
    return coarsened(cells, keys, BREAKDOWN_DIMENSIONS, "members", k).select(
        *SEGMENT_BREAKDOWN.columns)

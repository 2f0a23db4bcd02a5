"""Segment overlap of a snapshot: how many members two segments share, and their Jaccard.

A self-join of the membership on (snapshot_date, user_key): per user, every pair of
segments held, each pair once ((family_a, segment_a) < (family_b, segment_b)). Work grows
with the square of the segments a user holds, so conf ``evaluation.overlap_families``
bounds which families take part.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.evaluate.schemas import SEGMENT_OVERLAP

SNAPSHOT_USER = ("snapshot_date", "user_key")


def _side(membership: DataFrame, suffix: str) -> DataFrame:
    return membership.select(*SNAPSHOT_USER, F.col("family").alias(f"family_{suffix}"),
                             F.col("segment").alias(f"segment_{suffix}"))


def segment_overlap(membership: DataFrame, families: Sequence[str]) -> DataFrame:
    """(snapshot_date, family_a, segment_a, family_b, segment_b, members_a, members_b, both,
    jaccard) for every pair of segments with a common member."""
    held = membership.filter(F.col("family").isin(list(families))).select(
        *SNAPSHOT_USER, "family", "segment")
    first = F.struct("family_a", "segment_a") < F.struct("family_b", "segment_b")
    pairs = (_side(held, "a").join(_side(held, "b"), on=list(SNAPSHOT_USER), how="inner")
             .filter(first)
             .groupBy("snapshot_date", "family_a", "segment_a", "family_b", "segment_b")
             .agg(F.count(F.lit(1)).alias("both")))
    sizes = held.groupBy("snapshot_date", "family", "segment").agg(
        F.count(F.lit(1)).alias("members"))
    size_a = sizes.select("snapshot_date", F.col("family").alias("family_a"),
                          F.col("segment").alias("segment_a"),
                          F.col("members").alias("members_a"))
    size_b = sizes.select("snapshot_date", F.col("family").alias("family_b"),
                          F.col("segment").alias("segment_b"),
                          F.col("members").alias("members_b"))
    union = F.col("members_a") + F.col("members_b") - F.col("both")
    return (pairs.join(size_a, on=["snapshot_date", "family_a", "segment_a"], how="inner")
            .join(size_b, on=["snapshot_date", "family_b", "segment_b"], how="inner")
            .withColumn("jaccard", (F.col("both") / union).cast("double"))
            .select(*SEGMENT_OVERLAP.columns))

"""Segment drift: a segment whose size moves by more than a configured share from the
previous published snapshot. Reported by the audit; blocking only when configured."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

DRIFT_COLUMNS = ("family", "segment", "previous_members", "members", "change")


def relative_change(members: Column, previous: Column) -> Column:
    """(members - previous) / previous; null when the segment is new (no previous size)."""
    return (members - previous) / F.when(previous > 0, previous)


def segment_drift(summary: DataFrame, previous: DataFrame, max_share: float,
                  min_members: int) -> DataFrame:
    """Segments of ``summary`` whose size changed by more than ``max_share`` since ``previous``.

    Both frames are one snapshot's summary. A segment that appears or disappears counts as
    drift; segments under ``min_members`` on both snapshots are too small to judge.
    """
    now = summary.select("family", "segment", F.col("members").alias("members"))
    before = previous.select("family", "segment", F.col("members").alias("previous_members"))
    joined = now.join(before, on=["family", "segment"], how="full_outer").na.fill(
        0, subset=["members", "previous_members"])
    change = relative_change(F.col("members"), F.col("previous_members"))
    large_enough = F.greatest("members", "previous_members") >= F.lit(min_members)
    moved = change.isNull() | (F.abs(change) > F.lit(max_share))
    return (joined.withColumn("change", change.cast("double"))
            .filter(large_enough & moved)
            .select(*DRIFT_COLUMNS))

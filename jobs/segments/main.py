"""Segments of a date or a range: staging/segment_membership, staging/segment_summary and
staging/segment_breakdown (published to gold/ by jobs/publish once jobs/audit passed them).

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/segments/main.py \
        --run-date 2026-06-30 [--env local] [--families behaviour,rfm]

Reads staging/user_profile of each date; every family module turns it into membership
rows (none of a marketing family for a user without consent on D); the summary counts
them and the breakdown counts them per quasi-identifier cell, both k-anonymous. The
tables are replaced per snapshot date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, staged
from jobs.common.errors import SegmentationError
from jobs.profile.schemas import USER_PROFILE
from jobs.segments.schemas import SEGMENT_BREAKDOWN, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.segments.transforms import BUILT_IN, all_memberships, breakdown, summary


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str,
        families: Sequence[str] = tuple(BUILT_IN)) -> None:
    root = cfg.lakehouse_root
    min_size = int(cfg.get("segments.min_segment_size"))
    k = int(cfg.get("privacy.k_anonymity.k"))
    count_all_users = bool(cfg.get("privacy.consent.count_in_aggregates"))
    day = first
    while day <= last:
        profile = read_table(spark, staged(USER_PROFILE), root).filter(
            F.col("snapshot_date") == day)
        condition = f"snapshot_date = DATE'{day}'"
        listed = ", ".join(f"'{f}'" for f in families)
        replace_where(all_memberships(profile, cfg, tuple(families)),
                      staged(SEGMENT_MEMBERSHIP), root,
                      f"{condition} AND family IN ({listed})", run_id)
        membership = read_table(spark, staged(SEGMENT_MEMBERSHIP), root).filter(
            F.col("snapshot_date") == day).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            replace_where(summary(membership, profile, min_size, k, count_all_users),
                          staged(SEGMENT_SUMMARY), root, condition, run_id)
            replace_where(breakdown(membership, profile, k), staged(SEGMENT_BREAKDOWN), root,
                          condition, run_id)
        finally:
            membership.unpersist()
        day += dt.timedelta(days=1)


def parse_families(text: str) -> tuple[str, ...]:
    names = tuple(f.strip() for f in text.split(",") if f.strip())
    unknown = sorted(set(names) - set(BUILT_IN))
    if unknown:
        raise SegmentationError(f"unknown famil{'ies' if len(unknown) > 1 else 'y'} "
                                f"{', '.join(unknown)}; known: {', '.join(BUILT_IN)}")
    return names


def add_families_option(parser: argparse.ArgumentParser) -> None:
    """``--families``: this stage's option, also taken by jobs/pipeline."""
    parser.add_argument("--families", default=",".join(BUILT_IN),
                        help="comma-separated segment families (default: all)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Compute segment membership and summary from the profile.")
    add_families_option(parser)
    args = parser.parse_args(argv)
    cli.run_stage("segments", run, args, parse_families(args.families))


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

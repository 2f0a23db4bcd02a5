"""Social graph features for a date or a range: silver/user_social and gold/group_overlap.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/social/main.py \
        --run-date 2026-06-30 [--env local]

Per snapshot D, from the relations and group memberships landed by D: degrees and
mutual friends (a self-join of the edges), common friends between friends (mutual edges
joined on the shared friend, each user's fan-out capped at segments.social.max_degree),
tight circles (connected components of friend pairs sharing more than
tight_circle_min_common friends, by label propagation) and the group pairs whose
Jaccard overlap reaches group_overlap_min_jaccard. Both tables are replaced for D; a
lakehouse without relations or group members gets empty partitions.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, table_exists
from jobs.silver.schemas import SILVER_GROUP_MEMBERS, SILVER_RELATIONS
from jobs.social.graph import connected_components
from jobs.social.schemas import GROUP_OVERLAP, USER_SOCIAL
from jobs.social.transforms import (
    circle_friend_counts,
    circle_pairs,
    common_friends,
    degrees,
    edges_as_of,
    group_overlap,
    memberships_as_of,
    mutual_edges,
    user_social,
)

KEY = "segments.social"


def social_features(edges: DataFrame, mutual: DataFrame, cfg: Config,
                    snapshot: dt.date) -> DataFrame:
    """silver/user_social rows of D (runs the label propagation: a few Spark jobs)."""
    max_degree = int(cfg.get(f"{KEY}.max_degree"))
    pairs = circle_pairs(common_friends(mutual, max_degree),
                         int(cfg.get(f"{KEY}.tight_circle_min_common"))).localCheckpoint()
    components, rounds, converged = connected_components(
        pairs, int(cfg.get(f"{KEY}.max_iterations")))
    print(f"social {snapshot}: tight circles after {rounds} round(s)"
          f"{'' if converged else ' (max_iterations reached: not converged)'}", flush=True)
    return user_social(degrees(edges, mutual, max_degree), circle_friend_counts(pairs),
                       components, snapshot)


def write_user_social(spark: SparkSession, cfg: Config, day: dt.date, run_id: str) -> None:
    root = cfg.lakehouse_root
    where = f"snapshot_date = DATE'{day}'"
    if not table_exists(spark, SILVER_RELATIONS, root):
        replace_where(spark.createDataFrame([], USER_SOCIAL.schema), USER_SOCIAL, root, where,
                      run_id)
        return
    edges = edges_as_of(read_table(spark, SILVER_RELATIONS, root), day).persist(
        StorageLevel.MEMORY_AND_DISK)
    mutual = mutual_edges(edges).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        replace_where(social_features(edges, mutual, cfg, day), USER_SOCIAL, root, where,
                      run_id)
    finally:
        mutual.unpersist()
        edges.unpersist()


def write_group_overlap(spark: SparkSession, cfg: Config, day: dt.date, run_id: str) -> None:
    root = cfg.lakehouse_root
    if table_exists(spark, SILVER_GROUP_MEMBERS, root):
        members = memberships_as_of(read_table(spark, SILVER_GROUP_MEMBERS, root), day)
        overlap = group_overlap(members, float(cfg.get(f"{KEY}.group_overlap_min_jaccard")),
                                day)
    else:
        overlap = spark.createDataFrame([], GROUP_OVERLAP.schema)
    replace_where(overlap, GROUP_OVERLAP, root, f"snapshot_date = DATE'{day}'", run_id)


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    day = first
    while day <= last:
        write_user_social(spark, cfg, day, run_id)
        write_group_overlap(spark, cfg, day, run_id)
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Compute social graph features and the group-pair table.") \
        .parse_args(argv)
    cli.run_stage("social", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

"""Automatic discovery for a date or a range: k-means clusters of the published profile.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/discover/main.py \
        --run-date 2026-06-30 [--env local]

Reads gold/user_profile of D, fits the pipeline (assembler, scaler, k-means with the conf
seed), saves it under <root>/models/kmeans/snapshot_date=D (overwritten on a re-run) and
replaces D in gold/discovered_clusters and gold/cluster_membership. A snapshot with fewer
users than k is skipped.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, table_exists
from jobs.common.errors import InputError
from jobs.discover.schemas import CLUSTER_MEMBERSHIP, DISCOVERED_CLUSTERS
from jobs.discover.transforms import check_features, discover, feature_frame
from jobs.profile.schemas import USER_PROFILE


def model_path(root: str, snapshot: dt.date) -> str:
    return f"{root.rstrip('/')}/models/kmeans/snapshot_date={snapshot}"


def discover_day(spark: SparkSession, cfg: Config, day: dt.date, run_id: str) -> bool:
    """Clusters of one snapshot; False when it has fewer users than k."""
    root = cfg.lakehouse_root
    features = list(cfg.get("discovery.features"))
    profile = read_table(spark, USER_PROFILE, root).filter(F.col("snapshot_date") == day)
    frame = feature_frame(profile, features).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        users = frame.count()
        if users < int(cfg.get("discovery.k")):
            print(f"discover: {users} users on {day}, fewer than k: skipped", flush=True)
            return False
        model, assigned, clusters = discover(frame, cfg, day)
        model.write().overwrite().save(model_path(root, day))
        condition = f"snapshot_date = DATE'{day}'"
        replace_where(assigned, CLUSTER_MEMBERSHIP, root, condition, run_id)
        replace_where(clusters, DISCOVERED_CLUSTERS, root, condition, run_id)
        for row in clusters.orderBy("cluster").collect():  # k rows
            print(f"discover {day}: cluster {row['cluster']} {row['members']} users "
                  f"({row['share']:.1%}): {row['description']}", flush=True)
        return True
    finally:
        frame.unpersist()


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    check_features(list(cfg.get("discovery.features")))
    if not table_exists(spark, USER_PROFILE, cfg.lakehouse_root):
        raise InputError(f"{USER_PROFILE.path(cfg.lakehouse_root)} does not exist: run the "
                         "profile (and publish) first")
    day = first
    while day <= last:
        discover_day(spark, cfg, day, run_id)
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Discover k-means clusters of the profile.").parse_args(argv)
    cli.run_stage("discover", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

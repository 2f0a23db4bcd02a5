"""User profile snapshots for a date or a range: staging/user_profile, one partition per date
(published to gold/user_profile by jobs/publish once jobs/audit passed it).

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/profile/main.py \
        --run-date 2026-06-30 [--env local]

Reads the rollup rows as of D (never raw events), the lifetime state of D, the silver
users and the marketing consent in force on D (silver/user_consent); each segment family
then derives its columns (stage, scores, bands).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, staged, table_exists
from jobs.common.errors import InputError
from jobs.profile.features import with_stage_features
from jobs.profile.schemas import USER_PROFILE
from jobs.profile.transforms import base_profile
from jobs.profile.windows import daily_rows_as_of
from jobs.rollup.schemas import USER_DAILY, USER_DAILY_INCREMENTS
from jobs.segments.attributes import with_attributes_columns
from jobs.segments.behaviour import with_behaviour_columns
from jobs.segments.consumption import with_consumption_columns
from jobs.segments.lifecycle import with_lifecycle_columns
from jobs.segments.rfm import with_rfm_columns
from jobs.segments.scene import with_scene_columns
from jobs.segments.social import with_social_columns
from jobs.silver.schemas import SILVER_USER_CONSENT, SILVER_USERS
from jobs.state.schemas import USER_STATE

FAMILY_COLUMNS = (with_attributes_columns, with_behaviour_columns, with_scene_columns,
                  with_consumption_columns, with_rfm_columns, with_lifecycle_columns,
                  with_social_columns)


def extract(spark: SparkSession, cfg: Config, snapshot: dt.date) -> dict[str, DataFrame]:
    root = cfg.lakehouse_root
    for spec in (SILVER_USERS, SILVER_USER_CONSENT, USER_DAILY, USER_DAILY_INCREMENTS,
                 USER_STATE):
        if not table_exists(spark, spec, root):
            raise InputError(f"{spec.path(root)} does not exist: run the earlier stages first")
    state = read_table(spark, USER_STATE, root).filter(F.col("state_date") == snapshot)
    if not state.limit(1).count():
        raise InputError(f"no lifetime state for {snapshot}: run jobs/state for that date first")
    state = with_stage_features(spark, cfg, snapshot)(state)   # social, interest, predict
    rows = daily_rows_as_of(read_table(spark, USER_DAILY, root),
                            read_table(spark, USER_DAILY_INCREMENTS, root), snapshot,
                            int(cfg.get("ingest.max_late_days")))
    return {"users": read_table(spark, SILVER_USERS, root),
            "consent": read_table(spark, SILVER_USER_CONSENT, root), "state": state, "rows": rows}


def with_family_columns(base: DataFrame, cfg: Config) -> DataFrame:
    """Every family's derived columns on the base features, then the table's contract."""
    profile = base
    for with_columns in FAMILY_COLUMNS:
        profile = profile.transform(with_columns(cfg))
    return profile.select(*USER_PROFILE.columns)


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    day = first
    while day <= last:
        inputs = extract(spark, cfg, day)
        # Families aggregate over the base (quintiles, the LTV benchmark): compute it once.
        base = base_profile(inputs["users"], inputs["consent"], inputs["state"], inputs["rows"],
                            day).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            replace_where(with_family_columns(base, cfg), staged(USER_PROFILE),
                          cfg.lakehouse_root, f"snapshot_date = DATE'{day}'", run_id)
        finally:
            base.unpersist()
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Build the user profile snapshot(s).").parse_args(argv)
    cli.run_stage("profile", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

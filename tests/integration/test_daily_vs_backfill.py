"""The T+1 run day by day and a backfill of the same range give the same gold, row for row;
re-running a date changes nothing."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from jobs.common.delta import read_table
from jobs.demo.main import earliest_landing_date
from jobs.pipeline import main as pipeline
from jobs.profile.schemas import USER_PROFILE
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.schemas import SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.state.schemas import USER_STATE
from tests.integration.conftest import SNAPSHOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]
# Every stage up to publication: the compared tables are final there. The stages after it
# (rules, evaluate, discover) read the published gold and are tested on their own.
TO_PUBLISH = tuple(pipeline.STAGES)[:tuple(pipeline.STAGES).index("publish") + 1]
FIRST = SNAPSHOT - dt.timedelta(days=1)
COMPARED = (USER_PROFILE, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY, USER_STATE, USER_DAILY)


def snapshot_of(spark, spec, root: str):
    table = read_table(spark, spec, root)
    for column in ("snapshot_date", "state_date"):
        if column in table.columns:
            return table.filter(F.col(column) == SNAPSHOT)
    return table


def test_daily_runs_equal_a_backfill_and_a_rerun_changes_nothing(spark, lakehouse):
    daily_root = lakehouse.lakehouse_root
    before = FIRST - dt.timedelta(days=1)
    history_start = earliest_landing_date(spark, daily_root, FIRST)
    pipeline.run(spark, lakehouse, history_start, before, "history",
                 ("ingest", "silver", "rollup"))
    backfill_root = str(Path(daily_root).parent / "backfill")
    shutil.copytree(daily_root, backfill_root)
    backfill = lakehouse.with_overrides({"lakehouse.root": backfill_root})

    day = FIRST
    while day <= SNAPSHOT:
        pipeline.run(spark, lakehouse, day, day, f"daily-{day}", TO_PUBLISH)
        day += dt.timedelta(days=1)
    pipeline.run(spark, backfill, FIRST, SNAPSHOT, "backfill", TO_PUBLISH)

    members = snapshot_of(spark, SEGMENT_MEMBERSHIP, daily_root)
    families = {r["family"] for r in members.select("family").distinct().collect()}
    assert families >= {"behaviour", "attributes", "consumption", "rfm", "lifecycle", "scene"}
    for spec in COMPARED:
        assert_df_equality(snapshot_of(spark, spec, daily_root),
                           snapshot_of(spark, spec, backfill_root),
                           ignore_row_order=True, ignore_nullable=True)

    published = {spec.name: snapshot_of(spark, spec, daily_root).collect()
                 for spec in COMPARED}  # a few hundred users: small
    pipeline.run(spark, lakehouse, SNAPSHOT, SNAPSHOT, f"daily-{SNAPSHOT}", TO_PUBLISH)
    for spec in COMPARED:
        rerun = snapshot_of(spark, spec, daily_root)
        assert_df_equality(rerun, spark.createDataFrame(published[spec.name], rerun.schema),
                           ignore_row_order=True, ignore_nullable=True)

"""The T+1 run day by day and a backfill of the same range give the same tables, row for
row. The daily side is the published world (tests/worlds.py: the history up to D-2, then
the T+1 runs of D-1 and of D); the backfill runs D-1..D in one application on a copy of
the same history, up to publication: every compared table is final once gold is
published (rules, evaluate, discover and compaction read gold and write their own tables;
they are tested on their own). That a re-run of a published date changes nothing is
asserted where the date is re-run on the standalone cluster (tests/cluster)."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from jobs.common.delta import read_table
from jobs.pipeline import main as pipeline
from jobs.profile.schemas import USER_PROFILE
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.schemas import SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.state.schemas import USER_STATE
from tests.worlds import DAY_BEFORE, SNAPSHOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]
COMPARED = (USER_PROFILE, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY, USER_STATE, USER_DAILY)
TO_PUBLISH = tuple(pipeline.STAGES)[:tuple(pipeline.STAGES).index("publish") + 1]


def snapshot_of(spark, spec, root: str):
    table = read_table(spark, spec, root)
    for column in ("snapshot_date", "state_date"):
        if column in table.columns:
            return table.filter(F.col(column) == SNAPSHOT)
    return table


def test_daily_runs_equal_a_backfill_of_the_range(spark, history, worlds):
    backfill_root = history.lakehouse_root
    pipeline.run(spark, history, DAY_BEFORE, SNAPSHOT, "backfill", TO_PUBLISH)  # both days
    daily_root = str(worlds.root("published"))

    members = snapshot_of(spark, SEGMENT_MEMBERSHIP, daily_root)
    families = {r["family"] for r in members.select("family").distinct().collect()}
    assert families >= {"behaviour", "attributes", "consumption", "rfm", "lifecycle", "scene"}
    for spec in COMPARED:
        assert_df_equality(snapshot_of(spark, spec, daily_root),
                           snapshot_of(spark, spec, backfill_root),
                           ignore_row_order=True, ignore_nullable=True)

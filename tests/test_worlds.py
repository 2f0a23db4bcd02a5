"""The shared worlds (tests/worlds.py) hold what their recipes say. This file goes first in
its tier (tests/conftest.py), so one worker builds the worlds while the other runs the
tests that need none. The stage tier needs only the ingested world; the history and the
published worlds are built, and checked, in the e2e tier that reads them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from jobs.common.delta import read_table
from jobs.evaluate.schemas import SEGMENT_HISTORY
from jobs.ingest.schemas import BRONZE_TABLES, INGEST_LOG_TABLE
from jobs.quality.schemas import AUDIT_LOG, VALIDATION_RESULTS
from jobs.quality.targets import GOLD_TABLES
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.schemas import SEGMENT_SUMMARY
from jobs.silver.schemas import SILVER_EVENTS
from tests.worlds import DAY_BEFORE, SNAPSHOT

LAST_OF_HISTORY = DAY_BEFORE - dt.timedelta(days=1)
# A test here builds its world and the ones below it (published: two T+1 runs, every stage,
# 632 s in a CI run and over 900 s on a slower day): the time it may take is the
# builds', as for the other tests that start from a deep world.
BUILDS = pytest.mark.timeout(2400)


def dates(frame, column: str) -> set[dt.date]:
    return {r[0] for r in frame.select(column).distinct().collect()}  # a few dozen dates


@pytest.mark.stage
@BUILDS
def test_the_ingested_world_holds_every_landing_date_up_to_d_minus_2(spark, worlds):
    root = str(worlds.root("ingested"))
    landing = {dt.date.fromisoformat(p.name.split("=", 1)[1])
               for p in Path(root, "landing").glob("*/ingest_date=*")}
    expected = {d for d in landing if d <= LAST_OF_HISTORY}
    assert dates(read_table(spark, INGEST_LOG_TABLE, root), "ingest_date") == expected
    assert max(dates(read_table(spark, BRONZE_TABLES["events"], root), "ingest_date")) == (
        LAST_OF_HISTORY)
    assert not Path(root, "silver").exists()


@pytest.mark.e2e
@BUILDS
def test_the_history_world_holds_every_landing_date_up_to_d_minus_2(spark, worlds):
    root = str(worlds.root("history"))
    assert max(dates(read_table(spark, SILVER_EVENTS, root), "ingest_date")) == LAST_OF_HISTORY
    assert max(dates(read_table(spark, USER_DAILY, root), "activity_date")) == LAST_OF_HISTORY
    results = read_table(spark, VALIDATION_RESULTS, root)
    assert dates(results, "table_name") == {"bronze/events", "bronze/orders", "bronze/users"}
    assert results.filter(~F.col("success") & (F.col("severity") == "critical")).count() == 0


@pytest.mark.e2e
@BUILDS
def test_the_published_world_ran_every_stage_of_d_minus_1_and_d(spark, worlds):
    root = worlds.root("published")
    verdicts = read_table(spark, AUDIT_LOG, str(root)).filter("passed")
    assert sorted((r["snapshot_date"], r["table_name"]) for r in verdicts.collect()) == sorted(
        (day, spec.name) for day in (DAY_BEFORE, SNAPSHOT) for spec in GOLD_TABLES)
    summary = read_table(spark, SEGMENT_SUMMARY, str(root))
    assert dates(summary, "snapshot_date") == {DAY_BEFORE, SNAPSHOT}
    history = read_table(spark, SEGMENT_HISTORY, str(root))     # evaluate ran on both days
    assert min(dates(history, "entered_date")) == DAY_BEFORE
    assert max(dates(history, "last_seen_date")) == SNAPSHOT
    assert (root / "models" / "lda" / "2026-06-29").is_dir()    # Monday D-1's topic model
    assert (root / "models" / "kmeans" / f"snapshot_date={SNAPSHOT}").is_dir()

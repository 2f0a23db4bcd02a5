"""The moving states on real pipeline runs (a copy of the published world, tests/worlds.py):
the T+1 run of D moved the window and purchase states of D-1; the profile and predictions
it made equal a ``--full-refresh`` of D row for row; a rollup re-run drops the states that
could have counted a rewritten day, and the next run rebuilds them cold."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from jobs.common.delta import read_table, staged
from jobs.interest import main as interest
from jobs.interest.schemas import USER_CATEGORY_STATE, USER_INTEREST
from jobs.interest.window_state import cold_categories
from jobs.predict import main as predict
from jobs.predict.schemas import USER_PREDICTED_VALUE, USER_PURCHASE_STATE
from jobs.predict.transforms import cold_purchases
from jobs.profile import main as profile
from jobs.profile.schemas import USER_PROFILE, USER_WINDOW_STATE
from jobs.profile.window_state import cold_state
from jobs.profile.windows import final_rows
from jobs.rollup import main as rollup
from jobs.rollup.schemas import USER_CATEGORY_DAILY, USER_DAILY
from tests.worlds import DAY_BEFORE, SNAPSHOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def assert_same_rows(actual, expected, what: str) -> None:
    extra, missing = actual.exceptAll(expected).count(), expected.exceptAll(actual).count()
    assert (extra, missing) == (0, 0), f"{what}: {extra} rows only in the first, {missing} " \
                                       "only in the second"


def test_moved_states_equal_a_full_refresh(spark, published):
    cfg, root = published, published.lakehouse_root
    states = read_table(spark, USER_WINDOW_STATE, root)
    assert {r["state_date"] for r in states.select("state_date").distinct().collect()} == {
        DAY_BEFORE, SNAPSHOT}   # D-1 built cold (the first profile), D moved from it
    late = int(cfg.get("ingest.max_late_days"))
    moved = states.filter(F.col("state_date") == SNAPSHOT).drop("state_date")
    cold = cold_state(final_rows(read_table(spark, USER_DAILY, root), SNAPSHOT, late), SNAPSHOT,
                      late)
    with profile.without_constraint_propagation(spark):
        assert_same_rows(moved, cold, "state of D moved from D-1 vs built cold")
    assert moved.count() > 100

    categories = read_table(spark, USER_CATEGORY_STATE, root)
    assert {r["state_date"] for r in categories.select("state_date").distinct().collect()} == {
        DAY_BEFORE, SNAPSHOT}
    window, explicit = (int(cfg.get(f"segments.interest.{k}")) for k in (
        "window_days", "explicit_window_days"))
    assert_same_rows(categories.filter(F.col("state_date") == SNAPSHOT).drop("state_date"),
                     cold_categories(read_table(spark, USER_CATEGORY_DAILY, root), SNAPSHOT,
                                     window, explicit, late), "category state of D: moved vs cold")
    interests = read_table(spark, USER_INTEREST, root).filter(
        F.col("snapshot_date") == SNAPSHOT).localCheckpoint()
    assert interests.filter(F.size("implicit_interests") > 0).count() > 0
    interest.run(spark, cfg, SNAPSHOT, SNAPSHOT, "test:full-refresh", full_refresh=True)
    assert_same_rows(interests, read_table(spark, USER_INTEREST, root).filter(
        F.col("snapshot_date") == SNAPSHOT), "interests of D: moved vs --full-refresh")

    purchases = read_table(spark, USER_PURCHASE_STATE, root)
    assert {r["state_date"] for r in purchases.select("state_date").distinct().collect()} == {
        DAY_BEFORE, SNAPSHOT}
    daily = read_table(spark, USER_DAILY, root)
    assert_same_rows(purchases.filter(F.col("state_date") == SNAPSHOT).drop("state_date"),
                     cold_purchases(daily, SNAPSHOT, late), "purchase state of D: moved vs cold")
    predicted = read_table(spark, USER_PREDICTED_VALUE, root).filter(
        F.col("snapshot_date") == SNAPSHOT).localCheckpoint()
    assert predicted.count() > 50
    predict.run(spark, cfg, SNAPSHOT, SNAPSHOT, "test:full-refresh", full_refresh=True)
    assert_same_rows(predicted, read_table(spark, USER_PREDICTED_VALUE, root).filter(
        F.col("snapshot_date") == SNAPSHOT), "predictions of D: moved vs --full-refresh")

    incremental = read_table(spark, staged(USER_PROFILE), root).filter(
        F.col("snapshot_date") == SNAPSHOT).localCheckpoint()
    profile.run(spark, cfg, SNAPSHOT, SNAPSHOT, "test:full-refresh", full_refresh=True)
    full = read_table(spark, staged(USER_PROFILE), root).filter(
        F.col("snapshot_date") == SNAPSHOT)
    assert_same_rows(incremental, full, "staged profile of D: incremental vs --full-refresh")
    assert incremental.filter(F.col("rfm_frequency") > 0).count() > 0

    # A re-run of the rollup of D-1 rewrites activity dates D-1-L .. D-1: the states of D-1
    # and D may have counted them final, so they go; the profile of D rebuilds it cold.
    rollup.run(spark, cfg, DAY_BEFORE, DAY_BEFORE, "test:rollup-again")
    for spec in (USER_WINDOW_STATE, USER_PURCHASE_STATE, USER_CATEGORY_STATE):
        left = read_table(spark, spec, root).select("state_date").distinct()
        assert [r["state_date"] for r in left.collect()] == [], spec.name
    profile.run(spark, cfg, SNAPSHOT, SNAPSHOT, "test:after-rollup")
    again = read_table(spark, staged(USER_PROFILE), root).filter(
        F.col("snapshot_date") == SNAPSHOT)
    assert_same_rows(again, incremental, "profile of D rebuilt cold after the rollup re-run")

"""Thirty daily runs in a row equal a full recompute of the last day, row for row.

On a copy of the history world (every landing date up to D-2 loaded, late events among
them: a share lands one to three days after its own date), the moving states advance one
day at a time from 2026-05-30 to 2026-06-28: silver/user_state, user_window_state,
user_category_state and user_purchase_state, each written from the day before's. On the
tenth day a user is erased, on the twentieth every pseudonym moves to a new key; the
chain goes on through both. The last day runs the stages that read the states (social,
interest, predict, profile, segments), then again with ``--full-refresh`` (every window
scanned from the rollup, the states rebuilt cold), and every table either run writes
for that day is the same, ``exceptAll`` both ways.

Only the moving parts run on the days in between: a stage's output of one day is read
by no later day (each reads the states and the rollup), so the outputs of the last day
are what thirty days of moves can have made wrong. A re-run of the rollup then drops the
states that counted a day it rewrote, and the profile rebuilds them cold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.delta import read_table, staged
from jobs.erasure import main as erasure
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.interest import main as interest
from jobs.interest.schemas import INTEREST_TOPICS, USER_CATEGORY_STATE, USER_INTEREST
from jobs.pipeline import main as pipeline
from jobs.predict import main as predict
from jobs.predict.schemas import PREDICTED_VALUE_MODEL, USER_PREDICTED_VALUE, USER_PURCHASE_STATE
from jobs.profile import main as profile
from jobs.profile.schemas import USER_PROFILE, USER_WINDOW_STATE
from jobs.rollup import main as rollup
from jobs.rollup.schemas import USER_DAILY, USER_DAILY_INCREMENTS
from jobs.rotate import main as rotate
from jobs.segments.schemas import SEGMENT_BREAKDOWN, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.social.schemas import GROUP_OVERLAP, USER_SOCIAL
from jobs.state import main as state
from jobs.state.schemas import USER_STATE
from jobs.state.transforms import next_state
from tests.worlds import DAY_BEFORE, KEY_HEX

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2400)]

LAST = DAY_BEFORE - dt.timedelta(days=1)      # the history world's last landing date
DAYS = 30
FIRST = LAST - dt.timedelta(days=DAYS - 1)
ERASED_ON, ROTATED_ON = FIRST + dt.timedelta(days=9), FIRST + dt.timedelta(days=19)
NEW_HEX = "c3" * 32
STATES = (USER_WINDOW_STATE, USER_CATEGORY_STATE, USER_PURCHASE_STATE)
# Every table the stages that read the states write for the last day.
OUTPUTS = (USER_STATE, *STATES, USER_SOCIAL, GROUP_OVERLAP, USER_INTEREST, INTEREST_TOPICS,
           USER_PREDICTED_VALUE, PREDICTED_VALUE_MODEL, staged(USER_PROFILE),
           staged(SEGMENT_MEMBERSHIP), staged(SEGMENT_SUMMARY), staged(SEGMENT_BREAKDOWN))
LAST_DAY_STAGES = ("state", "social", "interest", "predict", "profile", "segments")


def of_day(spark, spec, root: str, day: dt.date) -> DataFrame:
    """The rows of ``day``; the whole table when it is not kept by date (interest topics:
    by model version)."""
    table = read_table(spark, spec, root)
    for column in ("state_date", "snapshot_date"):
        if column in table.columns:
            return table.filter(F.col(column) == day)
    return table


def name(spec) -> str:
    return f"{spec.layer}/{spec.name}"


def comparable(rows: DataFrame) -> DataFrame:
    """Map columns as their sorted entries: set operations take no maps."""
    return rows.select(*[F.array_sort(F.map_entries(f.name)).alias(f.name)
                         if isinstance(f.dataType, T.MapType) else F.col(f.name)
                         for f in rows.schema.fields])


def assert_same_rows(actual: DataFrame, expected: DataFrame, what: str) -> None:
    actual, expected = comparable(actual), comparable(expected)
    extra, missing = actual.exceptAll(expected).count(), expected.exceptAll(actual).count()
    assert (extra, missing) == (0, 0), f"{what}: {extra} rows only in the incremental run, " \
                                       f"{missing} only in the full recompute"


def move_states(spark, cfg, day: dt.date) -> None:
    """The moving part of the daily run of ``day``: each state from the day before's."""
    run_id = f"daily-{day}"
    state.run(spark, cfg, day, day, f"{run_id}:state")
    profile.window_state(spark, cfg, day, f"{run_id}:profile")
    interest.rows_of(spark, cfg, day, f"{run_id}:interest")        # writes the state
    predict.purchases_of(spark, cfg, day, f"{run_id}:predict")     # writes the state


def pseudonym(key_hex: str, user_id: str) -> str:
    return hmac.new(bytes.fromhex(key_hex), user_id.encode(), hashlib.sha256).hexdigest()


def a_repeat_customer(spark, root: str) -> tuple[str, str]:
    """(user id, key) of a user with purchase days before and after the erasure."""
    daily = read_table(spark, USER_DAILY, root).filter(F.col("paid_orders") > 0)
    keys = {r["user_key"] for r in daily.groupBy("user_key").agg(
        F.min("activity_date").alias("first"), F.max("activity_date").alias("last")).filter(
        (F.col("first") < ERASED_ON - dt.timedelta(days=7)) & (F.col("last") > ERASED_ON)
    ).collect()}                                        # the world's 300 users at most
    ids = [r["user_id"] for r in read_table(spark, BRONZE_TABLES["users"], root).select(
        "user_id").distinct().collect()]
    key_of = {pseudonym(KEY_HEX, i): i for i in ids}
    user_key = min(keys & key_of.keys())
    return key_of[user_key], user_key


def test_thirty_daily_runs_equal_a_full_recompute(spark, history, tmp_path, monkeypatch):
    cfg, root = history, history.lakehouse_root
    increments = read_table(spark, USER_DAILY_INCREMENTS, root)
    late = increments.filter((F.col("ingest_date") > F.col("activity_date"))
                             & F.col("activity_date").between(FIRST, LAST))
    assert late.count() > 10, "the chain should see late records"

    user_id, user_key = a_repeat_customer(spark, root)
    ids_file = tmp_path / "erase.txt"
    ids_file.write_text(user_id + "\n", encoding="utf-8")
    for offset in range(DAYS - 1):
        day = FIRST + dt.timedelta(days=offset)
        if day == ERASED_ON:
            erasure.run(spark, cfg, day, day, f"erasure-{day}", str(ids_file), "request-30")
            for spec in (USER_STATE, *STATES):
                assert read_table(spark, spec, root).filter(
                    F.col("user_key") == user_key).count() == 0, spec.name
        if day == ROTATED_ON:
            monkeypatch.setenv("SEG_PSEUDONYM_KEY_NEW", NEW_HEX)
            rotate.run(spark, cfg, day, day, f"rotate-{day}")
            monkeypatch.setenv("SEG_PSEUDONYM_KEY", NEW_HEX)
            monkeypatch.delenv("SEG_PSEUDONYM_KEY_NEW")
        move_states(spark, cfg, day)

    pipeline.run(spark, cfg, LAST, LAST, f"daily-{LAST}", LAST_DAY_STAGES)
    # Every state of the last day was moved (its day before is there, none was built
    # cold), and each table keeps D's state and the windows.state_keep_days before it only.
    keep = int(cfg.get("windows.state_keep_days"))
    kept = {LAST - dt.timedelta(days=n) for n in range(keep + 1)}
    for spec in STATES:
        dates = {r[0] for r in read_table(spark, spec, root).select("state_date").distinct()
                 .collect()}
        assert dates == kept, (spec.name, sorted(dates))
    incremental = {name(spec): of_day(spark, spec, root, LAST).localCheckpoint()
                   for spec in OUTPUTS}
    assert incremental["silver/user_predicted_value"].count() > 50
    assert incremental["staging/user_profile"].filter(F.col("rfm_frequency") > 0).count() > 0
    assert incremental["silver/user_interest"].filter(
        F.size("implicit_interests") > 0).count() > 0

    # The full recompute of the last day: the lifetime state from every increment landed,
    # the windows scanned (and the window states rebuilt cold), then the segments again.
    cold = next_state(None, read_table(spark, USER_DAILY_INCREMENTS, root).filter(
        F.col("ingest_date") <= LAST), LAST)
    moved = incremental[name(USER_STATE)].drop("state_date")
    assert_same_rows(moved, cold.select(*moved.columns), name(USER_STATE))
    for job in (interest, predict, profile):
        job.run(spark, cfg, LAST, LAST, f"full-{LAST}", full_refresh=True)
    pipeline.run(spark, cfg, LAST, LAST, f"full-{LAST}", ("social", "segments"))
    for spec in OUTPUTS[1:]:
        assert_same_rows(incremental[name(spec)], of_day(spark, spec, root, LAST), name(spec))
    erased_now = pseudonym(NEW_HEX, user_id)   # the erased user under the key of today
    for table, rows in incremental.items():
        if "user_key" in rows.columns:
            assert rows.filter(F.col("user_key").isin(user_key, erased_now)).count() == 0, table

    # A re-run of the rollup of the last landing date rewrites activity dates LAST-L..LAST:
    # the states that may have counted them final go, and the profile rebuilds them cold.
    rollup.run(spark, cfg, LAST, LAST, "rollup-again")
    for spec in STATES:
        assert of_day(spark, spec, root, LAST).count() == 0, spec.name
    profile.run(spark, cfg, LAST, LAST, "after-rollup")
    assert_same_rows(incremental["staging/user_profile"],
                     of_day(spark, staged(USER_PROFILE), root, LAST),
                     "profile rebuilt cold after the rollup re-run")

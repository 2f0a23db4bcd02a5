"""The history answers "members of S on D" as the daily snapshots do, and its events are
the day-over-day differences; re-running a date gives the same history."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.delta import read_table, replace_where
from jobs.common.errors import InputError
from jobs.evaluate.history import next_history
from jobs.evaluate.main import update_history
from jobs.evaluate.schemas import SEGMENT_EVENTS, SEGMENT_HISTORY
from jobs.segments.schemas import SEGMENT_MEMBERSHIP

DAYS = [dt.date(2026, 6, 26) + dt.timedelta(days=i) for i in range(5)]
# Per day: (user, family, segment) held. ann stays, bob leaves and comes back, cat joins
# late, dan holds two segments then one, eve is in nothing on day 3 (a user absent).
HELD = {
    DAYS[0]: [("ann", "rfm", "loyal"), ("bob", "rfm", "loyal"), ("dan", "scene", "lunch"),
              ("dan", "custom", "vip"), ("eve", "rfm", "lost")],
    DAYS[1]: [("ann", "rfm", "loyal"), ("dan", "scene", "lunch"), ("eve", "rfm", "lost")],
    DAYS[2]: [("ann", "rfm", "loyal"), ("bob", "rfm", "loyal"), ("cat", "custom", "vip"),
              ("dan", "scene", "lunch")],
    DAYS[3]: [("ann", "rfm", "loyal"), ("bob", "rfm", "loyal"), ("cat", "custom", "vip"),
              ("dan", "custom", "vip"), ("eve", "rfm", "lost")],
    DAYS[4]: [("ann", "rfm", "loyal"), ("cat", "custom", "vip"), ("eve", "rfm", "lost"),
              ("eve", "rfm", "loyal")],
}
KEY = T.StructType([T.StructField(c, T.StringType()) for c in ("user_key", "family",
                                                               "segment")])
EVENT = T.StructType([T.StructField("event_date", T.DateType()), *KEY.fields,
                      T.StructField("event", T.StringType())])


DAY = T.StructType([T.StructField("day", T.DateType()), *KEY.fields])


def snapshot(spark, day):
    return spark.createDataFrame(HELD[day], KEY)


def snapshots(spark):
    """(day, user_key, family, segment) of every daily snapshot."""
    return spark.createDataFrame([(day, *k) for day in DAYS for k in HELD[day]], DAY)


def members_each_day(spark, history):
    """What the history says was held on each day of the run: one query for all days."""
    days = spark.createDataFrame([(day,) for day in DAYS], "day date")
    held = (F.col("entered_date") <= F.col("day")) & (F.col("day") <= F.col("last_seen_date"))
    return history.join(days, on=held, how="inner").select("day", *KEY.fieldNames())


def expected_events(spark):
    """Day-over-day differences of the snapshots (the first day: everybody enters)."""
    rows = []
    for day in DAYS:
        today = set(HELD[day])
        before = set(HELD.get(day - dt.timedelta(days=1), []))
        rows += ([(day, *k, "entered") for k in today - before]
                 + [(day, *k, "exited") for k in before - today])
    return spark.createDataFrame(rows, EVENT)


def assert_same(got, want):
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True,
                       ignore_metadata=True)


def empty_history(spark):
    return spark.createDataFrame([], SEGMENT_HISTORY.schema)


@pytest.mark.unit
def test_rerunning_an_earlier_date_gives_the_history_of_that_date(spark):
    history, after = empty_history(spark), {}
    for day in DAYS:
        history = next_history(history, snapshot(spark, day), day).localCheckpoint()
        after[day] = history
    # Day 3 re-run after day 5: the history rewinds to day 2, then takes day 3 again.
    rerun = next_history(after[DAYS[4]], snapshot(spark, DAYS[2]), DAYS[2])
    assert_same(rerun, after[DAYS[2]])
    bob = [(r["entered_date"], r["last_seen_date"], r["exited_date"]) for r in
           after[DAYS[4]].filter(F.col("user_key") == "bob").orderBy("entered_date").collect()]
    assert bob == [(DAYS[0], DAYS[0], DAYS[1]), (DAYS[2], DAYS[3], DAYS[4])]


@pytest.mark.stage
def test_the_delta_history_equals_every_daily_snapshot(spark, root):
    rows = [(day, *k, None) for day in DAYS for k in HELD[day]]
    replace_where(spark.createDataFrame(rows, SEGMENT_MEMBERSHIP.schema), SEGMENT_MEMBERSHIP,
                  root, "true", "segments")
    for day in DAYS:
        update_history(spark, root, day, f"evaluate-{day}")
    history = read_table(spark, SEGMENT_HISTORY, root).localCheckpoint()
    assert_same(members_each_day(spark, history), snapshots(spark))
    assert_same(read_table(spark, SEGMENT_EVENTS, root), expected_events(spark))

    update_history(spark, root, DAYS[4], "evaluate-again")           # a re-run: same rows
    assert_same(read_table(spark, SEGMENT_HISTORY, root), history)
    with pytest.raises(InputError, match="processed through 2026-06-30: run evaluate for "
                                         "2026-07-01..2026-07-01 first"):
        update_history(spark, root, DAYS[4] + dt.timedelta(days=2), "evaluate-gap")

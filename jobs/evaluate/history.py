"""Membership history: one row per (user, segment, interval), advanced one snapshot at a time.

An interval is ``entered_date`` (first snapshot held) .. ``last_seen_date`` (last snapshot
held); ``exited_date`` is the first snapshot without the segment, null while it is held.
"Members of S on D" is ``entered_date <= D AND D <= last_seen_date``; the day's events are
the intervals entered or exited on it.

The update for D reads the history and the membership of D only, never older snapshots:

1. ``known_at(D)``: the history as the run of D-1 left it. Intervals entered on or after D
   are dropped and every interval held on D-1 is open again, so re-running D (or an
   earlier date: later dates must then be re-run, in order) gives the same result.
2. ``advance``: the intervals open on D-1 full-outer-joined to the members of D: held
   again -> ``last_seen_date = D``; not held -> ``exited_date = D``; new -> entered D.

Runs go in date order (like the lifetime state): the first processed date is a cold start,
on which every member enters.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.evaluate.schemas import SEGMENT_HISTORY

SEGMENT_KEY = ("user_key", "family", "segment")
ONE_DAY = dt.timedelta(days=1)


def known_at(history: DataFrame, day: dt.date) -> DataFrame:
    """The history as it stood after the run of ``day - 1``."""
    previous = F.lit(day - ONE_DAY)
    held_before = F.col("last_seen_date") >= previous
    return (history.filter(F.col("entered_date") < F.lit(day))
            .withColumns({
                "last_seen_date": F.when(held_before, previous)
                                   .otherwise(F.col("last_seen_date")),
                "exited_date": F.when(~held_before, F.col("exited_date")),
            })
            .select(*SEGMENT_HISTORY.columns))


def advance(open_intervals: DataFrame, members: DataFrame, day: dt.date) -> DataFrame:
    """The intervals the snapshot of ``day`` touches: every interval open on day - 1 and
    every new one. ``members``: (user_key, family, segment) held on ``day``, unique."""
    held = members.select(*SEGMENT_KEY).withColumn("_held", F.lit(True))
    held_today = F.col("_held").isNotNull()
    return (open_intervals.join(held, on=list(SEGMENT_KEY), how="full")
            .select(*SEGMENT_KEY,
                    F.coalesce(F.col("entered_date"), F.lit(day)).alias("entered_date"),
                    F.when(held_today, F.lit(day)).otherwise(F.col("last_seen_date"))
                    .alias("last_seen_date"),
                    F.when(~held_today, F.lit(day)).alias("exited_date")))


def touched(history: DataFrame, members: DataFrame, day: dt.date) -> DataFrame:
    """What the update of ``day`` writes (the MERGE source): see the module docstring."""
    known = known_at(history, day)
    return advance(known.filter(F.col("exited_date").isNull()), members, day)


def next_history(history: DataFrame, members: DataFrame, day: dt.date) -> DataFrame:
    """The whole history after the update of ``day``."""
    closed = known_at(history, day).filter(F.col("exited_date").isNotNull())
    return closed.unionByName(touched(history, members, day)).select(*SEGMENT_HISTORY.columns)


def day_events(touched_rows: DataFrame, day: dt.date) -> DataFrame:
    """(event_date, user_key, family, segment, event): entered / exited on ``day``."""
    on_day = F.lit(day)
    event = (F.when(F.col("entered_date") == on_day, F.lit("entered"))
             .when(F.col("exited_date") == on_day, F.lit("exited")))
    return (touched_rows.select(on_day.alias("event_date"), *SEGMENT_KEY, event.alias("event"))
            .filter(F.col("event").isNotNull()))


def members_on(history: DataFrame, day: dt.date) -> DataFrame:
    """(user_key, family, segment) held on ``day`` according to the history."""
    on_day = F.lit(day)
    return (history.filter((F.col("entered_date") <= on_day)
                           & (F.col("last_seen_date") >= on_day))
            .select(*SEGMENT_KEY))


def processed_through(history: DataFrame) -> DataFrame:
    """One row: the latest snapshot the history has seen (null when empty)."""
    return history.agg(F.max(F.coalesce(F.col("exited_date"), F.col("last_seen_date")))
                       .alias("through"))

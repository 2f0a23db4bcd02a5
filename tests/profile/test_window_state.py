"""The incremental window state equals the full scan, day after day, at every edge.

A year and a half of rollup rows for users built to cross each edge (the 14/30/90/180/365-day
boundaries, a paid day leaving the year, quarters, a streak longer than the window, late
increments in the tail, a refund-only day, weekends) plus seeded random users; the state is
built cold once and then moved one day at a time for 20 days; its features must equal the
full path's row for row, and the state reached must equal the one built cold that day.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.profile.window_state import (
    cold_state,
    moving_days,
    next_state,
    state_features,
    without_constraint_propagation,
)
from jobs.profile.windows import WINDOW_SUMS, final_rows, full_windows, tail_rows
from jobs.rollup.schemas import USER_DAILY_INCREMENTS
from jobs.rollup.transforms import user_daily

pytestmark = pytest.mark.unit

LATE = 7
FIRST = dt.date(2026, 3, 1)      # the cold start
DAYS = 20                        # then this many daily moves (> 13: every edge is crossed)
ORIGIN = FIRST - dt.timedelta(days=420)
GAP = 8                          # the streak user's day without a login
# Days whose features are compared with the full scan (each comparison costs seconds);
# the state itself is compared with a cold build after the last move, so an error in
# any move shows there. 12: the gap is in the tail; 20: it is final.
CHECKED = (0, 12, DAYS)


def _row(day: dt.date, user: str, landed: dt.date | None = None, **metrics) -> dict:
    base = {f.name: (0 if isinstance(f.dataType, T.LongType) else
                     Decimal("0.00") if isinstance(f.dataType, T.DecimalType) else None)
            for f in USER_DAILY_INCREMENTS.schema.fields}
    return base | {"ingest_date": landed or day, "activity_date": day, "user_key": user} | metrics


def _paid(day: dt.date, user: str, amount: str, orders: int = 1, **more) -> dict:
    return _row(day, user, paid_orders=orders, paid_amount=Decimal(amount), events=1, **more)


def _increments() -> list[dict]:
    last = FIRST + dt.timedelta(days=DAYS)
    span = (last - ORIGIN).days + 1
    days = [ORIGIN + dt.timedelta(days=n) for n in range(span)]
    rows = []
    # streak: a login every day from ORIGIN (longer than the 365-day window), a gap later
    gap = FIRST + dt.timedelta(days=GAP)
    rows += [_row(d, "streak", n_login=1, events=2) for d in days if d != gap]
    # edges: a paid day every 13 days, so within 20 moves every window edge meets one
    # entering and leaving
    rows += [_paid(d, "edges", f"{10 + n % 7}.25", coupon_paid_orders=n % 2)
             for n, d in enumerate(days) if n % 13 == 0]
    # weekly: active on Saturdays and Wednesdays, messages and content
    rows += [_row(d, "weekly", events=5, n_message_send=2, n_message_read=1, content_video=1,
                  device_phone=4, net_wifi=3, slot_lunch=2, n_share=1)
             for d in days if d.weekday() in (2, 5)]
    # late: events landing up to LATE days after their own date, in the tail
    rows += [_row(d, "late", landed=d + dt.timedelta(days=n % (LATE + 1)), events=1 + n % 3,
                  n_login=1) for n, d in enumerate(days) if n % 3 == 0]
    # refund only: a day with no event and no paid order
    rows += [_row(d, "refund", refunded_orders=1, refunded_amount=Decimal("5.00"))
             for n, d in enumerate(days) if n % 40 == 0]
    # same day twice (two increments of one day) and zero-amount paid orders
    rows += [_paid(d, "twice", "0.00", orders=2) for d in days[::17]]
    rows += [_row(d, "twice", landed=d + dt.timedelta(days=1), paid_orders=1,
                  paid_amount=Decimal("3.10"), events=1) for d in days[::17]]
    generator = random.Random(7)
    for u in range(12):
        for d in days:
            if generator.random() < 0.15:
                late = generator.choice((0, 0, 0, 1, 3, LATE))
                paid = generator.random() < 0.2
                rows.append(_row(
                    d, f"r{u}", landed=d + dt.timedelta(days=late),
                    events=generator.randint(1, 9), n_login=generator.randint(0, 1),
                    duration_s=generator.randint(0, 600), content_article=generator.randint(0, 2),
                    net_5g=generator.randint(0, 3), slot_bedtime=generator.randint(0, 2),
                    paid_orders=int(paid), coupon_paid_orders=int(paid and generator.random() < .5),
                    paid_amount=Decimal(generator.randint(1, 99999)) / 100 if paid
                    else Decimal("0.00")))
    return rows


def comparable(windows: DataFrame) -> DataFrame:
    """A user with no activity in any window may have no row on one side: both give the
    profile the same zeros, so compare the rows with something in them, zeros filled."""
    sums = [s.name for s in WINDOW_SUMS if not s.name.startswith("_")]
    filled = windows.withColumns({c: F.coalesce(F.col(c), F.lit(0).cast(windows.schema[c]
                                                                          .dataType))
                                  for c in [*sums, "login_streak_days"]})
    something = sum((F.col(c) != 0).cast("int") for c in [*sums, "login_streak_days"])
    return filled.filter(something > 0).select(*sorted(filled.columns))


def assert_same(actual: DataFrame, expected: DataFrame, day: dt.date) -> None:
    """Row for row (test-sized frames, so compared on the driver)."""
    ours, theirs = sorted(map(tuple, actual.collect())), sorted(map(tuple, expected.collect()))
    extra = [r for r in ours if r not in theirs]
    missing = [r for r in theirs if r not in ours]
    assert (extra, missing) == ([], []), f"{day}: only from the state {extra[:3]}; only " \
                                         f"from the full scan {missing[:3]}"


def test_state_moved_day_by_day_equals_the_full_scan(spark):
    increments = spark.createDataFrame(_increments(), USER_DAILY_INCREMENTS.schema).persist()
    daily = user_daily(increments).persist()
    with without_constraint_propagation(spark):
        state = cold_state(final_rows(daily, FIRST, LATE), FIRST, LATE).localCheckpoint()
        for n in range(DAYS + 1):
            day = FIRST + dt.timedelta(days=n)
            if n:
                state = next_state(state, daily, day, LATE).localCheckpoint()
            if n not in CHECKED:
                continue
            tail = tail_rows(increments, day, LATE)
            rows = final_rows(daily, day, LATE).unionByName(tail.select(*daily.columns))
            assert_same(comparable(state_features(state, tail, day, LATE)),
                        comparable(full_windows(rows, day)), day)
        # the state reached by the moves is the one built cold on the last day
        assert_same(state, cold_state(final_rows(daily, day, LATE), day, LATE), day)


def test_a_move_reads_only_the_days_entering_or_leaving():
    days = moving_days(dt.date(2026, 6, 30), LATE)
    ages = sorted((dt.date(2026, 6, 30) - d).days for d in days)
    # entering: 7 (final now), 14 and 90 (prior windows take them over);
    # leaving: 14, 28, 30, 90, 180, 365
    assert ages == [7, 14, 28, 30, 90, 180, 365]

"""The moving purchase state gives predict the same customer summary as the full scan."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from pyspark.sql import types as T

from jobs.predict.transforms import (
    cold_purchases,
    customer_summary,
    moved_purchases,
    paid_days_as_of,
    purchases_as_of,
    summarize,
)
from jobs.rollup.schemas import USER_DAILY_INCREMENTS
from jobs.rollup.transforms import user_daily

pytestmark = pytest.mark.unit

LATE = 7
FIRST = dt.date(2026, 5, 1)
DAYS = 20


def increments(spark):
    base = {f.name: (0 if isinstance(f.dataType, T.LongType) else
                     Decimal("0.00") if isinstance(f.dataType, T.DecimalType) else None)
            for f in USER_DAILY_INCREMENTS.schema.fields}
    generator, rows = random.Random(11), []
    origin = FIRST - dt.timedelta(days=200)
    for n in range((FIRST - origin).days + DAYS + 1):
        day = origin + dt.timedelta(days=n)
        for u in range(15):
            if generator.random() < 0.08:
                late = generator.choice((0, 0, 1, 4, LATE))
                orders = generator.choice((0, 1, 1, 2))   # 0: a day with a refund only
                rows.append(base | {
                    "ingest_date": day + dt.timedelta(days=late), "activity_date": day,
                    "user_key": f"u{u}", "events": 1, "paid_orders": orders,
                    "paid_amount": Decimal(generator.randint(1, 50000)) / 100 if orders
                    else Decimal("0.00"), "refunded_amount": Decimal("1.00")})
    # a customer whose first purchase lands late (its day is in the tail, then final)
    rows.append(base | {"ingest_date": FIRST + dt.timedelta(days=12),
                        "activity_date": FIRST + dt.timedelta(days=5), "user_key": "late",
                        "events": 1, "paid_orders": 1, "paid_amount": Decimal("9.99")})
    return spark.createDataFrame(rows, USER_DAILY_INCREMENTS.schema)


def test_moved_state_summary_equals_the_full_scan_every_day(spark):
    landed = increments(spark).persist()
    daily = user_daily(landed).persist()
    state = cold_purchases(daily, FIRST, LATE).localCheckpoint()
    for n in range(DAYS + 1):
        day = FIRST + dt.timedelta(days=n)
        if n:
            state = moved_purchases(state, daily, day, LATE).localCheckpoint()
        if n not in (0, 12, DAYS):   # 12: the late customer's day is in the tail
            continue    # the state is compared with a cold build below; summaries sampled
        moved = summarize(purchases_as_of(state, landed, day, LATE), day, 7)
        full = customer_summary(paid_days_as_of(daily, landed, day, LATE), day, 7)
        assert sorted(moved.collect()) == sorted(full.collect()), day
    assert sorted(state.collect()) == sorted(cold_purchases(daily, day, LATE).collect())
    assert state.count() > 10

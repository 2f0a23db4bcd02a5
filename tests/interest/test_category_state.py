"""The moving category state gives the interest family the same inputs as the full scan."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from pyspark.sql import functions as F

from jobs.interest.transforms import category_interests, category_totals, lda_documents
from jobs.interest.window_state import cold_categories, moved_categories, rows_as_of
from jobs.rollup.categories import category_rows_as_of, user_category_daily
from jobs.rollup.schemas import USER_CATEGORY_DAILY_INCREMENTS

pytestmark = pytest.mark.unit

LATE, WINDOW, EXPLICIT = 7, 30, 365
FIRST = dt.date(2026, 5, 1)
DAYS = 20


def increments(spark):
    generator, rows = random.Random(5), []
    origin = FIRST - dt.timedelta(days=EXPLICIT + 10)
    for n in range((FIRST - origin).days + DAYS + 1):
        day = origin + dt.timedelta(days=n)
        for u in range(8):
            if generator.random() < 0.3:
                views = generator.choice((0, 1, 3))   # 0: a subscribe-only row
                rows.append((day + dt.timedelta(days=generator.choice((0, 0, 2, LATE))), day,
                             f"u{u}", generator.choice(("article", "video")),
                             generator.choice(("games", "finance", "travel")), views,
                             views * generator.randint(0, 400), generator.randint(0, views),
                             int(views == 0), int(generator.random() < 0.05)))
    return spark.createDataFrame(rows, USER_CATEGORY_DAILY_INCREMENTS.schema)


def documents(rows, day):
    return sorted((r["user_key"], sorted(r["terms"]))
                  for r in lda_documents(rows, day, WINDOW).collect())


def test_moved_state_gives_the_full_scans_totals_interests_and_documents(spark, cfg):
    landed = increments(spark).persist()
    daily = user_category_daily(landed).persist()
    state = cold_categories(daily, FIRST, WINDOW, EXPLICIT, LATE).localCheckpoint()
    for n in range(DAYS + 1):
        day = FIRST + dt.timedelta(days=n)
        if n:
            state = moved_categories(state, daily, day, WINDOW, EXPLICIT, LATE).localCheckpoint()
        if n % 10 and n != DAYS:
            continue    # the state is compared with a cold build below; days sampled
        moved = rows_as_of(state, landed, day, WINDOW, EXPLICIT, LATE)
        full = category_rows_as_of(daily, landed, day, EXPLICIT, LATE)
        totals = [category_totals(r, day, WINDOW, EXPLICIT) for r in (moved, full)]
        assert sorted(totals[0].collect()) == sorted(totals[1].collect()), day
        interests = [t.transform(category_interests(cfg)) for t in totals]
        assert sorted(interests[0].collect()) == sorted(interests[1].collect()), day
        assert documents(moved, day) == documents(full, day), day
    assert sorted(state.collect()) == sorted(
        cold_categories(daily, day, WINDOW, EXPLICIT, LATE).collect())
    assert state.filter(F.col("views") == 0).count() > 0   # kept for its explicit signal

"""Family 5 inputs: the category rollup, implicit interest at exactly 2x the mean dwell,
exclusion at exactly 80 % fast exits, explicit signals by window, and topic labels."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from chispa import assert_df_equality
from pyspark.ml.linalg import Vectors, VectorUDT
from pyspark.sql import types as T

from jobs.interest.transforms import category_interests, category_totals, topic_labels, with_topics
from jobs.rollup.categories import category_increments
from jobs.rollup.schemas import USER_CATEGORY_DAILY
from jobs.silver.schemas import SILVER_EVENTS

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
INTERESTS = ("user_key string, explicit_interests array<string>, "
             "implicit_interests array<string>, excluded_categories array<string>")


def ago(days: int) -> dt.date:
    return D - dt.timedelta(days=days)


def event(event_id, user, event_type, content_type, category, duration, day=D):
    ts = dt.datetime.combine(day, dt.time(12))
    return (event_id, user, ts, day, 720, event_type, None, content_type, category, duration,
            None, None, None, None, None, D)


def test_category_rollup_counts_views_dwell_fast_exits_and_explicit_signals(spark, cfg):
    """Fast exit = a view of at most 5 s: 5 s is one, 6 s is not, a null duration is not."""
    events = spark.createDataFrame([
        event("e1", "u", "video_view", "video", "sports", 5),
        event("e2", "u", "video_view", "video", "sports", 6),
        event("e3", "u", "video_view", "video", "sports", None),
        event("e4", "u", "subscribe", "video", "sports", 3),
        event("e5", "u", "favorite", "article", "tech", 2),
        event("e6", "u", "article_read", "article", "tech", 100),
        event("e7", "u", "login", None, None, 10),                     # no category
        event("e8", "u", "share", None, "food", 4),                    # category, no type
    ], SILVER_EVENTS.schema)
    got = category_increments(events, cfg)
    want = spark.createDataFrame([
        (D, D, "u", "video", "sports", 3, 11, 1, 1, 0),
        (D, D, "u", "article", "tech", 1, 100, 0, 0, 1),
        (D, D, "u", "none", "food", 0, 0, 0, 0, 0),
    ], "ingest_date date, activity_date date, user_key string, content_type string, "
       "content_category string, views long, dwell_s long, fast_exits long, subscribes long, "
       "favorites long")
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)


def rows(spark, cells):
    """cells: (user, category, views, dwell, fast exits, subscribes, days ago)."""
    return spark.createDataFrame(
        [(ago(d), u, "video", c, v, w, f, s, 0) for u, c, v, w, f, s, d in cells],
        USER_CATEGORY_DAILY.schema)


def interests(spark, cfg, cells):
    totals = category_totals(rows(spark, cells), D, window_days=30, explicit_days=365)
    return totals.transform(category_interests(cfg))


def test_implicit_interest_at_exactly_twice_the_mean_dwell_per_category(spark, cfg):
    cells = [
        # at: 3 categories, 300 s in all, mean 100: sports 200 = 2x
        ("at", "sports", 2, 200, 0, 0, 1), ("at", "tech", 1, 50, 0, 0, 1),
        ("at", "food", 1, 50, 0, 0, 1),
        # below: 199 x 3 = 597 < 2 x 300
        ("below", "sports", 2, 199, 0, 0, 1), ("below", "tech", 1, 51, 0, 0, 1),
        ("below", "food", 1, 50, 0, 0, 1),
        # one category is its own mean: never 2x
        ("single", "sports", 9, 900, 0, 0, 1),
        # dwell older than the 30-day window does not count: 200 vs a mean of 150
        ("windowed", "sports", 2, 200, 0, 0, 1), ("windowed", "tech", 1, 100, 0, 0, 1),
        ("windowed", "tech", 1, 500, 0, 0, 30),
        # views without any dwell (null durations): no mean, no implicit interest
        ("no_dwell", "sports", 3, 0, 0, 0, 1), ("no_dwell", "tech", 1, 0, 0, 0, 1),
    ]
    want = spark.createDataFrame([
        ("at", [], ["sports"], []), ("below", [], [], []), ("single", [], [], []),
        ("windowed", [], [], []), ("no_dwell", [], [], []),
    ], INTERESTS)
    assert_df_equality(interests(spark, cfg, cells), want, ignore_row_order=True,
                       ignore_nullable=True)


def test_excluded_at_exactly_eighty_percent_fast_exits_and_explicit_by_window(spark, cfg):
    cells = [
        ("u", "sports", 5, 20, 4, 0, 1),       # 4 of 5 = 80 %: excluded
        ("u", "tech", 4, 300, 3, 0, 1),        # 3 of 4 = 75 %: not
        ("u", "food", 0, 0, 0, 1, 364),        # subscribed on D-364: explicit
        ("u", "travel", 0, 0, 0, 1, 365),      # D-365: outside the explicit window
        ("u", "games", 1, 1, 1, 1, 1),         # subscribed and always left fast: both
    ]
    want = spark.createDataFrame([("u", ["food", "games"], ["tech"],
                                   ["games", "sports"])], INTERESTS)
    assert_df_equality(interests(spark, cfg, cells), want, ignore_nullable=True)


def test_topic_labels_are_the_heaviest_category_made_unique():
    vocabulary = ["video:sports", "article:sports", "video:tech", "article:food"]
    matrix = np.array([[5.0, 4.0, 0.1], [1.0, 0.0, 0.1], [0.0, 3.0, 0.2], [0.5, 0.0, 9.0]])
    # topic 0: sports 6 > food; topic 1: sports 4 > tech 3; topic 2: food
    assert topic_labels(matrix, vocabulary) == ["sports_food", "sports_tech", "food"]


def test_primary_and_secondary_topics_from_the_distribution(spark):
    scored = spark.createDataFrame([
        ("u1", Vectors.dense([0.1, 0.6, 0.3])),
        ("tie", Vectors.dense([0.4, 0.2, 0.4])),      # a tie goes to the lower topic number
        ("null", None),
    ], T.StructType([T.StructField("user_key", T.StringType()),
                     T.StructField("topicDistribution", VectorUDT())]))
    got = scored.transform(with_topics(["sports", "tech", "food"], "2026-06-29"))
    want = spark.createDataFrame([
        ("u1", "tech", "food", 0.6, "2026-06-29"), ("tie", "sports", "food", 0.4, "2026-06-29"),
        ("null", None, None, None, "2026-06-29"),
    ], "user_key string, primary_interest string, secondary_interest string, "
       "primary_interest_weight double, lda_model_version string")
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)

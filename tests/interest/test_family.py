"""Family 5, interest: a segment per explicit or implicit category and per primary /
secondary topic; excluded categories stay a profile column; null rows hold nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES
from jobs.segments.interest import interest_memberships

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FEATURES = ("explicit_interests", "implicit_interests", "excluded_categories",
            "primary_interest", "secondary_interest")
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])


def test_interest_segments_from_categories_and_topics(spark, cfg):
    frame = spark.createDataFrame([
        (D, "fan", ["food"], ["food", "Tech News"], ["games"], "sports", "tech_travel"),
        (D, "empty", [], [], ["games"], None, None),
        (D, "topics_only", None, None, None, "sports", "food"),
        (D, "all_null", None, None, None, None, None),
    ], PROFILE)
    got = frame.transform(interest_memberships(cfg))
    want = spark.createDataFrame([
        (D, "fan", "interest", "interest_food"), (D, "fan", "interest", "interest_tech_news"),
        (D, "fan", "interest", "interest_topic_sports"),
        (D, "fan", "interest", "interest_topic_tech_travel"),
        (D, "topics_only", "interest", "interest_topic_sports"),
        (D, "topics_only", "interest", "interest_topic_food"),
    ], MEMBERSHIP_SCHEMA)
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)

"""Family 3, social: strong_tie_hub at 5 vs 4 mutual friends, tight_circle, influencer in the
top 20 % of share rates (ties at the edge stay out), null rows hold nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES
from jobs.segments.social import social_memberships, with_social_columns

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
D2 = dt.date(2026, 7, 1)
FEATURES = ("mutual_friends", "tight_circle_id", "shares_30d", "content_events_30d")
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])


def profile(spark):
    rows = [(D, "hub5", 5, None, 0, 0), (D, "hub4", 4, None, 0, 0),
            (D, "circle", 0, "circle", 0, 0), (D, "all_null", None, None, None, None)]
    # ten content users on D, share rates 0.0 .. 0.9: the top 20 % are the last two
    rows += [(D, f"r{i}", 0, None, i, 10) for i in range(10)]
    # on D2 the two best share a rate: 3 of 5 below them, 4 needed -> neither is in
    rows += [(D2, "s1", 0, None, 1, 10), (D2, "s2", 0, None, 2, 10), (D2, "s3", 0, None, 3, 10),
             (D2, "s4", 0, None, 1, 2), (D2, "s5", 0, None, 5, 10)]
    return spark.createDataFrame(rows, PROFILE)


def test_social_segments_at_their_thresholds(spark, cfg):
    got = profile(spark).transform(social_memberships(cfg))
    want = spark.createDataFrame(
        [(D, "hub5", "social", "strong_tie_hub"), (D, "circle", "social", "tight_circle"),
         (D, "r8", "social", "influencer"), (D, "r9", "social", "influencer")],
        MEMBERSHIP_SCHEMA)
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)


def test_share_rate_and_influencer_columns(spark, cfg):
    got = (profile(spark).transform(with_social_columns(cfg))
           .select("snapshot_date", "user_key", "share_rate", "influencer")
           .filter("user_key in ('hub5', 'all_null', 'r7', 'r8', 's4', 's5')"))
    want = spark.createDataFrame(
        [(D, "hub5", None, None), (D, "all_null", None, None), (D, "r7", 0.7, False),
         (D, "r8", 0.8, True), (D2, "s4", 0.5, False), (D2, "s5", 0.5, False)],
        "snapshot_date date, user_key string, share_rate double, influencer boolean")
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)

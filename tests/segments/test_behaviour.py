"""Family 1, behaviour: each segment at its threshold, one below, one above and null."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.common.errors import ConfigError
from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES
from jobs.segments.behaviour import behaviour_memberships, with_behaviour_columns

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FEATURES = ("days_since_registration", "events_7d", "duration_s_7d", "messages_7d",
            "content_events_30d", "article_events_30d", "video_events_30d",
            "live_events_30d", "chat_events_30d", "miniprogram_events_30d",
            "payment_events_30d", "interaction_recency_days", "events_30d", "paid_30d")
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])
# An active user who holds no behaviour segment: each case overrides what it tests.
NEUTRAL = {"days_since_registration": 100, "events_7d": 5, "duration_s_7d": 600,
           "messages_7d": 2, "content_events_30d": 0, "article_events_30d": 0,
           "video_events_30d": 0, "live_events_30d": 0, "chat_events_30d": 0,
           "miniprogram_events_30d": 0, "payment_events_30d": 0,
           "interaction_recency_days": 0, "events_30d": 20, "paid_30d": Decimal("0.00")}
ALL_NULL = None


def profile(spark, cases):
    """cases: user_key -> overrides of NEUTRAL, or ALL_NULL for a row of null features."""
    rows = []
    for user_key, overrides in cases.items():
        values = dict.fromkeys(FEATURES) if overrides is ALL_NULL else NEUTRAL | overrides
        rows.append((D, user_key, *[values[c] for c in FEATURES]))
    return spark.createDataFrame(rows, PROFILE)


def held(spark, cfg, cases):
    frame = profile(spark, cases)
    return frame.transform(with_behaviour_columns(cfg)).transform(behaviour_memberships(cfg))


def expected(spark, pairs):
    return spark.createDataFrame([(D, user, "behaviour", seg) for user, seg in pairs],
                                 MEMBERSHIP_SCHEMA)


def content(article=0, video=0, live=0):
    return {"content_events_30d": article + video + live, "article_events_30d": article,
            "video_events_30d": video, "live_events_30d": live}


def test_silent_needs_seven_days_registered_and_no_event(spark, cfg):
    quiet = {"events_7d": 0, "duration_s_7d": 0, "messages_7d": 0}   # also msg_low
    cases = {
        "registered_7": quiet | {"days_since_registration": 7},
        "registered_8": quiet | {"days_since_registration": 8},
        "registered_6": quiet | {"days_since_registration": 6},
        "registered_null": quiet | {"days_since_registration": None},
        "one_event": quiet | {"days_since_registration": 7, "events_7d": 1},
        "events_null": quiet | {"days_since_registration": 7, "events_7d": None},
        "null": ALL_NULL,
    }
    want = [("registered_7", "silent"), ("registered_7", "msg_low"),
            ("registered_8", "silent"), ("registered_8", "msg_low"),
            ("registered_6", "msg_low"), ("registered_null", "msg_low"),
            ("one_event", "msg_low"), ("events_null", "msg_low")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_deep_user_is_strictly_more_than_two_hours_a_day(spark, cfg):
    two_hours_a_day = 7 * 2 * 3600
    cases = {
        "at": {"duration_s_7d": two_hours_a_day},
        "above": {"duration_s_7d": two_hours_a_day + 1},
        "below": {"duration_s_7d": two_hours_a_day - 1},
        "duration_null": {"duration_s_7d": None},
        "null": ALL_NULL,
    }
    assert_df_equality(held(spark, cfg, cases), expected(spark, [("above", "deep_user")]),
                       ignore_row_order=True, ignore_nullable=True)


def test_msg_high_from_three_a_day_and_msg_low_at_most_one(spark, cfg):
    cases = {f"messages_{n}": {"messages_7d": n} for n in (0, 1, 2, 20, 21, 22)}
    cases |= {"messages_null": {"messages_7d": None}, "null": ALL_NULL}
    want = [("messages_0", "msg_low"), ("messages_1", "msg_low"),
            ("messages_21", "msg_high"), ("messages_22", "msg_high")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_content_pref_needs_half_of_content_events_else_mixed(spark, cfg):
    cases = {
        "article_half": content(article=5, video=3, live=2),
        "article_under_half": content(article=49, video=30, live=21),
        "video_above_half": content(article=2, video=6, live=2),
        "live_half": content(article=3, video=2, live=5),
        "only_live": content(live=1),
        "tie_article_video": content(article=5, video=5),
        "tie_video_live": content(video=4, live=4),
        "tie_under_half": content(article=4, video=4, live=2),
        "no_content": content(),
        "content_null": {"content_events_30d": None, "article_events_30d": None,
                         "video_events_30d": None, "live_events_30d": None},
        "null": ALL_NULL,
    }
    want = [("article_half", "content_pref_article"),
            ("article_under_half", "content_pref_mixed"),
            ("video_above_half", "content_pref_video"),
            ("live_half", "content_pref_live"),
            ("only_live", "content_pref_live"),
            ("tie_article_video", "content_pref_article"),
            ("tie_video_live", "content_pref_video"),
            ("tie_under_half", "content_pref_mixed")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_depth_is_the_deepest_feature_used(spark, cfg):
    cases = {
        "all_three": {"payment_events_30d": 1, "miniprogram_events_30d": 9,
                      "chat_events_30d": 40},
        "payment_only": {"payment_events_30d": 1},
        "miniprogram_and_chat": {"miniprogram_events_30d": 1, "chat_events_30d": 40},
        "chat_only": {"chat_events_30d": 1},
        "none_used": {},
        "null": ALL_NULL,
    }
    want = [("all_three", "depth_payment"), ("payment_only", "depth_payment"),
            ("miniprogram_and_chat", "depth_miniprogram"), ("chat_only", "depth_chat")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_derived_columns(spark, cfg):
    cases = {
        "buyer": content(video=3, live=1) | {"payment_events_30d": 2,
                                             "interaction_recency_days": 0, "events_30d": 44,
                                             "paid_30d": Decimal("1250.50")},
        "reader": content(article=1, video=1) | {"chat_events_30d": 3,
                                                 "interaction_recency_days": 12,
                                                 "events_30d": 7},
        "idle": {"interaction_recency_days": 40, "events_30d": 0},
        "null": ALL_NULL,
    }
    columns = ("content_pref", "usage_depth", "engagement_recency_days",
               "engagement_frequency", "engagement_monetary")
    actual = (profile(spark, cases).transform(with_behaviour_columns(cfg))
              .select("user_key", *columns))
    schema = T.StructType([
        T.StructField("user_key", T.StringType()),
        T.StructField("content_pref", T.StringType()),
        T.StructField("usage_depth", T.StringType()),
        T.StructField("engagement_recency_days", T.IntegerType()),
        T.StructField("engagement_frequency", T.LongType()),
        T.StructField("engagement_monetary", T.DecimalType(18, 2)),
    ])
    want = spark.createDataFrame([
        ("buyer", "video", "payment", 0, 44, Decimal("1250.50")),
        ("reader", "article", "chat", 12, 7, Decimal("0.00")),
        ("idle", None, None, 40, 0, Decimal("0.00")),
        ("null", None, None, None, None, None),
    ], schema)
    assert_df_equality(actual, want, ignore_row_order=True, ignore_nullable=True)


def test_thresholds_come_from_conf_and_compare_exactly(spark, cfg):
    # In doubles 0.55 * 100 is 55.00000000000001 and 7 * 2.05 * 3600 is 51659.99999999999:
    # counts exactly at such thresholds must still be at them.
    changed = cfg.with_overrides({"segments.behaviour.msg_low_max_per_window": 2,
                                  "segments.behaviour.content_pref_min_share": 0.55,
                                  "segments.behaviour.deep_user_hours_per_day": 2.05})
    cases = {"two_messages": {"messages_7d": 2, "duration_s_7d": 51660},
             "three_messages": {"messages_7d": 3, "duration_s_7d": 51661},
             "article_55_of_100": content(article=55, video=40, live=5) | {"messages_7d": 3},
             "article_54_of_100": content(article=54, video=40, live=6) | {"messages_7d": 3}}
    want = [("two_messages", "msg_low"), ("three_messages", "deep_user"),
            ("article_55_of_100", "content_pref_article"),
            ("article_54_of_100", "content_pref_mixed")]
    assert_df_equality(held(spark, changed, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_a_window_the_profile_does_not_hold_fails_with_the_key(spark, cfg):
    fortnight = cfg.with_overrides({"segments.behaviour.window_days": 14})
    with pytest.raises(ConfigError, match=r"segments\.behaviour\.window_days.*_14d"):
        behaviour_memberships(fortnight)

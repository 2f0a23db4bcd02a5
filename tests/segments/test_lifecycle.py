"""Family lifecycle: each stage and trigger flag at its boundary, and first-match order."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.common.errors import ConfigError
from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES
from jobs.segments.lifecycle import lifecycle_memberships, with_lifecycle_columns

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FEATURES = ("days_since_registration", "logins_30d", "active_days_14d", "active_days_14d_prior",
            "paid_orders_90d", "event_types_7d", "product_views_7d", "paid_orders_7d",
            "login_streak_days", "login_recency_days")
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])
# A steady user, stage growing, no flag: each case overrides what it tests.
NEUTRAL = {"days_since_registration": 100, "logins_30d": 10, "active_days_14d": 5,
           "active_days_14d_prior": 5, "paid_orders_90d": 0, "event_types_7d": 5,
           "product_views_7d": 0, "paid_orders_7d": 0, "login_streak_days": 1,
           "login_recency_days": 0}
ALL_NULL = None


def profile(spark, cases):
    """cases: user_key -> overrides of NEUTRAL, or ALL_NULL for a row of null features."""
    rows = []
    for user_key, overrides in cases.items():
        values = dict.fromkeys(FEATURES) if overrides is ALL_NULL else NEUTRAL | overrides
        rows.append((D, user_key, *[values[c] for c in FEATURES]))
    return spark.createDataFrame(rows, PROFILE)


def held(spark, cfg, cases):
    return profile(spark, cases).transform(lifecycle_memberships(cfg))


def expected(spark, pairs):
    return spark.createDataFrame([(D, user, "lifecycle", seg) for user, seg in pairs],
                                 MEMBERSHIP_SCHEMA)


def last_login(days_ago):
    """A user whose latest login was days_ago days before D."""
    return {"login_recency_days": days_ago, "logins_30d": 1 if days_ago <= 29 else 0,
            "login_streak_days": 1 if days_ago == 0 else 0}


def test_each_stage_at_its_boundary(spark, cfg):
    cases = {
        "registered_6_days_ago": {"days_since_registration": 6},
        "registered_7_days_ago": {"days_since_registration": 7},
        "login_29_days_ago": last_login(29) | {"active_days_14d": 0, "active_days_14d_prior": 0},
        "login_30_days_ago": last_login(30) | {"active_days_14d": 0, "active_days_14d_prior": 0},
        "declining_exactly_half": {"active_days_14d": 2, "active_days_14d_prior": 4},
        "declining_above_half": {"active_days_14d": 3, "active_days_14d_prior": 5},
        "declining_prior_2": {"active_days_14d": 1, "active_days_14d_prior": 2},
        "declining_prior_1": {"active_days_14d": 0, "active_days_14d_prior": 1},
        "orders_2": {"paid_orders_90d": 2},
        "orders_1": {"paid_orders_90d": 1},
        "all_null": ALL_NULL,
    }
    want = expected(spark, [
        ("registered_6_days_ago", "new"), ("registered_7_days_ago", "growing"),
        ("login_29_days_ago", "growing"), ("login_29_days_ago", "churn_warning"),
        ("login_30_days_ago", "churned"),
        ("declining_exactly_half", "declining"), ("declining_above_half", "growing"),
        ("declining_prior_2", "declining"), ("declining_prior_1", "growing"),
        ("orders_2", "mature"), ("orders_1", "growing"),
        ("all_null", "growing"),
    ])
    assert_df_equality(held(spark, cfg, cases), want, ignore_row_order=True,
                       ignore_nullable=True)


def test_the_first_matching_stage_wins(spark, cfg):
    cases = {
        # new beats churned: registered 2 days ago, never logged in
        "new_without_login": {"days_since_registration": 2, "logins_30d": 0,
                              "login_recency_days": None, "login_streak_days": 0},
        # churned beats declining and mature
        "churned_declining_mature": {"logins_30d": 0, "login_recency_days": 40,
                                     "active_days_14d": 0, "active_days_14d_prior": 6,
                                     "paid_orders_90d": 3},
        # declining beats mature
        "declining_mature": {"active_days_14d": 1, "active_days_14d_prior": 4,
                             "paid_orders_90d": 3},
    }
    want = expected(spark, [("new_without_login", "new"), ("churned_declining_mature", "churned"),
                            ("declining_mature", "declining")])
    assert_df_equality(held(spark, cfg, cases), want, ignore_row_order=True,
                       ignore_nullable=True)


def test_trigger_flags_at_their_boundaries(spark, cfg):
    cases = {
        "onboarding_3_types": {"days_since_registration": 0, "event_types_7d": 3},
        "onboarding_4_types": {"days_since_registration": 0, "event_types_7d": 4},
        "few_types_not_new": {"event_types_7d": 1},
        "views_5": {"product_views_7d": 5},
        "views_4": {"product_views_7d": 4},
        "views_5_paid": {"product_views_7d": 5, "paid_orders_7d": 1},
        "streak_19": {"login_streak_days": 19},
        "streak_20": {"login_streak_days": 20},
        "login_13_days_ago": last_login(13),
        "login_14_days_ago": last_login(14),
        "login_29_days_ago": last_login(29),
        "login_30_days_ago": last_login(30),
        "all_null": ALL_NULL,
    }
    want = expected(spark, [
        ("onboarding_3_types", "new"), ("onboarding_3_types", "needs_onboarding"),
        ("onboarding_4_types", "new"), ("few_types_not_new", "growing"),
        ("views_5", "growing"), ("views_5", "conversion_ready"),
        ("views_4", "growing"), ("views_5_paid", "growing"),
        ("streak_19", "growing"), ("streak_20", "growing"), ("streak_20", "loyal_streak"),
        ("login_13_days_ago", "growing"),
        ("login_14_days_ago", "growing"), ("login_14_days_ago", "churn_warning"),
        ("login_29_days_ago", "growing"), ("login_29_days_ago", "churn_warning"),
        ("login_30_days_ago", "churned"),
        ("all_null", "growing"),
    ])
    assert_df_equality(held(spark, cfg, cases), want, ignore_row_order=True,
                       ignore_nullable=True)


def test_lifecycle_stage_column(spark, cfg):
    cases = {"a": {"days_since_registration": 6}, "b": {"logins_30d": 0}, "c": ALL_NULL}
    stages = profile(spark, cases).transform(with_lifecycle_columns(cfg)).select(
        "user_key", "lifecycle_stage")
    want = spark.createDataFrame([("a", "new"), ("b", "churned"), ("c", "growing")],
                                 "user_key string, lifecycle_stage string")
    assert_df_equality(stages, want, ignore_row_order=True, ignore_nullable=True)


def test_a_window_the_profile_does_not_build_fails_when_built(cfg):
    with pytest.raises(ConfigError, match="churned_no_login_days"):
        lifecycle_memberships(cfg.with_overrides({"segments.lifecycle.churned_no_login_days": 60}))

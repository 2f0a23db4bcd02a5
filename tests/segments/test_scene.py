"""Family 7, device and scene: dominant values with their tie order, share flags, nulls."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.common.errors import ConfigError
from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES
from jobs.segments.scene import scene_memberships, with_scene_columns

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
DEVICES = ("device_phone_30d", "device_tablet_30d", "device_pc_30d")
NETWORKS = ("net_wifi_30d", "net_5g_30d", "net_4g_30d", "net_weak_30d")
SLOTS = ("slot_morning_commute_30d", "slot_lunch_30d", "slot_evening_commute_30d",
         "slot_prime_evening_30d", "slot_bedtime_30d", "slot_late_night_30d",
         "slot_daytime_30d")
SHARES = ("weekday_events_30d", "weekday_evening_events_30d", "weekend_events_30d",
          "weekend_morning_events_30d")
FEATURES = (*DEVICES, *NETWORKS, *SLOTS, *SHARES)
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])
ALL_NULL = None


def profile(spark, cases):
    """cases: user_key -> counts set (the rest 0), or ALL_NULL for a row of null counts."""
    rows = []
    for user_key, counts in cases.items():
        zeros = dict.fromkeys(FEATURES, 0)
        values = dict.fromkeys(FEATURES) if counts is ALL_NULL else zeros | counts
        rows.append((D, user_key, *[values[c] for c in FEATURES]))
    return spark.createDataFrame(rows, PROFILE)


def held(spark, cfg, cases):
    return profile(spark, cases).transform(with_scene_columns(cfg)).transform(
        scene_memberships(cfg))


def expected(spark, pairs):
    return spark.createDataFrame([(D, user, "scene", seg) for user, seg in pairs],
                                 MEMBERSHIP_SCHEMA)


def test_dominant_device_and_network_ties_follow_the_listed_order(spark, cfg):
    cases = {
        "phone_tablet_tie": {"device_phone_30d": 5, "device_tablet_30d": 5},
        "tablet_pc_tie": {"device_phone_30d": 2, "device_tablet_30d": 3, "device_pc_30d": 3},
        "pc_ahead_by_one": {"device_phone_30d": 3, "device_pc_30d": 4},
        "wifi_weak_tie": {"net_wifi_30d": 2, "net_weak_30d": 2},
        "5g_4g_tie": {"net_5g_30d": 3, "net_4g_30d": 3},
        "4g_weak_tie": {"net_4g_30d": 3, "net_weak_30d": 3},
        "weak_ahead_by_one": {"net_wifi_30d": 3, "net_weak_30d": 4},
        "no_event": {},
        "null": ALL_NULL,
    }
    want = [("phone_tablet_tie", "device_phone"), ("tablet_pc_tie", "device_tablet"),
            ("pc_ahead_by_one", "device_pc"), ("wifi_weak_tie", "network_wifi"),
            ("5g_4g_tie", "network_5g"), ("4g_weak_tie", "network_4g"),
            ("weak_ahead_by_one", "network_weak")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_dominant_slot_ties_follow_the_listed_order(spark, cfg):
    cases = {
        "morning_lunch_tie": {"slot_morning_commute_30d": 1, "slot_lunch_30d": 1},
        "lunch_evening_tie": {"slot_lunch_30d": 2, "slot_evening_commute_30d": 2},
        "evening_commute_ahead": {"slot_evening_commute_30d": 4, "slot_prime_evening_30d": 3},
        "prime_bedtime_tie": {"slot_prime_evening_30d": 3, "slot_bedtime_30d": 3},
        "bedtime_ahead": {"slot_bedtime_30d": 5, "slot_late_night_30d": 4},
        "late_night_daytime_tie": {"slot_late_night_30d": 2, "slot_daytime_30d": 2},
        "daytime_ahead": {"slot_daytime_30d": 6, "slot_lunch_30d": 5},
        "no_event": {},
        "null": ALL_NULL,
    }
    want = [("morning_lunch_tie", "morning_commute"), ("lunch_evening_tie", "lunch"),
            ("evening_commute_ahead", "evening_commute"),
            ("prime_bedtime_tie", "prime_evening"), ("bedtime_ahead", "bedtime"),
            ("late_night_daytime_tie", "late_night"), ("daytime_ahead", "daytime")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_weekday_evening_and_weekend_morning_from_forty_percent(spark, cfg):
    def weekday(evening, total):
        return {"weekday_evening_events_30d": evening, "weekday_events_30d": total}

    def weekend(morning, total):
        return {"weekend_morning_events_30d": morning, "weekend_events_30d": total}

    cases = {
        "weekday_at": weekday(4, 10),
        "weekday_below": weekday(39, 100),
        "weekday_above": weekday(5, 5),
        "weekday_none": weekday(0, 0),
        "weekend_at": weekend(2, 5),
        "weekend_below": weekend(39, 100),
        "weekend_above": weekend(41, 100),
        "weekend_none": weekend(0, 0),
        "both": weekday(2, 5) | weekend(4, 10),
        "null": ALL_NULL,
    }
    want = [("weekday_at", "weekday_evening_20_22"), ("weekday_above", "weekday_evening_20_22"),
            ("weekend_at", "weekend_morning"), ("weekend_above", "weekend_morning"),
            ("both", "weekday_evening_20_22"), ("both", "weekend_morning")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_derived_columns(spark, cfg):
    cases = {
        "commuter": {"device_phone_30d": 30, "device_pc_30d": 2, "net_4g_30d": 20,
                     "net_wifi_30d": 12, "slot_morning_commute_30d": 15,
                     "slot_evening_commute_30d": 15, "slot_daytime_30d": 2},
        "desk": {"device_pc_30d": 9, "net_wifi_30d": 9, "slot_daytime_30d": 9},
        "no_event": {},
        "null": ALL_NULL,
    }
    actual = (profile(spark, cases).transform(with_scene_columns(cfg))
              .select("user_key", "dominant_device", "dominant_network", "dominant_slot"))
    want = spark.createDataFrame(
        [("commuter", "phone", "4g", "morning_commute"), ("desk", "pc", "wifi", "daytime"),
         ("no_event", None, None, None), ("null", None, None, None)],
        T.StructType([T.StructField(c, T.StringType()) for c in
                      ("user_key", "dominant_device", "dominant_network", "dominant_slot")]))
    assert_df_equality(actual, want, ignore_row_order=True, ignore_nullable=True)


def test_thresholds_come_from_conf_and_compare_exactly(spark, cfg):
    # In doubles 0.56 * 25 is 14.000000000000002: 14 of 25 must still be 56 %.
    changed = cfg.with_overrides({"segments.scene.weekday_evening_min_share": 0.56,
                                  "segments.scene.weekend_morning_min_share": 0.5})
    cases = {"weekday_14_of_25": {"weekday_evening_events_30d": 14, "weekday_events_30d": 25},
             "weekday_13_of_25": {"weekday_evening_events_30d": 13, "weekday_events_30d": 25},
             "weekend_2_of_5": {"weekend_morning_events_30d": 2, "weekend_events_30d": 5}}
    assert_df_equality(held(spark, changed, cases),
                       expected(spark, [("weekday_14_of_25", "weekday_evening_20_22")]),
                       ignore_row_order=True, ignore_nullable=True)


def test_a_window_the_profile_does_not_hold_fails_with_the_key(spark, cfg):
    week = cfg.with_overrides({"segments.scene.window_days": 7})
    with pytest.raises(ConfigError, match=r"segments\.scene\.window_days.*_7d"):
        with_scene_columns(week)

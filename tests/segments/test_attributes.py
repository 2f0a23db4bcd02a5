"""Family 2, static attributes: age band edges, generations, free-text tags, null rows."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.common.errors import ConfigError
from jobs.segments.attributes import attributes_memberships, with_attributes_columns
from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FEATURES = ("birth_year", "age", "gender", "occupation", "province", "city_tier",
            "device_model", "os", "os_version", "org_department", "org_rank")
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])


def profile(spark, cases):
    """cases: user_key -> the attributes set; every other attribute is null."""
    rows = [(D, user_key, *[values.get(c) for c in FEATURES]) for user_key, values in cases.items()]
    return spark.createDataFrame(rows, PROFILE)


def held(spark, cfg, cases):
    frame = profile(spark, cases)
    return frame.transform(with_attributes_columns(cfg)).transform(attributes_memberships(cfg))


def expected(spark, pairs):
    return spark.createDataFrame([(D, user, "attributes", seg) for user, seg in pairs],
                                 MEMBERSHIP_SCHEMA)


def test_age_bands_at_each_edge_and_silver_from_sixty(spark, cfg):
    ages = (0, 17, 18, 24, 25, 34, 35, 44, 45, 59, 60, 61, 200, 201)
    cases = {f"age_{age}": {"age": age} for age in ages} | {"age_null": {}}
    want = [("age_0", "age_lt_18"), ("age_17", "age_lt_18"),
            ("age_18", "age_18_24"), ("age_24", "age_18_24"),
            ("age_25", "age_25_34"), ("age_34", "age_25_34"),
            ("age_35", "age_35_44"), ("age_44", "age_35_44"),
            ("age_45", "age_45_59"), ("age_59", "age_45_59"),
            ("age_60", "age_60_plus"), ("age_60", "silver"),
            ("age_61", "age_60_plus"), ("age_61", "silver"),
            ("age_200", "age_60_plus"), ("age_200", "silver"),
            ("age_201", "silver")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_gen_z_is_born_1995_to_2009_inclusive(spark, cfg):
    cases = {f"born_{year}": {"birth_year": year} for year in (1994, 1995, 2002, 2009, 2010)}
    cases |= {"born_null": {}}
    want = [("born_1995", "gen_z"), ("born_2002", "gen_z"), ("born_2009", "gen_z")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_free_text_attributes_become_sanitised_names(spark, cfg):
    cases = {
        "full": {"gender": "female", "occupation": "Civil Servant", "province": " Guangdong ",
                 "city_tier": 1, "device_model": "iPhone 15", "os": "iOS",
                 "os_version": "17.5", "org_department": "R&D", "org_rank": "Senior Manager"},
        "partial": {"gender": "unknown", "city_tier": 5, "os": "android"},
        "version_without_os": {"os_version": "14", "device_model": "Xiaomi Pad 6"},
        "no_letters": {"occupation": "—", "province": " 广东 ", "org_rank": "  ",
                       "org_department": "", "os": "HarmonyOS", "os_version": "-"},
        "null": {},
    }
    want = [("full", "gender_female"), ("full", "occupation_civil_servant"),
            ("full", "province_guangdong"), ("full", "city_tier_1"),
            ("full", "device_iphone_15"), ("full", "os_ios"), ("full", "os_version_ios_17_5"),
            ("full", "dept_r_d"), ("full", "rank_senior_manager"),
            ("partial", "gender_unknown"), ("partial", "city_tier_5"),
            ("partial", "os_android"),
            ("version_without_os", "device_xiaomi_pad_6"),
            ("no_letters", "province_广东"),  # letters of any script name a segment
            ("no_letters", "os_harmonyos")]
    assert_df_equality(held(spark, cfg, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


def test_age_band_column(spark, cfg):
    cases = {"teen": {"age": 17}, "adult": {"age": 25}, "senior": {"age": 60},
             "beyond": {"age": 201}, "null": {}}
    actual = (profile(spark, cases).transform(with_attributes_columns(cfg))
              .select("user_key", "age_band"))
    want = spark.createDataFrame(
        [("teen", "lt_18"), ("adult", "25_34"), ("senior", "60_plus"), ("beyond", None),
         ("null", None)],
        T.StructType([T.StructField("user_key", T.StringType()),
                      T.StructField("age_band", T.StringType())]))
    assert_df_equality(actual, want, ignore_row_order=True, ignore_nullable=True)


def test_thresholds_come_from_conf(spark, cfg):
    changed = cfg.with_overrides({
        "segments.attributes.age_bands": [[0, 29, "young"], [30, 200, "older"]],
        "segments.attributes.gen_z_birth_years": [1997, 2012],
        "segments.attributes.silver_min_age": 65,
    })
    cases = {"age_64": {"age": 64, "birth_year": 1962},
             "age_65": {"age": 65, "birth_year": 1961},
             "born_1996": {"age": 30, "birth_year": 1996},
             "born_2012": {"age": 14, "birth_year": 2012}}
    want = [("age_64", "age_older"), ("age_65", "age_older"), ("age_65", "silver"),
            ("born_1996", "age_older"), ("born_2012", "age_young"), ("born_2012", "gen_z")]
    assert_df_equality(held(spark, changed, cases), expected(spark, want),
                       ignore_row_order=True, ignore_nullable=True)


@pytest.mark.parametrize("bands", [[], [[18, 10, "upside_down"]], [[0, 17]],
                                   [[0, 17, ""]], [[0.5, 17, "lt_18"]]])
def test_malformed_age_bands_fail_at_load(cfg, bands):
    with pytest.raises(ConfigError, match=r"segments\.attributes\.age_bands"):
        cfg.with_overrides({"segments.attributes.age_bands": bands})

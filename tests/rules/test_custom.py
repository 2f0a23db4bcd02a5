"""Family custom: rules evaluated over a hand-built profile, rules on rules and built-ins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.profile.schemas import PROFILE_COLUMNS
from jobs.rules.library import load_rules
from jobs.rules.transforms import custom_memberships, rule_memberships
from jobs.segments.base import MEMBERSHIP_SCHEMA
from jobs.segments.schemas import SEGMENT_MEMBERSHIP
from jobs.segments.transforms import all_memberships
from tests.rules.helpers import ARTICLE, rule, write_rules

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)


def profile_schema(*columns: str) -> T.StructType:
    return T.StructType([T.StructField(c, PROFILE_COLUMNS[c][0])
                         for c in ("snapshot_date", "user_key", *columns)])


def members(spark, rows):
    """(user, segment, rule_version) -> gold membership rows of the custom family."""
    return spark.createDataFrame([(D, user, "custom", segment, version)
                                  for user, segment, version in rows],
                                 SEGMENT_MEMBERSHIP.schema)


def test_the_articles_example_rule_at_its_bounds(spark, tmp_path):
    rules = load_rules(spark, write_rules(tmp_path, rule("article_example", ARTICLE)))
    schema = profile_schema("age", "paid_30d", "dominant_slot")
    cases = [
        ("lowest_bounds", 25, Decimal("1000.00"), "prime_evening"),
        ("highest_bounds", 35, Decimal("3000.00"), "prime_evening"),
        ("age_24", 24, Decimal("2000.00"), "prime_evening"),
        ("age_36", 36, Decimal("2000.00"), "prime_evening"),
        ("paid_999_99", 30, Decimal("999.99"), "prime_evening"),
        ("paid_3000_01", 30, Decimal("3000.01"), "prime_evening"),
        ("lunch_user", 30, Decimal("2000.00"), "lunch"),
        ("no_slot", 30, Decimal("2000.00"), None),
        ("all_null", None, None, None),
    ]
    profile = spark.createDataFrame([(D, *case) for case in cases], schema)
    version = rules[0].rule_version
    want = members(spark, [("lowest_bounds", "article_example", version),
                           ("highest_bounds", "article_example", version)])
    assert version.startswith("1@") and len(version) == 14
    assert_df_equality(rule_memberships(profile, rules), want, ignore_row_order=True,
                       ignore_nullable=True, ignore_metadata=True)


def test_rules_on_rules_and_on_built_in_segments(spark, cfg, tmp_path):
    folder = write_rules(
        tmp_path,
        rule("c", "in_segment('custom', 'b') and not in_segment('custom', 'a')"),
        rule("b", "in_segment('custom', 'a') or in_segment('rfm', 'champions')"),
        rule("a", "age > 30"))
    library = cfg.with_overrides({"rules.library": str(folder)})
    profile = spark.createDataFrame([(D, "old", 40), (D, "young_champion", 20),
                                     (D, "young", 20), (D, "ageless_champion", None),
                                     (D, "ageless", None)], profile_schema("age"))
    built_in = spark.createDataFrame(
        [(D, "young_champion", "rfm", "champions"), (D, "ageless_champion", "rfm", "champions"),
         (D, "young", "rfm", "lost"), (D, "young", "lifecycle", "champions")],
        MEMBERSHIP_SCHEMA)
    asked: list[str] = []

    def family_rows(family):
        asked.append(family)
        return built_in.filter(built_in["family"] == family)

    held = profile.transform(custom_memberships(library, family_rows))
    version = {r.id: r.rule_version for r in load_rules(spark, folder)}
    want = members(spark, [("old", "a", version["a"]), ("old", "b", version["b"]),
                           ("young_champion", "b", version["b"]),
                           ("young_champion", "c", version["c"]),
                           ("ageless_champion", "b", version["b"]),
                           ("ageless_champion", "c", version["c"])])
    assert_df_equality(held, want, ignore_row_order=True, ignore_nullable=True,
                       ignore_metadata=True)
    assert asked == ["rfm"]


LIFECYCLE = ("days_since_registration", "logins_30d", "active_days_14d", "active_days_14d_prior",
             "paid_orders_90d", "event_types_7d", "product_views_7d", "paid_orders_7d",
             "login_streak_days", "login_recency_days")


def test_the_engine_evaluates_custom_with_the_built_in_rows(spark, cfg, tmp_path):
    folder = write_rules(tmp_path, rule("young_newcomer",
                                        "in_segment('lifecycle', 'new') and age < 30"))
    library = cfg.with_overrides({"rules.library": str(folder)})
    steady = (100, 10, 5, 5, 0, 5, 0, 0, 1, 0)
    new = (3, *steady[1:])
    profile = spark.createDataFrame(   # all consenting: custom rules are marketing audiences
        [(D, "new_young", *new, 25, True), (D, "new_old", *new, 45, True),
         (D, "steady_young", *steady, 25, True),
         (D, "nulls", *([None] * len(LIFECYCLE)), None, True)],
        profile_schema(*LIFECYCLE, "age", "consent_marketing"))
    version = load_rules(spark, folder)[0].rule_version
    rows = [(D, user, "lifecycle", stage, None) for user, stage in
            [("new_young", "new"), ("new_old", "new"), ("steady_young", "growing"),
             ("nulls", "growing")]]
    rows.append((D, "new_young", "custom", "young_newcomer", version))
    want = spark.createDataFrame(rows, SEGMENT_MEMBERSHIP.schema)
    assert_df_equality(all_memberships(profile, library, ("lifecycle", "custom")), want,
                       ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)
    only_custom = all_memberships(profile, library, ("custom",))
    assert_df_equality(only_custom, want.filter(want["family"] == "custom"),
                       ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)

"""Consent as of a date: a withdrawal landed on W takes a user out of every marketing segment
from snapshot W on, not before; no answer is no consent; aggregates follow the conf."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.errors import ConfigError
from jobs.common.secrets import PseudonymKey
from jobs.privacy.consent import filter_consented, gated_families
from jobs.profile.transforms import consent_as_of
from jobs.segments.base import FAMILIES, MEMBERSHIP_SCHEMA
from jobs.segments.schemas import SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.segments.transforms import all_memberships, summary
from jobs.silver.pseudonym import key_frame
from jobs.silver.schemas import SILVER_USER_CONSENT
from jobs.silver.transforms import consent_history

pytestmark = pytest.mark.unit

KEY = bytes.fromhex("00112233445566778899aabbccddeeff" * 2)
W = dt.date(2026, 6, 20)                      # the withdrawal lands on W
BEFORE, GIVEN = W - dt.timedelta(days=1), dt.date(2026, 6, 1)
BRONZE = T.StructType([
    T.StructField("user_id", T.StringType()),
    T.StructField("consent_marketing", T.BooleanType()),
    T.StructField("updated_at", T.TimestampType()),
    T.StructField("ingest_date", T.DateType()),
])
PROFILE = T.StructType([T.StructField("snapshot_date", T.DateType()),
                        T.StructField("user_key", T.StringType()),
                        T.StructField("consent_marketing", T.BooleanType()),
                        T.StructField("rfm_group", T.StringType())])


def pseudonym(user_id: str) -> str:
    return hmac.new(KEY, user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour)


def history(spark):
    """silver/user_consent of: a user who withdraws on W, one who consents on W, one who
    always consents, one with an unknown answer, one whose W holds two versions."""
    return spark.createDataFrame([
        ("withdraws", GIVEN, True, at(GIVEN, 9)), ("withdraws", W, False, at(W, 9)),
        ("consents_on_w", GIVEN, False, at(GIVEN, 9)), ("consents_on_w", W, True, at(W, 9)),
        ("always", GIVEN, True, at(GIVEN, 9)),
        ("unknown", GIVEN, None, None),
    ], SILVER_USER_CONSENT.schema)


def test_the_consent_history_keeps_one_version_per_landing_day(spark):
    bronze = spark.createDataFrame([
        ("u1", True, at(GIVEN, 9), GIVEN),
        ("u1", True, at(W, 8), W),              # W: withdrawn later the same day
        ("u1", False, at(W, 18), W),
        ("u2", True, at(W, 10), W),             # W: same updated_at, both answers: no wins
        ("u2", False, at(W, 10), W),
        ("u3", None, None, W),                  # a null row: unknown answer, no timestamp
    ], BRONZE)
    keys = key_frame(spark, PseudonymKey(KEY, "test"))
    want = spark.createDataFrame([
        (pseudonym("u1"), GIVEN, True, at(GIVEN, 9)),
        (pseudonym("u1"), W, False, at(W, 18)),
        (pseudonym("u2"), W, False, at(W, 10)),
        (pseudonym("u3"), W, None, None),
    ], SILVER_USER_CONSENT.schema)
    assert_df_equality(consent_history(bronze, keys), want, ignore_row_order=True,
                       ignore_nullable=True, ignore_metadata=True)


def test_the_consent_in_force_is_the_latest_version_landed_by_the_snapshot(spark):
    schema = T.StructType([T.StructField("user_key", T.StringType()),
                           T.StructField("consent_marketing", T.BooleanType())])
    want_before = spark.createDataFrame([("withdraws", True), ("consents_on_w", False),
                                         ("always", True), ("unknown", None)], schema)
    want_on_w = spark.createDataFrame([("withdraws", False), ("consents_on_w", True),
                                       ("always", True), ("unknown", None)], schema)
    assert_df_equality(consent_as_of(history(spark), BEFORE), want_before,
                       ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(consent_as_of(history(spark), W), want_on_w, ignore_row_order=True,
                       ignore_nullable=True)
    assert consent_as_of(history(spark), GIVEN - dt.timedelta(days=1)).count() == 0


def profile_of(spark, day):
    """The snapshot's profile: every user subscribed to sports, consent as of the day (as
    jobs/profile joins it) and the interest columns the family reads."""
    users = spark.createDataFrame([(u,) for u in ("withdraws", "consents_on_w", "always",
                                                  "unknown", "no_version")], "user_key string")
    consent = consent_as_of(history(spark), day)
    return users.join(consent, on="user_key", how="left").select(
        F.lit(day).alias("snapshot_date"), "user_key", "consent_marketing",
        F.array(F.lit("sports")).alias("explicit_interests"),
        F.lit(None).cast("array<string>").alias("implicit_interests"),
        F.lit(None).cast("string").alias("primary_interest"),
        F.lit(None).cast("string").alias("secondary_interest"))


def memberships_of(spark, cfg, day):
    return all_memberships(profile_of(spark, day), cfg, ("interest",))


def expected(spark, day, users):
    return spark.createDataFrame([(day, u, "interest", "interest_sports", None) for u in users],
                                 SEGMENT_MEMBERSHIP.schema)


def test_a_withdrawal_on_w_leaves_the_marketing_segment_from_w(spark, cfg):
    assert "interest" in cfg.get("privacy.consent.marketing_families")
    assert_df_equality(memberships_of(spark, cfg, BEFORE),
                       expected(spark, BEFORE, ["withdraws", "always"]),
                       ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)
    assert_df_equality(memberships_of(spark, cfg, W),
                       expected(spark, W, ["consents_on_w", "always"]),
                       ignore_row_order=True, ignore_nullable=True, ignore_metadata=True)


def membership_rows(spark, rows):
    return spark.createDataFrame([(W, user, family, segment) for user, family, segment in rows],
                                 MEMBERSHIP_SCHEMA)


def test_only_marketing_families_need_consent_unless_aggregates_exclude_them_too(spark, cfg):
    profile = spark.createDataFrame([(W, "yes", True, None), (W, "no", False, None),
                                     (W, "unknown", None, None), (None, None, None, None)],
                                    PROFILE)
    rows = membership_rows(spark, [("yes", "rfm", "lost"), ("no", "rfm", "lost"),
                                   ("unknown", "custom", "r1"), ("no", "lifecycle", "growing"),
                                   ("unknown", "lifecycle", "growing")])
    marketing = gated_families(cfg, FAMILIES)
    want = membership_rows(spark, [("yes", "rfm", "lost"), ("no", "lifecycle", "growing"),
                                   ("unknown", "lifecycle", "growing")])
    assert_df_equality(rows.transform(filter_consented(profile, marketing)), want,
                       ignore_row_order=True, ignore_nullable=True)
    strict = cfg.with_overrides({"privacy.consent.count_in_aggregates": False})
    assert gated_families(strict, FAMILIES) == FAMILIES
    assert_df_equality(rows.transform(filter_consented(profile, gated_families(strict,
                                                                               FAMILIES))),
                       membership_rows(spark, [("yes", "rfm", "lost")]),
                       ignore_row_order=True, ignore_nullable=True)


def test_an_unknown_marketing_family_fails_naming_it(cfg):
    typo = cfg.with_overrides({"privacy.consent.marketing_families": ["rfm", "cosumption"]})
    with pytest.raises(ConfigError, match="cosumption"):
        gated_families(typo, FAMILIES)


def test_the_share_base_counts_non_consenting_users_only_when_configured(spark):
    profile = spark.createDataFrame([(W, f"yes{i}", True, None) for i in range(10)]
                                    + [(W, f"no{i}", False, None) for i in range(10)]
                                    + [(W, "unknown", None, None)], PROFILE)
    membership = membership_rows(spark, [(f"yes{i}", "rfm", "lost") for i in range(10)])
    counted = summary(membership, profile, min_size=50, k=10, count_all_users=True)
    consenting_only = summary(membership, profile, min_size=50, k=10, count_all_users=False)
    assert_df_equality(counted, spark.createDataFrame(
        [(W, "rfm", "lost", 10, 10 / 21, True, False)], SEGMENT_SUMMARY.schema),
        ignore_nullable=True, ignore_metadata=True)
    assert_df_equality(consenting_only, spark.createDataFrame(
        [(W, "rfm", "lost", 10, 1.0, True, False)], SEGMENT_SUMMARY.schema),
        ignore_nullable=True, ignore_metadata=True)

"""The erasure's DataFrame logic, one case at a time: targets and tombstones, the ingest
check that keeps an erased user out, the re-pointed circle label, redacted examples."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.common.secrets import PseudonymKey
from jobs.erasure.transforms import identifiers, redacted_examples, relabelled, targets
from jobs.ingest.transforms import (
    classify,
    known_users,
    quarantine_rows,
    reconciliation,
    with_erased_reason,
)
from jobs.quality.schemas import VALIDATION_RESULTS
from jobs.silver.pseudonym import key_frame
from jobs.social.schemas import USER_SOCIAL

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
KEY = bytes.fromhex("5e" * 32)
LINES = T.StructType([T.StructField("value", T.StringType()),
                      T.StructField("ingest_date", T.DateType())])
TARGETS = T.StructType([T.StructField("user_id", T.StringType()),
                        T.StructField("user_key", T.StringType()),
                        T.StructField("tombstone", T.StringType())])


def mac(message: str) -> str:
    return hmac.new(KEY, message.encode("utf-8"), hashlib.sha256).hexdigest()


@pytest.fixture
def keys(spark):
    return key_frame(spark, PseudonymKey(KEY, "test"))


def test_targets_are_distinct_trimmed_ids_with_their_pseudonym_and_tombstone(spark, keys):
    ids = spark.createDataFrame([("  u1 ",), ("u1",), ("",), ("   ",), (None,), ("u2",)],
                                "value string")
    expected = spark.createDataFrame(
        [(u, mac(u), mac("tombstone:" + u)) for u in ("u1", "u2")], TARGETS)
    actual = targets(ids, keys)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
    # The tombstone is neither the id nor the pseudonym.
    assert mac("tombstone:u1") not in (mac("u1"), "u1")


def event(user_id: str, event_id: str) -> str:
    return json.dumps({"event_id": event_id, "user_id": user_id,
                       "event_ts": "2026-06-30T10:00:00Z", "event_type": "login",
                       "content_type": "none", "device_type": "phone", "network": "wifi"})


def test_ingest_drops_and_counts_an_erased_users_lines_and_quarantines_none(spark, cfg, keys):
    users = known_users(spark.createDataFrame([("u1", D), ("u_gone_x", D)],
                                              "user_id string, ingest_date date"))
    tombstones = targets(spark.createDataFrame([("u_gone",)], "value string"), keys)
    cases = [
        (event("u_gone", "e1"), "erased_user"),
        (event(" u_gone ", "e2"), "erased_user"),                        # trimmed on load
        ('{"event_id":"e3","user_id":"u_gone","event_ts":"2026-', "erased_user"),  # cut
        (event("u_gone_x", "e4"), None),                                 # not a substring
        (event("u_gone_y", "e5"), "unknown_user_id"),
        (event("u1", "e6"), None),
        (None, "malformed_record"),
    ]
    lines = spark.createDataFrame([(line, D) for line, _ in cases] + [(cases[0][0], D)], LINES)
    classified = classify(lines, "events", cfg, users, with_erased_reason(tombstones, keys))
    reasons = T.StructType([T.StructField("value", T.StringType()),
                            T.StructField("reason", T.StringType())])
    assert_df_equality(classified.select("value", "reason"),
                       spark.createDataFrame(cases, reasons),
                       ignore_row_order=True, ignore_nullable=True)
    recon = T.StructType([T.StructField(n, t) for n, t in (
        ("source", T.StringType()), ("ingest_date", T.DateType()), ("read", T.LongType()),
        ("loaded", T.LongType()), ("quarantined", T.LongType()), ("duplicates", T.LongType()),
        ("erased", T.LongType()))])
    assert_df_equality(reconciliation(classified, "events"),
                       spark.createDataFrame([("events", D, 8, 2, 2, 1, 3)], recon),
                       ignore_nullable=True)
    quarantined = quarantine_rows(classified, "events", "r1").select("reason")
    assert sorted(r["reason"] for r in quarantined.collect()) == ["malformed_record",
                                                                  "unknown_user_id"]


def test_a_relation_naming_an_erased_friend_is_dropped(spark, cfg, keys):
    users = known_users(spark.createDataFrame([("u1", D), ("u2", D)],
                                              "user_id string, ingest_date date"))
    tombstones = targets(spark.createDataFrame([("u_gone",)], "value string"), keys)
    def edge(user_id: str, friend_id: str) -> str:
        return json.dumps({"user_id": user_id, "friend_id": friend_id,
                           "created_at": "2026-06-30T10:00:00Z"})

    cases = [(edge("u1", "u_gone"), "erased_user"), (edge("u_gone", "u2"), "erased_user"),
             (edge("u1", "u2"), None)]
    lines = spark.createDataFrame([(line, D) for line, _ in cases], LINES)
    classified = classify(lines, "relations", cfg, users, with_erased_reason(tombstones, keys))
    reasons = T.StructType([T.StructField("value", T.StringType()),
                            T.StructField("reason", T.StringType())])
    assert_df_equality(classified.select("value", "reason"),
                       spark.createDataFrame(cases, reasons),
                       ignore_row_order=True, ignore_nullable=True)


def test_a_circle_labelled_by_an_erased_key_takes_its_smallest_remaining_member(spark):
    social = T.StructType([f for f in USER_SOCIAL.schema.fields
                           if f.name in ("snapshot_date", "user_key", "tight_circle_id")])
    rows = [(D, "k_a", "k_a"), (D, "k_c", "k_a"), (D, "k_b", "k_a"),   # labelled by k_a
            (D, "k_x", "k_x"), (D, "k_y", "k_x"),                      # another circle
            (D, "k_n", None),                                          # no circle
            (D - dt.timedelta(days=1), "k_d", "k_a")]                  # an older snapshot
    table = spark.createDataFrame(rows, social)
    erased = spark.createDataFrame([("u_a", "k_a", "t_a")], TARGETS)
    expected = spark.createDataFrame(
        [(D, "k_b", "k_b"), (D, "k_c", "k_b"), (D - dt.timedelta(days=1), "k_d", "k_d")],
        "snapshot_date date, user_key string, _label string")
    assert_df_equality(relabelled(table, USER_SOCIAL, "tight_circle_id", erased), expected,
                       ignore_row_order=True, ignore_nullable=True)


def test_quality_examples_quoting_a_target_are_redacted_others_untouched(spark):
    keys = ("run_date", "table_name", "suite", "expectation_index")
    schema = T.StructType([f for f in VALIDATION_RESULTS.schema.fields
                           if f.name in (*keys, "observed_value", "unexpected_examples")])
    rows = [(D, "gold/user_profile", "s", 1, None, '["k_a", "k_z"]'),
            (D, "gold/user_profile", "s", 2, "u_a and k_a", None),
            (D, "gold/user_profile", "s", 3, "k_z", '["k_z"]'),
            (D, "gold/user_profile", "s", 4, None, None)]
    table = spark.createDataFrame(rows, schema)
    needles = spark.createDataFrame([("k_a",), ("u_a",)], "needle string")
    expected = spark.createDataFrame(
        [(D, "gold/user_profile", "s", 1, None, '["[erased]", "k_z"]'),
         (D, "gold/user_profile", "s", 2, "[erased] and [erased]", None)], schema)
    assert_df_equality(redacted_examples(table, VALIDATION_RESULTS, keys, needles), expected,
                       ignore_row_order=True, ignore_nullable=True)


def test_identifiers_are_each_targets_id_and_phone(spark, keys):
    erased = targets(spark.createDataFrame([("u1",), ("u2",)], "value string"), keys)
    bronze = spark.createDataFrame([("u1", " 13800000001 "), ("u2", None), ("u3", "13800000003")],
                                   "user_id string, phone string")
    expected = spark.createDataFrame(
        [("u1", mac("u1"), "u1"), ("u1", mac("u1"), "13800000001"), ("u2", mac("u2"), "u2")],
        "user_id string, user_key string, identifier string")
    assert_df_equality(identifiers(erased, bronze), expected, ignore_row_order=True,
                       ignore_nullable=True)


def test_a_record_that_lost_its_user_id_is_dropped_by_the_erased_phone(spark, cfg, keys):
    phone_tombstone = spark.createDataFrame([(mac("tombstone:13800000001"),)], "tombstone string")
    user = {"registered_at": "2026-06-01T00:00:00Z", "phone": "13800000001"}
    cases = [(json.dumps({"user_id": None, **user}), "erased_user"),
             (json.dumps({"user_id": None, **user, "phone": "13800000002"}), "missing_user_id")]
    lines = spark.createDataFrame([(line, D) for line, _ in cases], LINES)
    actual = classify(lines, "users", cfg, None,
                      with_erased_reason(phone_tombstone, keys)).select("value", "reason")
    reasons = T.StructType([T.StructField("value", T.StringType()),
                            T.StructField("reason", T.StringType())])
    assert_df_equality(actual, spark.createDataFrame(cases, reasons), ignore_row_order=True,
                       ignore_nullable=True)

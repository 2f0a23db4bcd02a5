"""Parsers and validation rules of bronze ingestion, one boundary at a time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.ingest.transforms import classify, known_users, quarantine_rows, reconciliation

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
LINES = T.StructType([T.StructField("value", T.StringType()),
                      T.StructField("ingest_date", T.DateType())])
REASONS = T.StructType([T.StructField("value", T.StringType()),
                        T.StructField("reason", T.StringType())])


@pytest.fixture
def users(spark):
    rows = [("u1", D), ("u2", D - dt.timedelta(days=3)), ("u_later", D + dt.timedelta(days=1))]
    bronze = spark.createDataFrame(rows, "user_id string, ingest_date date")
    return known_users(bronze)


def reasons(spark, cfg, source, lines, users=None):
    frame = spark.createDataFrame([(line, D) for line in lines], LINES)
    return classify(frame, source, cfg, users).select("value", "reason")


def expected(spark, pairs):
    return spark.createDataFrame(pairs, REASONS)


def event(**fields):
    base = {"event_id": "e1", "user_id": "u1", "event_ts": "2026-06-30T10:00:00Z",
            "event_type": "login", "content_type": "none", "duration_s": "30",
            "device_type": "phone", "network": "wifi"}
    base.update(fields)
    body = ",".join(f'"{k}":null' if v is None else f'"{k}":"{v}"' for k, v in base.items())
    return "{" + body + "}"


def test_events_each_rule_at_its_boundary(spark, cfg, users):
    # Asia/Shanghai: D ends at 2026-06-30T16:00:00Z. One second before is valid, the
    # boundary itself is in the future.
    cases = [
        (event(event_id="ok"), None),
        (event(event_id="last_second", event_ts="2026-06-30T15:59:59Z"), None),
        (event(event_id="at_midnight", event_ts="2026-06-30T16:00:00Z"),
         "future_timestamp:event_ts"),
        (event(event_id="late", event_ts="2026-06-22T16:00:00Z"), None),  # 06-23 local: 7 days
        (event(event_id="too_late", event_ts="2026-06-22T15:59:59Z"), "too_late:event_ts"),
        ('{"event_id": "trunc", "user_id": "u1", "event_ts": "2026-', "malformed_record"),
        ("[1, 2, 3]", "malformed_record"),
        ("", "malformed_record"),
        (None, "malformed_record"),
        (event(event_id=None), "missing_event_id"),
        (event(event_id="no_user", user_id=None), "missing_user_id"),
        (event(event_id="blank_user", user_id="  "), "missing_user_id"),
        (event(event_id="bad_ts", event_ts="not-a-date"), "bad_timestamp:event_ts"),
        (event(event_id="no_ts", event_ts=None), "missing_event_ts"),
        (event(event_id="ancient", event_ts="1999-12-31T23:59:59Z"), "bad_timestamp:event_ts"),
        (event(event_id="teleport", event_type="teleport"), "unknown_event_type"),
        (event(event_id="upper", event_type="LOGIN"), None),
        (event(event_id="tv", device_type="tv"), "unknown_device_type"),
        (event(event_id="podcast", content_type="podcast"), "unknown_content_type"),
        (event(event_id="6g", network="6g"), "unknown_network"),
        (event(event_id="neg", duration_s="-1"), "bad_duration"),
        (event(event_id="zero", duration_s="0"), None),
        (event(event_id="long", duration_s="86401"), "bad_duration"),
        (event(event_id="day", duration_s="86400"), None),
        (event(event_id="text", duration_s="ten"), "bad_duration"),
        (event(event_id="null_duration", duration_s=None), None),
        (event(event_id="stranger", user_id="u404"), "unknown_user_id"),
        (event(event_id="not_yet", user_id="u_later"), "unknown_user_id"),
        (event(event_id="older_user", user_id="u2"), None),
    ]
    actual = reasons(spark, cfg, "events", [c[0] for c in cases], users)
    assert_df_equality(actual, expected(spark, cases), ignore_row_order=True,
                       ignore_nullable=True)


def order(**fields):
    base = {"order_id": "o1", "user_id": "u1", "order_ts": "2026-06-30T10:00:00Z",
            "amount": "10.50", "coupon_used": "false", "status": "paid"}
    base.update(fields)
    body = ",".join(f'"{k}":null' if v is None else f'"{k}":"{v}"' for k, v in base.items())
    return "{" + body + "}"


def test_orders_amount_and_status_rules(spark, cfg, users):
    cases = [
        (order(), None),
        (order(order_id="zero", amount="0"), None),
        (order(order_id="neg", amount="-0.01"), "negative_amount"),
        (order(order_id="nan", amount="12,5x"), "non_numeric_amount"),
        (order(order_id="none", amount=None), "missing_amount"),
        (order(order_id="max", amount="1000000"), None),
        (order(order_id="huge", amount="1000000.01"), "amount_too_large"),
        (order(order_id="refund", status="refunded"), None),
        (order(order_id="lost", status="lost"), "unknown_status"),
        (order(order_id="coupon", coupon_used="maybe"), "bad_coupon_flag"),
        (order(order_id=None), "missing_order_id"),
        ('{"order_id": 7, "user_id": "u1", "order_ts": "2026-06-30T10:00:00Z", "amount": 99.9,'
         ' "coupon_used": true, "status": "paid"}', None),
    ]
    actual = reasons(spark, cfg, "orders", [c[0] for c in cases], users)
    assert_df_equality(actual, expected(spark, cases), ignore_row_order=True,
                       ignore_nullable=True)


def test_orders_typed_columns(spark, cfg, users):
    line = ('{"order_id": 7, "user_id": "u1", "order_ts": "2026-06-30T10:00:00Z", '
            '"amount": 99.9, "coupon_used": true, "status": "PAID"}')
    frame = spark.createDataFrame([(line, D), (order(order_id="n", amount=None, coupon_used=None,
                                                     status=None), D)], LINES)
    typed = classify(frame, "orders", cfg, users).select(
        "order_id", "user_id", "order_ts", "amount", "coupon_used", "status")
    schema = T.StructType([
        T.StructField("order_id", T.StringType()), T.StructField("user_id", T.StringType()),
        T.StructField("order_ts", T.TimestampType()),
        T.StructField("amount", T.DecimalType(18, 2)),
        T.StructField("coupon_used", T.BooleanType()), T.StructField("status", T.StringType()),
    ])
    want = spark.createDataFrame([
        ("7", "u1", dt.datetime(2026, 6, 30, 10, 0), Decimal("99.90"), True, "paid"),
        ("n", "u1", dt.datetime(2026, 6, 30, 10, 0), None, None, None),
    ], schema)
    assert_df_equality(typed, want, ignore_row_order=True, ignore_nullable=True)


def user(**fields):
    base = {"user_id": "u9", "registered_at": "2026-06-30T01:00:00Z", "birth_year": "1990",
            "gender": "female", "city_tier": "1", "consent_marketing": "true",
            "phone": "13800000000", "nickname": "nick"}
    base.update(fields)
    body = ",".join(f'"{k}":null' if v is None else f'"{k}":"{v}"' for k, v in base.items())
    return "{" + body + "}"


def test_users_rules(spark, cfg):
    cases = [
        (user(), None),
        (user(user_id=None), "missing_user_id"),
        (user(user_id="a", registered_at="yesterday"), "bad_timestamp:registered_at"),
        (user(user_id="b", registered_at="2026-07-01T00:00:00Z"),
         "future_timestamp:registered_at"),
        (user(user_id="c", birth_year="19x0"), "bad_birth_year"),
        (user(user_id="d", birth_year="1899"), "bad_birth_year"),
        (user(user_id="e", birth_year=None), None),
        (user(user_id="f", gender="robot"), "unknown_gender"),
        (user(user_id="g", city_tier="first"), "bad_city_tier"),
        (user(user_id="h", consent_marketing="perhaps"), "bad_consent_flag"),
    ]
    actual = reasons(spark, cfg, "users", [c[0] for c in cases])
    assert_df_equality(actual, expected(spark, cases), ignore_row_order=True,
                       ignore_nullable=True)


def test_relations_check_both_endpoints(spark, cfg, users):
    def edge(a, b, ts="2026-06-30T01:00:00Z"):
        a = "null" if a is None else f'"{a}"'
        return f'{{"user_id": {a}, "friend_id": "{b}", "created_at": "{ts}"}}'

    cases = [
        (edge("u1", "u2"), None),
        (edge("u1", "u404"), "unknown_user_id"),
        (edge("u404", "u1"), "unknown_user_id"),
        (edge("u1", "u1"), "self_relation"),
        (edge(None, "u1"), "missing_user_id"),
        (edge("u2", "u1", ts="2026-07-02T00:00:00Z"), "future_timestamp:created_at"),
    ]
    actual = reasons(spark, cfg, "relations", [c[0] for c in cases], users)
    assert_df_equality(actual, expected(spark, cases), ignore_row_order=True,
                       ignore_nullable=True)


def test_exact_duplicates_counted_once_and_reconciled(spark, cfg, users):
    good, bad = event(event_id="dup"), event(event_id="dup_bad", event_type="teleport")
    lines = [(good, D), (good, D), (good, D), (bad, D), (bad, D), (event(event_id="x"), D),
             (None, D)]
    classified = classify(spark.createDataFrame(lines, LINES), "events", cfg, users)
    recon_schema = T.StructType([
        T.StructField("source", T.StringType()), T.StructField("ingest_date", T.DateType()),
        T.StructField("read", T.LongType()), T.StructField("loaded", T.LongType()),
        T.StructField("quarantined", T.LongType()), T.StructField("duplicates", T.LongType()),
        T.StructField("erased", T.LongType()),
    ])
    want = spark.createDataFrame([("events", D, 7, 2, 2, 3, 0)], recon_schema)
    assert_df_equality(reconciliation(classified, "events"), want, ignore_nullable=True)

    quarantine_schema = T.StructType([
        T.StructField("source", T.StringType()), T.StructField("raw_record", T.StringType()),
        T.StructField("reason", T.StringType()), T.StructField("run_id", T.StringType()),
        T.StructField("ingest_date", T.DateType()),
    ])
    want_q = spark.createDataFrame([
        ("events", bad, "unknown_event_type", "r1", D),
        ("events", None, "malformed_record", "r1", D),
    ], quarantine_schema)
    assert_df_equality(quarantine_rows(classified, "events", "r1"), want_q,
                       ignore_row_order=True, ignore_nullable=True)

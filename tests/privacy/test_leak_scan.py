"""The leak scan finds planted identifiers in any string column and nothing in pseudonyms."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.privacy.leak_scan import HIT_SCHEMA, known_identifiers, leak_hits

pytestmark = pytest.mark.unit

KEY = "a" * 20 + "13812345678" + "b" * 33          # eleven digits inside a 64-hex key
BRONZE_USERS = T.StructType([T.StructField(c, T.StringType())
                             for c in ("user_id", "phone", "nickname")])
GOLD = T.StructType([
    T.StructField("user_key", T.StringType()),
    T.StructField("segment", T.StringType()),
    T.StructField("os_version", T.StringType()),
    T.StructField("tags", T.ArrayType(T.StringType())),
    T.StructField("members", T.LongType()),
])


def test_planted_phone_raw_id_ip_and_nickname_are_found(spark):
    identifiers = known_identifiers(spark.createDataFrame([
        ("u000123", "13900001111", "xiaoming_0042"),
        (None, None, None),
    ], BRONZE_USERS))
    gold = spark.createDataFrame([
        (KEY, "silent", "17.5.1", ["sports"], 1),
        (KEY, "call 13800138000 now", "17.5", None, 2),       # a phone in free text
        ("u000123", "rfm", "10.1.2.3", ["xiaoming_0042"], 3),   # raw id, ip, nickname
        (None, None, None, [None], None),
    ], GOLD)
    expected = spark.createDataFrame([
        ("gold/example", "segment", "phone_number", 1, "cal***"),
        ("gold/example", "user_key", "raw_user_id", 1, "u00***"),
        ("gold/example", "os_version", "ip_address", 1, "10.***"),
        ("gold/example", "tags", "raw_nickname", 1, "xia***"),
    ], HIT_SCHEMA)
    hits = leak_hits([("gold/example", gold)], identifiers)
    assert_df_equality(hits, expected, ignore_row_order=True, ignore_nullable=True)


def test_pseudonyms_and_ordinary_values_are_clean(spark):
    identifiers = known_identifiers(spark.createDataFrame([("u1", "13900001111", "nick")],
                                                          BRONZE_USERS))
    gold = spark.createDataFrame([(KEY, "spend_high", "16.4.1", ["tech"], 5)], GOLD)
    assert leak_hits([("gold/example", gold)], identifiers).count() == 0

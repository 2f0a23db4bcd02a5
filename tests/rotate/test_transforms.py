"""Old -> new pairs are the two HMACs of INTERFACES.md; re-keying keeps nulls, fails on strays."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from chispa import assert_df_equality
from pyspark.errors import PySparkException
from pyspark.sql import types as T

from jobs.common.secrets import PseudonymKey
from jobs.rotate.transforms import key_pairs, pairs_check, with_new_keys
from jobs.silver.pseudonym import key_frame

pytestmark = pytest.mark.unit

OLD, NEW = bytes.fromhex("11" * 32), bytes.fromhex("22" * 32)
PAIRS = T.StructType([T.StructField("old_key", T.StringType()),
                      T.StructField("new_key", T.StringType())])
EDGES = T.StructType([T.StructField("user_key", T.StringType()),
                      T.StructField("n", T.IntegerType()),
                      T.StructField("friend_key", T.StringType())])


def ref(key: bytes, user_id: str) -> str:
    return hmac.new(key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def frames(spark):
    return key_frame(spark, PseudonymKey(OLD, "old")), key_frame(spark, PseudonymKey(NEW, "new"))


def test_pairs_are_both_hmacs_once_per_user(spark):
    ids = spark.createDataFrame([("u1",), ("u1",), ("用户-2",), (None,)], "user_id string")
    pairs = key_pairs(ids, *frames(spark))
    expected = spark.createDataFrame([(ref(OLD, u), ref(NEW, u)) for u in ("u1", "用户-2")],
                                     PAIRS)
    assert_df_equality(pairs, expected, ignore_row_order=True, ignore_nullable=True)
    assert pairs_check(pairs) == {"pairs": 2, "old_keys": 2, "new_keys": 2, "clashes": 0}


def test_a_new_key_that_is_an_old_one_is_a_clash(spark):
    pairs = spark.createDataFrame([("a", "b"), ("b", "c")], PAIRS)
    assert pairs_check(pairs) == {"pairs": 2, "old_keys": 2, "new_keys": 2, "clashes": 1}


def test_every_key_column_moves_and_nulls_stay(spark):
    pairs = spark.createDataFrame([("o1", "n1"), ("o2", "n2"), ("o3", "n3")], PAIRS)
    edges = spark.createDataFrame([("o1", 1, "o2"), ("o2", 2, "o1"), ("o3", 3, None),
                                   (None, None, None)], EDGES)
    actual = edges.transform(with_new_keys(pairs, ["user_key", "friend_key"], "t"))
    expected = spark.createDataFrame([("n1", 1, "n2"), ("n2", 2, "n1"), ("n3", 3, None),
                                      (None, None, None)], EDGES)
    assert_df_equality(actual, expected, ignore_row_order=True)


def test_a_key_without_a_pair_fails_the_rows(spark):
    pairs = spark.createDataFrame([("o1", "n1")], PAIRS)
    edges = spark.createDataFrame([("o1", 1, "stray"), (None, None, None)], EDGES)
    moved = edges.transform(with_new_keys(pairs, ["user_key", "friend_key"], "silver/x"))
    with pytest.raises(PySparkException, match="silver/x.friend_key: a key without"):
        moved.collect()

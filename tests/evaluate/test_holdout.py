"""The holdout is stable across runs, close to its share, and reproducible outside Spark."""

from __future__ import annotations

import hashlib

import pytest
from pyspark.sql import functions as F

from jobs.evaluate.holdout import holdout_bucket, with_holdout

pytestmark = pytest.mark.unit

USERS = 200_000
# For n = 200,000 and share 0.1 the standard deviation of the observed share is
# sqrt(0.1 x 0.9 / n) = 0.00067; the tolerance 0.003 is about 4.5 standard deviations.
TOLERANCE = 0.003


def members(spark, segments=("champions", "lost"), users=USERS):
    users = spark.range(users).select(
        F.concat(F.lit("u"), F.col("id").cast("string")).alias("user_key"))
    return users.crossJoin(spark.createDataFrame([("rfm", s) for s in segments],
                                                 "family string, segment string"))


def test_the_share_is_close_to_the_configured_one_per_segment(spark, cfg):
    assert cfg.get("evaluation.holdout_share") == 0.1
    shares = (members(spark).transform(with_holdout(cfg)).groupBy("segment")
              .agg(F.avg(F.col("in_holdout").cast("double")).alias("share"))
              .collect())                                              # two rows
    assert len(shares) == 2
    for row in shares:
        assert abs(row["share"] - 0.1) <= TOLERANCE, row


def test_the_assignment_is_stable_across_runs_and_partitionings(spark, cfg):
    n = 20_000
    first = members(spark, users=n).transform(with_holdout(cfg))
    second = (members(spark, users=n).repartition(7, "segment").transform(with_holdout(cfg))
              .withColumnRenamed("in_holdout", "again"))
    other_salt = cfg.with_overrides({"evaluation.holdout_salt": "holdout-v2"})
    third = (members(spark, users=n).transform(with_holdout(other_salt))
             .withColumnRenamed("in_holdout", "new_salt"))
    keys = ["user_key", "family", "segment"]
    counts = (first.join(second, on=keys, how="inner").join(third, on=keys, how="inner")
              .agg(F.count(F.lit(1)).alias("rows"),
                   F.sum((F.col("in_holdout") != F.col("again")).cast("int")).alias("changed"),
                   F.sum((F.col("in_holdout") != F.col("new_salt")).cast("int")).alias("moved"))
              .first())
    assert (counts["rows"], counts["changed"]) == (2 * n, 0)
    assert counts["moved"] > 0.1 * n                                  # a new salt, a new draw


def test_the_bucket_is_the_documented_sha256_formula(spark):
    keys = [("u1", "rfm", "champions"), ("ünï", "custom", "广东_vip"), ("x" * 64, "a", "b")]
    got = (spark.createDataFrame(keys, "user_key string, family string, segment string")
           .select("user_key", holdout_bucket(F.col("user_key"), F.col("family"),
                                              F.col("segment"), "salt").alias("bucket"))
           .collect())
    python = {u: int(hashlib.sha256(f"{u}|{f}|{s}|salt".encode()).hexdigest()[:8], 16) % 10000
              for u, f, s in keys}
    assert {r["user_key"]: r["bucket"] for r in got} == python

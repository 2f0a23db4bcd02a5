"""A celebrity with 100,000 followers, all followed back, beside a 13-member clique: the
capped candidate generation keeps the run short and the clique is still one tight circle."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from jobs.social.main import social_features
from jobs.social.transforms import edges_as_of, mutual_edges

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FOLLOWERS = 100_000
CLIQUE = 13          # every pair of a 13-clique shares 11 common friends (> 10)


def test_a_hub_of_100000_followers_is_bounded(spark, cfg):
    cfg = cfg.with_overrides({"segments.social.max_degree": 200})
    fan = F.concat(F.lit("f"), F.lpad(F.col("id").cast("string"), 6, "0"))
    followers = spark.range(FOLLOWERS).select(fan.alias("user_key"),
                                              F.lit("hub").alias("friend_key"))
    back = followers.select(F.col("friend_key").alias("user_key"),
                            F.col("user_key").alias("friend_key"))
    member = F.concat(F.lit("k"), F.col("id").cast("string"))
    clique = (spark.range(10, 10 + CLIQUE).select(member.alias("user_key"))
              .crossJoin(spark.range(10, 10 + CLIQUE).select(member.alias("friend_key")))
              .filter(F.col("user_key") != F.col("friend_key")))
    relations = (followers.unionByName(back).unionByName(clique)
                 .select("*", F.lit(D).alias("created_date"), F.lit(D).alias("ingest_date")))
    started = time.perf_counter()
    edges = edges_as_of(relations, D).localCheckpoint()
    features = social_features(edges, mutual_edges(edges).localCheckpoint(), cfg, D) \
        .localCheckpoint()
    elapsed = time.perf_counter() - started
    print(f"\nhub of {FOLLOWERS:,} followers: social features in {elapsed:.1f} s")

    got = features.filter(F.col("user_key").isin("hub", "f000000", "k10", "k22")).drop(
        "snapshot_date")
    want = spark.createDataFrame(
        [("hub", FOLLOWERS, FOLLOWERS, FOLLOWERS, True, 0, None, None),
         ("f000000", 1, 1, 1, False, 0, None, None),
         ("k10", CLIQUE - 1, CLIQUE - 1, CLIQUE - 1, False, CLIQUE - 1, "k10", CLIQUE),
         ("k22", CLIQUE - 1, CLIQUE - 1, CLIQUE - 1, False, CLIQUE - 1, "k10", CLIQUE)],
        "user_key string, followers long, following long, mutual_friends long, "
        "degree_capped boolean, circle_friends long, tight_circle_id string, "
        "tight_circle_size long")
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)
    assert features.count() == FOLLOWERS + 1 + CLIQUE
    assert elapsed < 120

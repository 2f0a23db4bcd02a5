"""Discovery: k-means finds planted groups and names each by its distinctive features."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pyspark.ml import PipelineModel
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.delta import read_table, replace_where
from jobs.discover import main as discover
from jobs.discover.schemas import CLUSTER_MEMBERSHIP, DISCOVERED_CLUSTERS
from jobs.profile.schemas import PROFILE_COLUMNS, USER_PROFILE

D = dt.date(2026, 6, 30)
FEATURES = ["events_30d", "paid_30d", "messages_7d"]
SMALL = T.StructType([T.StructField(c, PROFILE_COLUMNS[c][0])
                      for c in ("snapshot_date", "user_key", *FEATURES)])


def planted_profile(spark):
    """20 spenders (high 30-day spend), 20 chatters (many events and messages), 20 dormant
    users (zeros, one of them all null)."""
    rows = []
    for i in range(20):
        rows.append((D, f"spender_{i}", 4 + i % 3, Decimal(5000 + 150 * i), 0))
        rows.append((D, f"chatter_{i}", 280 + 3 * i, Decimal(0), 50 + i))
        rows.append((D, f"dormant_{i}", *((None, None, None) if i == 0 else (0, Decimal(0),
                                                                              i % 2))))
    small = spark.createDataFrame(rows, SMALL)
    return small.select(*[F.col(c) if c in SMALL.fieldNames()
                          else F.lit(None).cast(PROFILE_COLUMNS[c][0]).alias(c)
                          for c in USER_PROFILE.columns])


def test_planted_groups_become_clusters_named_by_their_features(spark, cfg, root):
    conf = cfg.with_overrides({"lakehouse.root": root, "discovery.k": 3,
                               "discovery.features": FEATURES, "discovery.top_features": 2})
    replace_where(planted_profile(spark), USER_PROFILE, root, f"snapshot_date = DATE'{D}'",
                  "profile")
    discover.run(spark, conf, D, D, "discover")

    assigned = read_table(spark, CLUSTER_MEMBERSHIP, root).withColumn(
        "group", F.regexp_extract("user_key", "^([a-z]+)_", 1))
    clusters_of = {r["group"]: r["clusters"] for r in assigned.groupBy("group").agg(
        F.collect_set("cluster").alias("clusters")).collect()}          # three groups
    assert sorted(clusters_of) == ["chatter", "dormant", "spender"]
    assert all(len(c) == 1 for c in clusters_of.values())
    assert len({c[0] for c in clusters_of.values()}) == 3

    described = {r["cluster"]: r for r in read_table(spark, DISCOVERED_CLUSTERS, root).collect()}
    spender = described[clusters_of["spender"][0]]
    chatter = described[clusters_of["chatter"][0]]
    dormant = described[clusters_of["dormant"][0]]
    assert (spender["members"], spender["share"]) == (20, 1 / 3)
    assert spender["top_features"][0]["feature"] == "paid_30d"
    assert spender["top_features"][0]["z"] > 1
    assert {f["feature"] for f in chatter["top_features"]} == {"events_30d", "messages_7d"}
    assert all(f["z"] > 0 for f in chatter["top_features"])
    assert all(f["z"] < 0 for f in dormant["top_features"])
    assert spender["description"].startswith("paid_30d +")
    model = PipelineModel.load(discover.model_path(root, D))
    assert model.stages[-1].getK() == 3

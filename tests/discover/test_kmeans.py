"""Discovery: k-means finds planted groups and names each by its distinctive features."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pyspark.ml import PipelineModel
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.errors import ConfigError
from jobs.discover.transforms import check_features, discover, feature_frame
from jobs.profile.schemas import PROFILE_COLUMNS

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FEATURES = ["events_30d", "paid_30d", "messages_7d"]
PROFILE = T.StructType([T.StructField(c, PROFILE_COLUMNS[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])


def planted_profile(spark):
    """20 spenders (high 30-day spend), 20 chatters (many events and messages), 20 dormant
    users (zeros, one of them all null)."""
    rows = []
    for i in range(20):
        rows.append((D, f"spender_{i}", 4 + i % 3, Decimal(5000 + 150 * i), 0))
        rows.append((D, f"chatter_{i}", 280 + 3 * i, Decimal(0), 50 + i))
        dormant = (None, None, None) if i == 0 else (0, Decimal(0), i % 2)
        rows.append((D, f"dormant_{i}", *dormant))
    return spark.createDataFrame(rows, PROFILE)


def test_planted_groups_become_clusters_named_by_their_features(spark, cfg, tmp_path):
    conf = cfg.with_overrides({"discovery.k": 3, "discovery.features": FEATURES,
                               "discovery.top_features": 2})
    model, assigned, clusters = discover(feature_frame(planted_profile(spark), FEATURES),
                                         conf, D)
    groups = assigned.withColumn("group", F.regexp_extract("user_key", "^([a-z]+)_", 1))
    clusters_of = {r["group"]: r["clusters"] for r in groups.groupBy("group").agg(
        F.collect_set("cluster").alias("clusters")).collect()}          # three groups
    assert sorted(clusters_of) == ["chatter", "dormant", "spender"]
    assert all(len(c) == 1 for c in clusters_of.values())
    assert len({c[0] for c in clusters_of.values()}) == 3

    described = {r["cluster"]: r for r in clusters.collect()}          # k rows
    spender = described[clusters_of["spender"][0]]
    chatter = described[clusters_of["chatter"][0]]
    dormant = described[clusters_of["dormant"][0]]
    assert (spender["snapshot_date"], spender["members"], spender["share"]) == (D, 20, 1 / 3)
    assert spender["top_features"][0]["feature"] == "paid_30d"
    assert spender["top_features"][0]["z"] > 1
    assert spender["description"].startswith("paid_30d +")
    assert {f["feature"] for f in chatter["top_features"]} == {"events_30d", "messages_7d"}
    assert all(f["z"] > 0 for f in chatter["top_features"])
    assert all(f["z"] < 0 for f in dormant["top_features"])

    model.write().overwrite().save(str(tmp_path / "model"))
    again = PipelineModel.load(str(tmp_path / "model"))
    assert again.stages[-1].clusterCenters()[0].tolist() == \
        model.stages[-1].clusterCenters()[0].tolist()


def test_features_must_be_numeric_profile_columns():
    with pytest.raises(ConfigError, match=r"'discovery.features' names \['gender', 'nope'\]"):
        check_features(["paid_30d", "gender", "nope"])

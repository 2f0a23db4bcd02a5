"""k-means over the standardised profile (Spark MLlib), and what describes each cluster.

Features (conf ``discovery.features``): numeric profile columns, null read as 0, then
sign(x) * log1p(|x|) so that amounts and counts with long tails do not decide alone, then
standardised (mean 0, standard deviation 1). A centroid is thus a vector of z-scores: the
``discovery.top_features`` features with the largest |z| describe the cluster.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import StandardScaler, VectorAssembler
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.config import Config
from jobs.common.errors import ConfigError
from jobs.discover.schemas import DISCOVERED_CLUSTERS
from jobs.profile.schemas import USER_PROFILE

KEY = "discovery.features"


def check_features(features: Sequence[str]) -> None:
    schema = {f.name: f.dataType for f in USER_PROFILE.schema.fields}
    bad = [f for f in features if not isinstance(schema.get(f), T.NumericType)]
    if bad:
        numeric = [n for n, t in schema.items() if isinstance(t, T.NumericType)]
        raise ConfigError(f"conf key '{KEY}' names {bad}, not numeric profile columns; "
                          f"numeric: {', '.join(numeric)}")


def signed_log1p(value: Column) -> Column:
    number = F.coalesce(value.cast("double"), F.lit(0.0))
    return F.signum(number) * F.log1p(F.abs(number))


def feature_frame(profile: DataFrame, features: Sequence[str]) -> DataFrame:
    """(snapshot_date, user_key, <feature>...) as doubles ready to assemble."""
    return profile.select("snapshot_date", "user_key",
                          *[signed_log1p(F.col(f)).alias(f) for f in features])


def kmeans_pipeline(cfg: Config, features: Sequence[str]) -> Pipeline:
    return Pipeline(stages=[
        VectorAssembler(inputCols=list(features), outputCol="_raw"),
        StandardScaler(inputCol="_raw", outputCol="_z", withMean=True, withStd=True),
        KMeans(featuresCol="_z", predictionCol="cluster", k=int(cfg.get("discovery.k")),
               seed=int(cfg.get("discovery.seed")), maxIter=int(cfg.get("discovery.max_iter"))),
    ])


def assign(model: PipelineModel, frame: DataFrame) -> DataFrame:
    """(snapshot_date, user_key, cluster)."""
    return model.transform(frame).select("snapshot_date", "user_key",
                                         F.col("cluster").cast("int").alias("cluster"))


def describe(model: PipelineModel, features: Sequence[str], top: int) -> list[list[tuple]]:
    """Per cluster: its ``top`` (feature, z) by |z|, largest first (k x features: tiny)."""
    centers = model.stages[-1].clusterCenters()
    return [sorted(((f, round(float(z), 6)) for f, z in zip(features, center, strict=True)),
                   key=lambda fz: (-abs(fz[1]), fz[0]))[:top]
            for center in centers]


def cluster_rows(spark: SparkSession, assigned: DataFrame, described: list[list[tuple]],
                 snapshot: dt.date) -> DataFrame:
    """One row per cluster: members, share, top features and a readable description."""
    descriptions = spark.createDataFrame(
        [(i, [(f, z) for f, z in top], ", ".join(f"{f} {z:+.2f}z" for f, z in top))
         for i, top in enumerate(described)],
        T.StructType([T.StructField("cluster", T.IntegerType(), False),
                      DISCOVERED_CLUSTERS.schema["top_features"],
                      T.StructField("description", T.StringType(), False)]))
    sizes = assigned.groupBy("cluster").agg(F.count(F.lit(1)).alias("members"))
    total = sizes.agg(F.sum("members").alias("_total"))
    return (descriptions.join(sizes, on="cluster", how="left").crossJoin(total)
            .withColumns({"snapshot_date": F.lit(snapshot),
                          "members": F.coalesce(F.col("members"), F.lit(0).cast("long"))})
            .withColumn("share", (F.col("members") / F.col("_total")).cast("double"))
            .select(*DISCOVERED_CLUSTERS.columns))


def discover(frame: DataFrame, cfg: Config,
             snapshot: dt.date) -> tuple[PipelineModel, DataFrame, DataFrame]:
    """Fit on ``feature_frame`` rows of one snapshot: (model, assignments, cluster rows)."""
    features = list(cfg.get(KEY))
    model = kmeans_pipeline(cfg, features).fit(frame)
    assigned = assign(model, frame)
    described = describe(model, features, int(cfg.get("discovery.top_features")))
    return model, assigned, cluster_rows(frame.sparkSession, assigned, described, snapshot)

"""The discovered clusters of gold, beside the rule-based segments."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

FEATURE_Z = T.StructType([
    T.StructField("feature", T.StringType()),
    T.StructField("z", T.DoubleType()),
])  # Delta keeps no NOT NULL inside an array

DISCOVERED_CLUSTERS = TableSpec(
    layer="gold", name="discovered_clusters",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("cluster", T.IntegerType(), nullable=False),
        T.StructField("members", T.LongType(), nullable=False),
        T.StructField("share", T.DoubleType(), nullable=False),
        T.StructField("top_features", T.ArrayType(FEATURE_Z),
                      nullable=False,
                      metadata={"comment": "largest |standardised centroid|, largest first"}),
        T.StructField("description", T.StringType(), nullable=False),
    ]),
    partition_by=("snapshot_date",),
    comment="k-means clusters of a snapshot's profile (conf discovery), described by the "
            "features whose standardised centroid is furthest from 0. Key (snapshot_date, "
            "cluster); cluster numbers are not comparable across snapshots.",
)

CLUSTER_MEMBERSHIP = TableSpec(
    layer="gold", name="cluster_membership",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("cluster", T.IntegerType(), nullable=False),
    ]),
    partition_by=("snapshot_date",),
    comment="The discovered cluster of each user of a snapshot.",
)

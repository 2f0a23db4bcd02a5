"""The social graph stage's outputs: per-user graph features and the group-pair table."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

USER_SOCIAL = TableSpec(
    layer="silver", name="user_social",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("followers", T.LongType(), nullable=False,
                      metadata={"comment": "users with an edge to this user"}),
        T.StructField("following", T.LongType(), nullable=False,
                      metadata={"comment": "users this user has an edge to"}),
        T.StructField("mutual_friends", T.LongType(), nullable=False,
                      metadata={"comment": "users with edges both ways"}),
        T.StructField("degree_capped", T.BooleanType(), nullable=False,
                      metadata={"comment": "mutual_friends > segments.social.max_degree: "
                                           "only max_degree of them counted common friends"}),
        T.StructField("circle_friends", T.LongType(), nullable=False,
                      metadata={"comment": "mutual friends sharing > tight_circle_min_common "
                                           "common friends with this user"}),
        T.StructField("tight_circle_id", T.StringType(),
                      metadata={"comment": "smallest user_key of the tight circle; null if none"}),
        T.StructField("tight_circle_size", T.LongType(),
                      metadata={"comment": "members of the tight circle; null if none"}),
    ]),
    partition_by=("snapshot_date",),
    comment="Per user and snapshot: degrees, mutual friends and tight-circle membership "
            "(users with at least one edge).",
)

GROUP_OVERLAP = TableSpec(
    layer="gold", name="group_overlap",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("group_a", T.StringType(), nullable=False),
        T.StructField("group_b", T.StringType(), nullable=False,
                      metadata={"comment": "group_a < group_b"}),
        T.StructField("members_a", T.LongType(), nullable=False),
        T.StructField("members_b", T.LongType(), nullable=False),
        T.StructField("shared_members", T.LongType(), nullable=False),
        T.StructField("jaccard", T.DoubleType(), nullable=False,
                      metadata={"comment": "shared / (members_a + members_b - shared)"}),
    ]),
    partition_by=("snapshot_date",),
    comment="Cross-group pairs: groups whose member overlap (Jaccard) is at least "
            "segments.social.group_overlap_min_jaccard on snapshot_date.",
)

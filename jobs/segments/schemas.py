"""The published segment tables of gold."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

SEGMENT_MEMBERSHIP = TableSpec(
    layer="gold", name="segment_membership",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("family", T.StringType(), nullable=False),
        T.StructField("segment", T.StringType(), nullable=False),
        T.StructField("rule_version", T.StringType(),
                      metadata={"comment": "version of the custom rule; null for built-ins"}),
    ]),
    partition_by=("snapshot_date",),
    comment="One row per user per segment held on snapshot_date.",
)

SEGMENT_SUMMARY = TableSpec(
    layer="gold", name="segment_summary",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("family", T.StringType(), nullable=False),
        T.StructField("segment", T.StringType(), nullable=False),
        T.StructField("members", T.LongType(), nullable=False),
        T.StructField("share", T.DoubleType(), nullable=False,
                      metadata={"comment": "members / users in the snapshot's profile"}),
        T.StructField("under_min_size", T.BooleanType(), nullable=False,
                      metadata={"comment": "members < segments.min_segment_size"}),
    ]),
    partition_by=("snapshot_date",),
    comment="Size of every segment per snapshot, with the over-segmentation flag.",
)

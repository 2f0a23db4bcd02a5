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
        T.StructField("members", T.LongType(),
                      metadata={"comment": "null when suppressed (under privacy.k_anonymity.k)"}),
        T.StructField("share", T.DoubleType(),
                      metadata={"comment": "members / users counted in aggregates on the "
                                           "snapshot; null when suppressed"}),
        T.StructField("under_min_size", T.BooleanType(), nullable=False,
                      metadata={"comment": "members < segments.min_segment_size"}),
        T.StructField("suppressed", T.BooleanType(), nullable=False,
                      metadata={"comment": "members < privacy.k_anonymity.k: members and "
                                           "share withheld"}),
    ]),
    partition_by=("snapshot_date",),
    comment="Size of every segment per snapshot, with the over-segmentation flag; "
            "k-anonymous (no count under k).",
)

# The quasi-identifiers of the breakdown, coarsest first: a small cell is rolled up from
# the last one (device type, then city tier, gender, age band) to 'all'.
BREAKDOWN_DIMENSIONS = ("age_band", "gender", "city_tier", "device_type")

SEGMENT_BREAKDOWN = TableSpec(
    layer="gold", name="segment_breakdown",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("family", T.StringType(), nullable=False),
        T.StructField("segment", T.StringType(), nullable=False),
        *[T.StructField(dim, T.StringType(), nullable=False,
                        metadata={"comment": "a value, 'unknown', or 'all' (rolled up)"})
          for dim in BREAKDOWN_DIMENSIONS],
        T.StructField("level", T.IntegerType(), nullable=False,
                      metadata={"comment": "how many of the last dimensions are rolled up"}),
        T.StructField("members", T.LongType(), nullable=False,
                      metadata={"comment": ">= privacy.k_anonymity.k, always"}),
    ]),
    partition_by=("snapshot_date",),
    comment="Members of each segment by age band x gender x city tier x device type, "
            "k-anonymous: a cell under k is rolled up ('all' = the rest of its parent) or "
            "dropped.",
)

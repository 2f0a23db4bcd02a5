"""The evaluation tables of gold: history, events, overlap, effect."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

_SEGMENT = [
    T.StructField("family", T.StringType(), nullable=False),
    T.StructField("segment", T.StringType(), nullable=False),
]

SEGMENT_HISTORY = TableSpec(
    layer="gold", name="segment_history",
    schema=T.StructType([
        T.StructField("user_key", T.StringType(), nullable=False),
        *_SEGMENT,
        T.StructField("entered_date", T.DateType(), nullable=False,
                      metadata={"comment": "first snapshot of the interval"}),
        T.StructField("last_seen_date", T.DateType(), nullable=False,
                      metadata={"comment": "last snapshot the user held the segment"}),
        T.StructField("exited_date", T.DateType(),
                      metadata={"comment": "first snapshot without it; null while held"}),
    ]),
    comment="One row per (user, segment, interval). Members of S on D: entered_date <= D "
            "AND D <= last_seen_date. Key (user_key, family, segment, entered_date).",
)

SEGMENT_EVENTS = TableSpec(
    layer="gold", name="segment_events",
    schema=T.StructType([
        T.StructField("event_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        *_SEGMENT,
        T.StructField("event", T.StringType(), nullable=False,
                      metadata={"comment": "entered / exited"}),
    ]),
    partition_by=("event_date",),
    comment="Who entered or left which segment on event_date (from the history's update).",
)

SEGMENT_OVERLAP = TableSpec(
    layer="gold", name="segment_overlap",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("family_a", T.StringType(), nullable=False),
        T.StructField("segment_a", T.StringType(), nullable=False),
        T.StructField("family_b", T.StringType(), nullable=False),
        T.StructField("segment_b", T.StringType(), nullable=False),
        T.StructField("members_a", T.LongType(), nullable=False),
        T.StructField("members_b", T.LongType(), nullable=False),
        T.StructField("both", T.LongType(), nullable=False),
        T.StructField("jaccard", T.DoubleType(), nullable=False,
                      metadata={"comment": "both / (members_a + members_b - both)"}),
    ]),
    partition_by=("snapshot_date",),
    comment="Pairs of segments sharing members on a snapshot, (family_a, segment_a) < "
            "(family_b, segment_b); pairs without a common member are absent.",
)

SEGMENT_EFFECT = TableSpec(
    layer="gold", name="segment_effect",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        *_SEGMENT,
        T.StructField("metric", T.StringType(), nullable=False,
                      metadata={"comment": "conversion / retention / engagement"}),
        T.StructField("follow_up_days", T.IntegerType(), nullable=False),
        T.StructField("window_complete", T.BooleanType(), nullable=False,
                      metadata={"comment": "silver/user_daily holds the window's last day"}),
        T.StructField("treated_users", T.LongType(), nullable=False),
        T.StructField("holdout_users", T.LongType(), nullable=False),
        T.StructField("treated_value", T.DoubleType(),
                      metadata={"comment": "share (conversion, retention) or mean per user"}),
        T.StructField("holdout_value", T.DoubleType()),
        T.StructField("uplift", T.DoubleType(), metadata={"comment": "treated - holdout"}),
        T.StructField("std_error", T.DoubleType(),
                      metadata={"comment": "unpooled two-proportion / Welch standard error; "
                                           "null under evaluation.min_group_size per group"}),
        T.StructField("ci_low", T.DoubleType()),
        T.StructField("ci_high", T.DoubleType()),
        T.StructField("significant", T.BooleanType(),
                      metadata={"comment": "the interval excludes 0"}),
    ]),
    partition_by=("snapshot_date",),
    comment="Per snapshot, segment and metric: treated vs holdout over the N days after the "
            "snapshot, uplift and its confidence interval. Key (snapshot_date, family, "
            "segment, metric).",
)

"""Lifetime state per user, as of each landing date: what no window reaches."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

USER_STATE = TableSpec(
    layer="silver", name="user_state",
    schema=T.StructType([
        T.StructField("state_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("first_active_date", T.DateType()),
        T.StructField("last_interaction_date", T.DateType()),
        T.StructField("last_login_date", T.DateType()),
        T.StructField("last_paid_date", T.DateType()),
        T.StructField("lifetime_paid", T.DecimalType(18, 2), nullable=False),
        T.StructField("lifetime_refunded", T.DecimalType(18, 2), nullable=False),
        T.StructField("last_event_ts", T.TimestampType()),
        T.StructField("last_event_id", T.StringType()),
        T.StructField("device_model", T.StringType()),
        T.StructField("os", T.StringType()),
        T.StructField("os_version", T.StringType()),
    ]),
    partition_by=("state_date",),
    comment="Per user: first/last activity, last login and paid order, lifetime amounts and "
            "latest device, from everything landed up to state_date.",
)

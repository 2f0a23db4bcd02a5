"""Predicted value: per-user BG/NBD + Gamma-Gamma outputs and the fitted parameters."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

USER_PREDICTED_VALUE = TableSpec(
    layer="silver", name="user_predicted_value",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("frequency", T.LongType(), nullable=False,
                      metadata={"comment": "x: repeat purchase days (purchase days - 1)"}),
        T.StructField("recency", T.DoubleType(), nullable=False,
                      metadata={"comment": "t_x: first to last purchase day, in time units"}),
        T.StructField("age", T.DoubleType(), nullable=False,
                      metadata={"comment": "T: first purchase day to D, in time units"}),
        T.StructField("mean_repeat_spend", T.DecimalType(18, 2),
                      metadata={"comment": "paid amount per repeat purchase day; null if x=0"}),
        T.StructField("p_alive", T.DoubleType(), nullable=False),
        T.StructField("expected_purchases", T.DoubleType(), nullable=False,
                      metadata={"comment": "expected purchase days in the horizon"}),
        T.StructField("expected_spend", T.DoubleType(), nullable=False,
                      metadata={"comment": "Gamma-Gamma expected amount per purchase day"}),
        T.StructField("predicted_value", T.DecimalType(18, 2), nullable=False,
                      metadata={"comment": "expected_purchases x expected_spend, undiscounted"}),
    ]),
    partition_by=("snapshot_date",),
    comment="BG/NBD + Gamma-Gamma prediction per customer (a user with a paid order by D).",
)

PREDICTED_VALUE_MODEL = TableSpec(
    layer="gold", name="predicted_value_model",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("model", T.StringType(), nullable=False,
                      metadata={"comment": "bgnbd or gamma_gamma"}),
        T.StructField("parameters", T.MapType(T.StringType(), T.DoubleType()), nullable=False),
        T.StructField("log_likelihood", T.DoubleType()),
        T.StructField("customers", T.LongType(), nullable=False),
        T.StructField("grouped_rows", T.LongType(), nullable=False),
        T.StructField("time_unit_days", T.IntegerType(), nullable=False),
        T.StructField("horizon_days", T.IntegerType(), nullable=False),
    ]),
    partition_by=("snapshot_date",),
    comment="Fitted BG/NBD (r, alpha, a, b) and Gamma-Gamma (p, q, gamma) per snapshot.",
)

# What predict fits on, from the final days only (jobs/common/chain.py): one row per
# customer per state date, the last few kept.
USER_PURCHASE_STATE = TableSpec(
    layer="silver", name="user_purchase_state",
    schema=T.StructType([
        T.StructField("state_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("first_day", T.DateType(), nullable=False,
                      metadata={"comment": "first purchase day"}),
        T.StructField("last_day", T.DateType(), nullable=False,
                      metadata={"comment": "last purchase day"}),
        T.StructField("purchase_days", T.LongType(), nullable=False),
        T.StructField("total", T.DecimalType(28, 2), nullable=False,
                      metadata={"comment": "paid amount of every purchase day"}),
        T.StructField("first_amount", T.DecimalType(18, 2), nullable=False,
                      metadata={"comment": "paid amount of the first purchase day"}),
    ]),
    partition_by=("state_date",),
    comment="Per customer, the purchase days that are final (at least ingest.max_late_days "
            "before state_date): first and last day, count, total and first day's amount.",
)

"""What the quality gate keeps: every expectation's result per run and table, and the
audit verdict that publication reads."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

VALIDATION_RESULTS = TableSpec(
    layer="quality", name="validation_results",
    schema=T.StructType([
        T.StructField("run_date", T.DateType(), nullable=False,
                      metadata={"comment": "the snapshot or last ingest date validated"}),
        T.StructField("table_name", T.StringType(), nullable=False,
                      metadata={"comment": "layer/table, e.g. staging/segment_summary"}),
        T.StructField("suite", T.StringType(), nullable=False),
        T.StructField("expectation_index", T.IntegerType(), nullable=False),
        T.StructField("expectation", T.StringType(), nullable=False),
        T.StructField("column", T.StringType()),
        T.StructField("severity", T.StringType(), nullable=False),
        T.StructField("success", T.BooleanType(), nullable=False),
        T.StructField("observed_value", T.StringType()),
        T.StructField("unexpected_count", T.LongType()),
        T.StructField("unexpected_examples", T.StringType()),
        T.StructField("kwargs", T.StringType(), metadata={"comment": "resolved arguments, JSON"}),
        T.StructField("element_count", T.LongType()),
        T.StructField("run_id", T.StringType(), nullable=False),
    ]),
    partition_by=("run_date",),
    comment="One row per expectation per validated table per run date (latest run wins).",
)

AUDIT_LOG = TableSpec(
    layer="quality", name="audit_log",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("table_name", T.StringType(), nullable=False,
                      metadata={"comment": "the gold table, e.g. segment_summary"}),
        T.StructField("staged_version", T.LongType(), nullable=False,
                      metadata={"comment": "staging table version that was audited"}),
        T.StructField("passed", T.BooleanType(), nullable=False),
        T.StructField("failures", T.StringType(),
                      metadata={"comment": "the failed critical expectations, one per line"}),
        T.StructField("warnings", T.StringType()),
        T.StructField("run_id", T.StringType(), nullable=False),
    ]),
    comment="The audit verdict per snapshot and gold table; publish reads only this.",
)

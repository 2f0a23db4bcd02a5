"""gold/rule_log: which definition of each custom rule produced which audience, per date."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

RULE_LOG = TableSpec(
    layer="gold", name="rule_log",
    schema=T.StructType([
        T.StructField("snapshot_date", T.DateType(), nullable=False),
        T.StructField("rule_id", T.StringType(), nullable=False,
                      metadata={"comment": "the custom segment's name"}),
        T.StructField("rule_version", T.StringType(), nullable=False,
                      metadata={"comment": "<version>@<hash12>, as in segment_membership"}),
        T.StructField("version", T.IntegerType(), nullable=False),
        T.StructField("expression_hash", T.StringType(), nullable=False,
                      metadata={"comment": "SHA-256 of the whitespace-normalised expression"}),
        T.StructField("expression", T.StringType(), nullable=False),
        T.StructField("name", T.StringType(), nullable=False),
        T.StructField("owner", T.StringType(), nullable=False),
        T.StructField("description", T.StringType(), nullable=False),
        T.StructField("source", T.StringType(), nullable=False,
                      metadata={"comment": "the rule file under conf/rules"}),
        T.StructField("members", T.LongType(), nullable=False),
    ]),
    comment="Per snapshot and custom rule definition: the expression, its hash, version and "
            "member count. Key (snapshot_date, rule_id, rule_version); rows are never deleted.",
)

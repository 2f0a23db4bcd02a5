"""The erasure job's own tables: what was erased (never who), and whom not to re-admit.

``privacy/tombstones`` holds, per erased user, HMAC-SHA256(pseudonym key, "tombstone:" +
user_id): neither the raw id nor the pseudonym (a different message under the same key),
so a byte scan for either finds nothing, yet ingest can recompute it for every landed id
and drop the records of an erased user. ``privacy/erasure_log`` records each request:
its time, how many ids it named and the rows removed per table, with no id in any form.
"""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

TOMBSTONES = TableSpec(
    layer="privacy", name="tombstones",
    schema=T.StructType([
        T.StructField("tombstone", T.StringType(), nullable=False,
                      metadata={"comment": "hex HMAC-SHA256(key, 'tombstone:' || user_id)"}),
        T.StructField("request_id", T.StringType(), nullable=False),
        T.StructField("requested_at", T.TimestampType(), nullable=False),
    ]),
    comment="One row per erased user: the keyed hash ingest checks every landed id against.",
    no_stats_columns=("tombstone",),
)

ERASURE_LOG = TableSpec(
    layer="privacy", name="erasure_log",
    schema=T.StructType([
        T.StructField("request_id", T.StringType(), nullable=False),
        T.StructField("requested_at", T.TimestampType(), nullable=False,
                      metadata={"comment": "from the request (--requested-at), not the clock"}),
        T.StructField("ids", T.LongType(), nullable=False,
                      metadata={"comment": "distinct user ids the request named"}),
        T.StructField("table_name", T.StringType(), nullable=False,
                      metadata={"comment": "layer/table, or landing/<source> for raw files"}),
        T.StructField("rows_deleted", T.LongType(), nullable=False,
                      metadata={"comment": "rows (landing: lines) of the users removed"}),
        T.StructField("rows_updated", T.LongType(), nullable=False,
                      metadata={"comment": "other rows rewritten: a redacted example, a "
                                           "re-pointed circle label"}),
        T.StructField("run_id", T.StringType(), nullable=False),
    ]),
    comment="One row per erasure request and table; rows add up over the request's re-runs.",
)

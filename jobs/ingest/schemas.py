"""Landing record layouts and the bronze tables they become.

Landing files are newline-delimited JSON under
``<root>/landing/<source>/ingest_date=YYYY-MM-DD/part-*.json``. Every landing field
is read as a string, so that a wrong type is a quarantine reason, not a parse crash;
the bronze schemas are the typed contract.
"""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

SOURCES = ("users", "events", "orders", "relations", "group_members")


def _strings(*names: str) -> T.StructType:
    return T.StructType([T.StructField(name, T.StringType()) for name in names])


LANDING_SCHEMAS: dict[str, T.StructType] = {
    "users": _strings(
        "user_id", "registered_at", "birth_year", "gender", "occupation", "province", "city",
        "city_tier", "phone", "nickname", "consent_marketing", "org_department", "org_rank",
        "updated_at",
    ),
    "events": _strings(
        "event_id", "user_id", "event_ts", "event_type", "content_id", "content_type",
        "content_category", "duration_s", "device_type", "device_model", "os", "os_version",
        "network", "ip",
    ),
    "orders": _strings("order_id", "user_id", "order_ts", "amount", "coupon_used", "status"),
    "relations": _strings("user_id", "friend_id", "created_at"),
    "group_members": _strings("group_id", "user_id", "joined_at"),
}

# Direct identifiers: they exist in bronze only, and Delta keeps no column statistics
# (min/max values) for them.
PII_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("user_id", "phone", "nickname"),
    "events": ("user_id", "ip"),
    "orders": ("user_id",),
    "relations": ("user_id", "friend_id"),
    "group_members": ("user_id",),
}

INGEST_DATE = T.StructField("ingest_date", T.DateType(), nullable=False,
                            metadata={"comment": "business date of the landing partition"})

BRONZE_USERS_SCHEMA = T.StructType([
    T.StructField("user_id", T.StringType(), nullable=False),
    T.StructField("registered_at", T.TimestampType(), nullable=False),
    T.StructField("birth_year", T.IntegerType()),
    T.StructField("gender", T.StringType()),
    T.StructField("occupation", T.StringType()),
    T.StructField("province", T.StringType()),
    T.StructField("city", T.StringType()),
    T.StructField("city_tier", T.IntegerType()),
    T.StructField("phone", T.StringType()),
    T.StructField("nickname", T.StringType()),
    T.StructField("consent_marketing", T.BooleanType()),
    T.StructField("org_department", T.StringType()),
    T.StructField("org_rank", T.StringType()),
    T.StructField("updated_at", T.TimestampType()),
    INGEST_DATE,
])

BRONZE_EVENTS_SCHEMA = T.StructType([
    T.StructField("event_id", T.StringType(), nullable=False),
    T.StructField("user_id", T.StringType(), nullable=False),
    T.StructField("event_ts", T.TimestampType(), nullable=False),
    T.StructField("event_type", T.StringType(), nullable=False),
    T.StructField("content_id", T.StringType()),
    T.StructField("content_type", T.StringType()),
    T.StructField("content_category", T.StringType()),
    T.StructField("duration_s", T.IntegerType()),
    T.StructField("device_type", T.StringType()),
    T.StructField("device_model", T.StringType()),
    T.StructField("os", T.StringType()),
    T.StructField("os_version", T.StringType()),
    T.StructField("network", T.StringType()),
    T.StructField("ip", T.StringType()),
    INGEST_DATE,
])

BRONZE_ORDERS_SCHEMA = T.StructType([
    T.StructField("order_id", T.StringType(), nullable=False),
    T.StructField("user_id", T.StringType(), nullable=False),
    T.StructField("order_ts", T.TimestampType(), nullable=False),
    T.StructField("amount", T.DecimalType(18, 2), nullable=False),
    T.StructField("coupon_used", T.BooleanType()),
    T.StructField("status", T.StringType(), nullable=False),
    INGEST_DATE,
])

BRONZE_RELATIONS_SCHEMA = T.StructType([
    T.StructField("user_id", T.StringType(), nullable=False),
    T.StructField("friend_id", T.StringType(), nullable=False),
    T.StructField("created_at", T.TimestampType(), nullable=False),
    INGEST_DATE,
])

BRONZE_GROUP_MEMBERS_SCHEMA = T.StructType([
    T.StructField("group_id", T.StringType(), nullable=False),
    T.StructField("user_id", T.StringType(), nullable=False),
    T.StructField("joined_at", T.TimestampType(), nullable=False),
    INGEST_DATE,
])

QUARANTINE_SCHEMA = T.StructType([
    T.StructField("source", T.StringType(), nullable=False),
    T.StructField("raw_record", T.StringType()),
    T.StructField("reason", T.StringType(), nullable=False),
    T.StructField("run_id", T.StringType(), nullable=False),
    INGEST_DATE,
])


def _bronze(name: str, schema: T.StructType, comment: str) -> TableSpec:
    return TableSpec(
        layer="bronze",
        name=name,
        schema=schema,
        partition_by=("ingest_date",),
        comment=comment,
        no_stats_columns=PII_COLUMNS.get(name, ()),
    )


BRONZE_TABLES: dict[str, TableSpec] = {
    "users": _bronze("users", BRONZE_USERS_SCHEMA,
                     "User records as landed, one version per landing date. Holds PII."),
    "events": _bronze("events", BRONZE_EVENTS_SCHEMA,
                      "Interaction events as landed (UTC timestamps). Holds PII."),
    "orders": _bronze("orders", BRONZE_ORDERS_SCHEMA, "Orders as landed, amounts in CNY."),
    "relations": _bronze("relations", BRONZE_RELATIONS_SCHEMA,
                         "Directed follow/friend edges as landed."),
    "group_members": _bronze("group_members", BRONZE_GROUP_MEMBERS_SCHEMA,
                             "Group memberships as landed."),
}

QUARANTINE_TABLE = TableSpec(
    layer="bronze",
    name="quarantine",
    schema=QUARANTINE_SCHEMA,
    partition_by=("ingest_date",),
    comment="Every rejected landing record, with its source, raw text and reason.",
    no_stats_columns=("raw_record",),
)

INGEST_LOG_SCHEMA = T.StructType([
    T.StructField("source", T.StringType(), nullable=False),
    T.StructField("ingest_date", T.DateType(), nullable=False),
    T.StructField("read", T.LongType(), nullable=False),
    T.StructField("loaded", T.LongType(), nullable=False),
    T.StructField("quarantined", T.LongType(), nullable=False),
    T.StructField("duplicates", T.LongType(), nullable=False),
    T.StructField("erased", T.LongType(), nullable=False,
                  metadata={"comment": "distinct lines of erased users, dropped (tombstones)"}),
    T.StructField("run_id", T.StringType(), nullable=False),
])

INGEST_LOG_TABLE = TableSpec(
    layer="bronze",
    name="ingest_log",
    schema=INGEST_LOG_SCHEMA,
    partition_by=(),
    comment="Per source and landing date: lines read = loaded + quarantined + duplicates "
            "+ erased.",
)

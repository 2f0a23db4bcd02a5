"""Silver tables: cleaned, deduplicated, keyed by the pseudonymous ``user_key``.

No direct identifier (phone, nickname, ip, raw user_id) exists in any of them; the
city is dropped (province and city tier remain), birth year is kept only to derive
age bands.
"""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

SILVER_USERS = TableSpec(
    layer="silver", name="users",
    schema=T.StructType([
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("registered_at", T.TimestampType(), nullable=False),
        T.StructField("registered_date", T.DateType(), nullable=False),
        T.StructField("birth_year", T.IntegerType()),
        T.StructField("gender", T.StringType()),
        T.StructField("occupation", T.StringType()),
        T.StructField("province", T.StringType()),
        T.StructField("city_tier", T.IntegerType()),
        T.StructField("consent_marketing", T.BooleanType()),
        T.StructField("org_department", T.StringType()),
        T.StructField("org_rank", T.StringType()),
        T.StructField("updated_at", T.TimestampType()),
        T.StructField("ingest_date", T.DateType(), nullable=False),
    ]),
    comment="Latest state of each user, pseudonymised. One row per user_key.",
)

# Consent history: silver/users keeps only the latest version of a user, so a backfill of a
# past date would see today's consent. One row per user per landing date of a version.
SILVER_USER_CONSENT = TableSpec(
    layer="silver", name="user_consent",
    schema=T.StructType([
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("valid_from", T.DateType(), nullable=False,
                      metadata={"comment": "landing date of the version: in force from it"}),
        T.StructField("consent_marketing", T.BooleanType(),
                      metadata={"comment": "null: unknown, treated as no consent"}),
        T.StructField("updated_at", T.TimestampType()),
    ]),
    comment="Marketing consent of each user as landed, one row per (user_key, valid_from).",
)

SILVER_EVENTS = TableSpec(
    layer="silver", name="events",
    schema=T.StructType([
        T.StructField("event_id", T.StringType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("event_ts", T.TimestampType(), nullable=False),
        T.StructField("activity_date", T.DateType(), nullable=False),
        T.StructField("local_minute", T.IntegerType(), nullable=False),
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
        T.StructField("ingest_date", T.DateType(), nullable=False),
    ]),
    partition_by=("activity_date",),
    comment="Events deduplicated by event_id, in their own business date (late ones too).",
)

SILVER_ORDERS = TableSpec(
    layer="silver", name="orders",
    schema=T.StructType([
        T.StructField("order_id", T.StringType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("order_ts", T.TimestampType(), nullable=False),
        T.StructField("activity_date", T.DateType(), nullable=False),
        T.StructField("amount", T.DecimalType(18, 2), nullable=False),
        T.StructField("coupon_used", T.BooleanType()),
        T.StructField("status", T.StringType(), nullable=False),
        T.StructField("ingest_date", T.DateType(), nullable=False),
    ]),
    partition_by=("activity_date",),
    comment="Orders deduplicated by order_id, in their own business date.",
)

SILVER_RELATIONS = TableSpec(
    layer="silver", name="relations",
    schema=T.StructType([
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("friend_key", T.StringType(), nullable=False),
        T.StructField("created_date", T.DateType(), nullable=False),
        T.StructField("ingest_date", T.DateType(), nullable=False),
    ]),
    comment="Directed follow/friend edges between pseudonyms, one row per edge.",
)

SILVER_GROUP_MEMBERS = TableSpec(
    layer="silver", name="group_members",
    schema=T.StructType([
        T.StructField("group_id", T.StringType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        T.StructField("joined_date", T.DateType(), nullable=False),
        T.StructField("ingest_date", T.DateType(), nullable=False),
    ]),
    comment="Group memberships by pseudonym, one row per (group, user).",
)

SILVER_TABLES = {spec.name: spec for spec in (SILVER_USERS, SILVER_EVENTS, SILVER_ORDERS,
                                              SILVER_RELATIONS, SILVER_GROUP_MEMBERS)}

# How each silver table is keyed for deduplication and MERGE.
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "users": ("user_key",),
    "events": ("event_id",),
    "orders": ("order_id",),
    "relations": ("user_key", "friend_key"),
    "group_members": ("group_id", "user_key"),
}

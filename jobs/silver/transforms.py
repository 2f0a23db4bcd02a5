"""Bronze rows -> silver rows: pseudonyms instead of ids, business dates, duplicates removed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.silver.pseudonym import with_pseudonyms
from jobs.silver.schemas import SILVER_TABLES

Transform = Callable[[DataFrame], DataFrame]


def business_date(ts: Column, timezone: str) -> Column:
    return F.to_date(F.from_utc_timestamp(ts, timezone))


def local_minute(ts: Column, timezone: str) -> Column:
    """Minutes after midnight in the business time zone."""
    local = F.from_utc_timestamp(ts, timezone)
    return (F.hour(local) * 60 + F.minute(local)).cast("int")


def first_landed(keys: Sequence[str]) -> Transform:
    """One row per key: the earliest landed, ties broken by every other column (deterministic).

    A daily run sees duplicates one landing date at a time and keeps the first; a
    backfill sees them all at once: ordering by ingest_date first makes both keep
    the same row.
    """

    def transform(df: DataFrame) -> DataFrame:
        others = [c for c in df.columns if c not in keys and c != "ingest_date"]
        order = [F.col("ingest_date")] + [F.col(c).asc_nulls_last() for c in others]
        window = Window.partitionBy(*keys).orderBy(*order)
        return df.withColumn("_rank", F.row_number().over(window)).filter(
            F.col("_rank") == 1).drop("_rank")

    return transform


def latest_landed(keys: Sequence[str]) -> Transform:
    """One row per key: the latest landed version (users are 'latest state')."""

    def transform(df: DataFrame) -> DataFrame:
        others = [c for c in df.columns if c not in keys and c not in ("ingest_date",
                                                                       "updated_at")]
        order = [F.col("ingest_date").desc(), F.col("updated_at").desc_nulls_last()]
        order += [F.col(c).asc_nulls_last() for c in others]
        window = Window.partitionBy(*keys).orderBy(*order)
        return df.withColumn("_rank", F.row_number().over(window)).filter(
            F.col("_rank") == 1).drop("_rank")

    return transform


def clean_users(bronze: DataFrame, keys: DataFrame, timezone: str) -> DataFrame:
    return (
        bronze.transform(with_pseudonyms(keys, {"user_id": "user_key"}))
        .withColumn("registered_date", business_date(F.col("registered_at"), timezone))
        .select(*SILVER_TABLES["users"].columns)
        .transform(latest_landed(["user_key"]))
    )


def consent_history(bronze: DataFrame, keys: DataFrame) -> DataFrame:
    """One consent row per user per landing date: the day's latest version of the user.

    A version landed on W is in force from W (``valid_from``): a withdrawal counts for the
    snapshots from W on, and re-runs or backfills of earlier dates keep the earlier consent.
    Two versions of one day with the same ``updated_at`` resolve to false before true.
    """
    return (
        bronze.transform(with_pseudonyms(keys, {"user_id": "user_key"}))
        .select("user_key", "ingest_date", "updated_at", "consent_marketing")
        .transform(latest_landed(["user_key", "ingest_date"]))
        .select("user_key", F.col("ingest_date").alias("valid_from"), "consent_marketing",
                "updated_at")
    )


def clean_events(bronze: DataFrame, keys: DataFrame, timezone: str) -> DataFrame:
    return (
        bronze.transform(with_pseudonyms(keys, {"user_id": "user_key"}))
        .withColumn("activity_date", business_date(F.col("event_ts"), timezone))
        .withColumn("local_minute", local_minute(F.col("event_ts"), timezone))
        .select(*SILVER_TABLES["events"].columns)
        .transform(first_landed(["event_id"]))
    )


def clean_orders(bronze: DataFrame, keys: DataFrame, timezone: str) -> DataFrame:
    return (
        bronze.transform(with_pseudonyms(keys, {"user_id": "user_key"}))
        .withColumn("activity_date", business_date(F.col("order_ts"), timezone))
        .select(*SILVER_TABLES["orders"].columns)
        .transform(first_landed(["order_id"]))
    )


def clean_relations(bronze: DataFrame, keys: DataFrame, timezone: str) -> DataFrame:
    return (
        bronze.transform(with_pseudonyms(keys, {"user_id": "user_key",
                                                "friend_id": "friend_key"}))
        .withColumn("created_date", business_date(F.col("created_at"), timezone))
        .select(*SILVER_TABLES["relations"].columns)
        .transform(first_landed(["user_key", "friend_key"]))
    )


def clean_group_members(bronze: DataFrame, keys: DataFrame, timezone: str) -> DataFrame:
    return (
        bronze.transform(with_pseudonyms(keys, {"user_id": "user_key"}))
        .withColumn("joined_date", business_date(F.col("joined_at"), timezone))
        .select(*SILVER_TABLES["group_members"].columns)
        .transform(first_landed(["group_id", "user_key"]))
    )


CLEANERS: dict[str, Callable[[DataFrame, DataFrame, str], DataFrame]] = {
    "users": clean_users,
    "events": clean_events,
    "orders": clean_orders,
    "relations": clean_relations,
    "group_members": clean_group_members,
}

"""Planted bad records: what the ingester must reject, quarantine or deduplicate.

A share generator.bad_record_share of each source's records is hash-chosen and given
one bad kind (equally likely). Users are planted as extra bad copies beside the intact
originals, so no real user is lost and no event becomes an orphan; in the other
sources the chosen record itself is corrupted. "duplicate" lands a record twice, in the
same partition. The raw text of each kind:

    malformed            the line cut in half: {"event_id":"e3f...","user_id":"u0000
    null_user_id         "user_id":null
    unknown_user_id      "user_id":"u<id beyond the generated users>"
    malformed_timestamp  "event_ts":"not-a-date" (registered_at, order_ts, created_at, ...)
    future_timestamp     a time on D+1 / D+2 UTC, after the end of D in the business zone
    unknown_event_type   "event_type":"teleport"                       (events)
    negative_amount      "amount":-35.20                               (orders)
    non_numeric_amount   "amount":"12,5x"                              (orders)
    duplicate            the same line twice
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.generate.clock import SECONDS_PER_DAY, iso_utc
from jobs.generate.draws import element, uniform
from jobs.generate.settings import Settings
from jobs.generate.users import user_id

COMMON_KINDS = ("malformed", "null_user_id", "unknown_user_id", "malformed_timestamp",
                "future_timestamp", "duplicate")
BAD_KINDS: dict[str, tuple[str, ...]] = {
    "users": tuple(k for k in COMMON_KINDS if k != "unknown_user_id"),
    "events": (*COMMON_KINDS, "unknown_event_type"),
    "orders": (*COMMON_KINDS, "negative_amount", "non_numeric_amount"),
    "relations": COMMON_KINDS,
    "group_members": COMMON_KINDS,
}
TIMESTAMP_FIELDS = {"users": "registered_at", "events": "event_ts", "orders": "order_ts",
                    "relations": "created_at", "group_members": "joined_at"}
PLANTED_AS_COPIES = frozenset({"users"})
MALFORMED_TIMESTAMP = "not-a-date"
UNKNOWN_EVENT_TYPE = "teleport"
NON_NUMERIC_AMOUNT = "12,5x"
UNKNOWN_USER_SPAN = 1_000_000   # unknown ids are drawn from [users, users + span)


def _is(kind: str) -> Column:
    return F.col("bad_kind") == kind


def with_bad_kind(df: DataFrame, s: Settings, source: str) -> DataFrame:
    """bad_kind: null for a good record, else one of the source's kinds, by hash."""
    chosen = uniform(s.seed, f"{source}/bad", F.col("rec_key")) < s.bad_record_share
    kind = element(uniform(s.seed, f"{source}/bad_kind", F.col("rec_key")), BAD_KINDS[source])
    return df.withColumn("bad_kind", F.when(chosen, kind))


def with_bad_copies(df: DataFrame) -> DataFrame:
    """A corrupted record becomes an intact original plus a bad copy."""
    corrupting = F.col("bad_kind").isNotNull() & ~_is("duplicate")
    copies = F.when(corrupting, F.array(F.lit(False), F.lit(True))).otherwise(
        F.array(F.lit(False)))
    return (
        df.withColumn("is_copy", F.explode(copies))
        .withColumn("bad_kind", F.when(~corrupting | F.col("is_copy"), F.col("bad_kind")))
        .drop("is_copy")
    )


def nulled_user_id(df: DataFrame) -> DataFrame:
    return df.withColumn("user_id", F.when(_is("null_user_id"), F.lit(None).cast("string"))
                         .otherwise(F.col("user_id")))


def unknown_user_id(df: DataFrame, s: Settings) -> DataFrame:
    """A well-formed user id that no generated user has."""
    stranger = user_id(F.pmod(F.col("rec_key"), F.lit(UNKNOWN_USER_SPAN)) + s.users)
    return df.withColumn("user_id", F.when(_is("unknown_user_id"), stranger)
                         .otherwise(F.col("user_id")))


def malformed_timestamp(df: DataFrame, field: str) -> DataFrame:
    return df.withColumn(field, F.when(_is("malformed_timestamp"), F.lit(MALFORMED_TIMESTAMP))
                         .otherwise(F.col(field)))


def future_timestamp(df: DataFrame, s: Settings, field: str) -> DataFrame:
    """A time 1-2 days after the end of D (the landing date stays the record's own)."""
    later = F.lit(s.end_epoch + SECONDS_PER_DAY) + F.pmod(F.col("rec_key"),
                                                          F.lit(SECONDS_PER_DAY))
    return df.withColumn(field, F.when(_is("future_timestamp"), iso_utc(later))
                         .otherwise(F.col(field)))


def unknown_event_type(df: DataFrame) -> DataFrame:
    return df.withColumn("event_type", F.when(_is("unknown_event_type"),
                                              F.lit(UNKNOWN_EVENT_TYPE))
                         .otherwise(F.col("event_type")))


def negative_amount(df: DataFrame) -> DataFrame:
    return df.withColumn("amount", F.when(_is("negative_amount"), -F.col("amount"))
                         .otherwise(F.col("amount")))


def with_json_line(df: DataFrame, fields: list[str]) -> DataFrame:
    """value: the record as one JSON object, null fields written as null."""
    record = F.struct(*[F.col(name) for name in fields])
    return df.withColumn("value", F.to_json(record, {"ignoreNullFields": "false"}))


def truncated_line(df: DataFrame) -> DataFrame:
    """Malformed records land cut in half: not JSON any more."""
    half = F.floor(F.length(F.col("value")) / 2).cast("int")
    return df.withColumn("value", F.when(_is("malformed"), F.left(F.col("value"), half))
                         .otherwise(F.col("value")))


def non_numeric_amount(df: DataFrame) -> DataFrame:
    quoted = F.regexp_replace(F.col("value"), r'"amount":[^,}]+',
                              f'"amount":"{NON_NUMERIC_AMOUNT}"')
    return df.withColumn("value", F.when(_is("non_numeric_amount"), quoted)
                         .otherwise(F.col("value")))


def duplicated_line(df: DataFrame) -> DataFrame:
    """Duplicate records land twice (same line, same partition)."""
    times = F.when(_is("duplicate"), F.lit(2)).otherwise(F.lit(1))
    return df.withColumn("value", F.explode(F.array_repeat(F.col("value"), times)))


def with_bad_records(df: DataFrame, s: Settings, source: str, fields: list[str]) -> DataFrame:
    """The source's landing lines (ingest_date, value, bad_kind) with its bad records planted."""
    kinds = BAD_KINDS[source]
    timestamp = TIMESTAMP_FIELDS[source]
    planted = df.transform(with_bad_kind, s, source)
    if source in PLANTED_AS_COPIES:
        planted = planted.transform(with_bad_copies)
    planted = (
        planted.transform(nulled_user_id)
        .transform(malformed_timestamp, timestamp)
        .transform(future_timestamp, s, timestamp)
    )
    if "unknown_user_id" in kinds:
        planted = planted.transform(unknown_user_id, s)
    if "unknown_event_type" in kinds:
        planted = planted.transform(unknown_event_type)
    if "negative_amount" in kinds:
        planted = planted.transform(negative_amount)
    lines = planted.transform(with_json_line, fields).transform(truncated_line)
    if "non_numeric_amount" in kinds:
        lines = lines.transform(non_numeric_amount)
    return lines.transform(duplicated_line).select("ingest_date", "value", "bad_kind")

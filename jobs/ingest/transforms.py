"""Landing lines -> classified records: parsed, typed, validated, with a reason or none.

Pure DataFrame -> DataFrame functions; ``main.py`` does the reading and writing.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.erasure.tombstones import tombstone
from jobs.ingest.rules import first_broken_rule, source_rules
from jobs.ingest.schemas import LANDING_SCHEMAS

MALFORMED = "malformed_record"
UNKNOWN_USER = "unknown_user_id"
# A record of an erased user (privacy/tombstones): dropped and counted, never quarantined,
# since the quarantine keeps the raw text and the raw text holds the id.
ERASED = "erased_user"
# An identifier field as it appears in a landed line, parsed or not (a malformed line is cut
# short): the ids, and the phone, which a record whose user_id was lost still carries.
ID_FIELDS = ("user_id", "friend_id", "phone")
ID_IN_TEXT = r'"(?:user_id|friend_id|phone)"\s*:\s*"([^"]*)"'

# How each landing string becomes its bronze type. Fields not listed stay strings
# (trimmed, blank -> null).
TYPED_FIELDS: dict[str, dict[str, str]] = {
    "users": {"registered_at": "timestamp", "birth_year": "int", "city_tier": "int",
              "consent_marketing": "boolean", "updated_at": "timestamp"},
    "events": {"event_ts": "timestamp", "duration_s": "int"},
    "orders": {"order_ts": "timestamp", "amount": "decimal(18,2)", "coupon_used": "boolean"},
    "relations": {"created_at": "timestamp"},
    "group_members": {"joined_at": "timestamp"},
}
LOWERCASE_FIELDS = {"event_type", "content_type", "device_type", "network", "status", "gender"}

# Which id columns of a source must name a user known to bronze/users.
USER_REFERENCES: dict[str, tuple[str, ...]] = {
    "users": (),
    "events": ("user_id",),
    "orders": ("user_id",),
    "relations": ("user_id", "friend_id"),
    "group_members": ("user_id",),
}


def dedupe_lines(lines: DataFrame) -> DataFrame:
    """One row per distinct (ingest_date, line), with how many copies landed."""
    return lines.groupBy("ingest_date", "value").agg(F.count(F.lit(1)).alias("copies"))


def clean_string(raw: Column) -> Column:
    return F.when(F.trim(raw) != "", F.trim(raw))


def typed_field(source: str, field: str) -> Column:
    raw = clean_string(F.col(f"r.{field}"))
    target = TYPED_FIELDS[source].get(field)
    if target is not None:
        return raw.try_cast(target).alias(field)
    if field in LOWERCASE_FIELDS:
        return F.lower(raw).alias(field)
    return raw.alias(field)


def with_parsed_record(source: str) -> callable:
    """Adds ``r`` (the landing struct, all strings), a malformed flag and the typed fields."""
    schema = LANDING_SCHEMAS[source]

    def transform(df: DataFrame) -> DataFrame:
        parsed = df.select(
            "*",
            F.from_json("value", schema).alias("r"),
            F.json_object_keys("value").isNull().alias("_malformed"),
        )
        return parsed.select("*", *[typed_field(source, f) for f in schema.fieldNames()])

    return transform


def with_rule_reason(source: str, cfg: Config) -> callable:
    """Adds ``reason``: malformed first, then the source's rules in order; null = valid."""
    rules = source_rules(source, cfg)

    def transform(df: DataFrame) -> DataFrame:
        reason = F.when(F.col("_malformed"), F.lit(MALFORMED)).otherwise(first_broken_rule(rules))
        return df.withColumn("reason", reason)

    return transform


def candidate_ids(value: Column) -> Column:
    """Every identifier a landed line names (ID_FIELDS), as parsed and as found in the text."""
    found = F.concat(
        F.regexp_extract_all(value, F.lit(ID_IN_TEXT), 1),
        F.array(*(F.get_json_object(value, f"$.{field}") for field in ID_FIELDS)),
    )
    trimmed = F.transform(found, lambda x: F.trim(x))
    return F.array_distinct(F.filter(trimmed, lambda x: x.isNotNull() & (x != "")))


def with_erased_reason(tombstones: DataFrame, keys: DataFrame) -> callable:
    """Sets ``reason`` to ERASED for a line naming an erased user's id or phone (any reason).

    ``tombstones`` has a ``tombstone`` column; ``keys`` is the pseudonym key frame.
    """

    def transform(df: DataFrame) -> DataFrame:
        named = df.select("ingest_date", "value",
                          F.explode(candidate_ids(F.col("value"))).alias("_candidate"))
        erased = (
            named.crossJoin(F.broadcast(keys))
            .withColumn("tombstone", tombstone(F.col("_candidate")))
            .join(tombstones.select("tombstone"), on="tombstone", how="left_semi")
            .select("ingest_date", "value").distinct()
            .withColumn("_erased", F.lit(True))
        )
        return (
            df.join(erased, on=["ingest_date", "value"], how="left")
            .withColumn("reason", F.when(F.col("_erased"), F.lit(ERASED))
                        .otherwise(F.col("reason")))
            .drop("_erased")
        )

    return transform


def known_users(bronze_users: DataFrame) -> DataFrame:
    """Each user id once, with the first landing date it is known from (unique by user_id)."""
    return bronze_users.groupBy("user_id").agg(F.min("ingest_date").alias("known_since"))


def with_unknown_user_reason(source: str, users: DataFrame) -> callable:
    """Fills ``reason`` for valid records naming a user not landed on or before their date."""
    references = USER_REFERENCES[source]

    def transform(df: DataFrame) -> DataFrame:
        for column in references:
            since = f"_known_since_{column}"
            lookup = users.select(F.col("user_id").alias(column), F.col("known_since").alias(since))
            known = F.col(since).isNotNull() & (F.col(since) <= F.col("ingest_date"))
            df = (
                df.join(lookup, on=column, how="left")
                .withColumn("reason", F.coalesce("reason", F.when(~known, F.lit(UNKNOWN_USER))))
                .drop(since)
            )
        return df

    return transform


def classify(lines: DataFrame, source: str, cfg: Config, users: DataFrame | None,
             erased: callable | None = None) -> DataFrame:
    """Distinct landing lines with their typed fields and a reason (null when valid).

    ``erased`` (``with_erased_reason``) marks the lines of erased users before the user
    check, so that they are never an unknown user's quarantined record.
    """
    classified = (
        lines.transform(dedupe_lines)
        .transform(with_parsed_record(source))
        .transform(with_rule_reason(source, cfg))
    )
    if erased is not None:
        classified = classified.transform(erased)
    if USER_REFERENCES[source]:
        if users is None:
            raise ValueError(f"{source} needs the known users to check its user ids")
        classified = classified.transform(with_unknown_user_reason(source, users))
    return classified


def filter_valid(classified: DataFrame) -> DataFrame:
    return classified.filter(F.col("reason").isNull())


def quarantine_rows(classified: DataFrame, source: str, run_id: str) -> DataFrame:
    """Rejected records in the quarantine layout; each distinct line once (erased users' never)."""
    return classified.filter(F.col("reason") != ERASED).select(
        F.lit(source).alias("source"),
        F.col("value").alias("raw_record"),
        F.col("reason"),
        F.lit(run_id).alias("run_id"),
        F.col("ingest_date"),
    )


def reconciliation(classified: DataFrame, source: str) -> DataFrame:
    """Per landing date: lines read, loaded, quarantined, exact duplicates dropped and
    distinct lines of erased users dropped."""
    valid = F.col("reason").isNull()
    erased = F.col("reason") == ERASED
    return classified.groupBy("ingest_date").agg(
        F.sum("copies").alias("read"),
        F.count_if(valid).alias("loaded"),
        F.count_if(~valid & ~erased).alias("quarantined"),
        F.sum(F.col("copies") - 1).alias("duplicates"),
        F.count_if(erased).alias("erased"),
    ).select(F.lit(source).alias("source"), "ingest_date", "read", "loaded", "quarantined",
             "duplicates", "erased")

"""What an erasure request removes, as DataFrames: the targets, and per table the rows.

Pure functions over DataFrames; ``main.py`` runs the MERGEs, VACUUMs and file rewrites.
The conditions join the table to the targets frame (``s``) instead of naming ids as
literals: a literal predicate would be written into the commit's ``operationParameters``
in ``_delta_log``, the one place a VACUUM never cleans.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.delta import TableSpec
from jobs.common.identifiers import (
    EXAMPLE_COLUMNS,
    KEY_COLUMNS,
    KEY_LABEL_COLUMNS,
    RAW_ID_COLUMNS,
    RAW_TEXT_COLUMNS,
)
from jobs.erasure.catalog import identifier_columns
from jobs.erasure.tombstones import tombstone
from jobs.ingest.transforms import candidate_ids
from jobs.silver.pseudonym import hmac_sha256_hex

REDACTED = "[erased]"


def targets(ids: DataFrame, keys: DataFrame) -> DataFrame:
    """(user_id, user_key, tombstone) of each distinct, non-blank id of the request.

    ``ids`` has one string column ``value`` (a line of the ids file); ``keys`` is the
    pseudonym key frame.
    """
    user_id = F.trim(F.col("value"))
    return (
        ids.select(user_id.alias("user_id"))
        .filter(F.col("user_id").isNotNull() & (F.col("user_id") != ""))
        .distinct()
        .crossJoin(F.broadcast(keys))
        .select("user_id", hmac_sha256_hex(F.col("user_id")).alias("user_key"),
                tombstone(F.col("user_id")).alias("tombstone"))
    )


def identifiers(erased: DataFrame, bronze_users: DataFrame | None) -> DataFrame:
    """(user_id, user_key, identifier): each target once with its id, once with its phone.

    The phone is what a landed record whose user_id was lost (a null id, a cut line)
    still names the user by. Deletes may match a row twice (id and phone): Delta allows
    that for a MERGE whose only clause is an unconditional DELETE.
    """
    found = erased.select("user_id", "user_key", F.col("user_id").alias("identifier"))
    if bronze_users is not None:
        phones = bronze_users.join(erased, on="user_id", how="inner").select(
            "user_id", "user_key", F.trim(F.col("phone")).alias("identifier"))
        found = found.unionByName(phones.filter(F.length("identifier") > 0))
    return found.distinct()


def row_columns(spec: TableSpec) -> tuple[str, ...]:
    """The columns by which a row belongs to or names a user (deleted when it does)."""
    return tuple(c for c in identifier_columns(spec)
                 if c in RAW_ID_COLUMNS + KEY_COLUMNS + RAW_TEXT_COLUMNS)


def row_condition(spec: TableSpec) -> Column | None:
    """A row of the table that belongs to or names a target ``s`` (an ``identifiers`` row);
    None if none can."""
    parts: list[Column] = []
    for column in row_columns(spec):
        target = F.col(f"t.{column}")
        if column in RAW_ID_COLUMNS:
            parts.append(target == F.col("s.user_id"))
        elif column in KEY_COLUMNS:
            parts.append(target == F.col("s.user_key"))
        elif column in RAW_TEXT_COLUMNS:
            parts.append(F.array_contains(candidate_ids(target), F.col("s.identifier")))
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition = condition | part
    return condition


def label_columns(spec: TableSpec) -> tuple[str, ...]:
    return tuple(c for c in identifier_columns(spec) if c in KEY_LABEL_COLUMNS)


def example_columns(spec: TableSpec) -> tuple[str, ...]:
    return tuple(c for c in identifier_columns(spec) if c in EXAMPLE_COLUMNS)


def relabelled(table: DataFrame, spec: TableSpec, column: str, erased: DataFrame) -> DataFrame:
    """Rows (of other users) whose ``column`` is an erased user_key, with the new label.

    The label of a group (a tight circle: its smallest user_key) becomes the smallest
    user_key of the group's remaining members, within the row's partition. Output:
    the partition columns, user_key and ``_label``.
    """
    group = [*spec.partition_by, column]
    labelled_by_erased = table.join(erased.select(F.col("user_key").alias(column)), on=column,
                                    how="left_semi")
    survivors = labelled_by_erased.join(erased.select("user_key"), on="user_key",
                                        how="left_anti")
    labels = survivors.groupBy(*group).agg(F.min("user_key").alias("_label"))
    return survivors.join(labels, on=group, how="inner").select(*spec.partition_by,
                                                                 "user_key", "_label")


def redact(text: Column, needles: Column) -> Column:
    """``text`` with every needle (an array of strings) replaced by REDACTED."""
    return F.aggregate(needles, text, lambda acc, needle: F.replace(acc, needle, F.lit(REDACTED)))


def redacted_examples(table: DataFrame, spec: TableSpec, keys: tuple[str, ...],
                      needles: DataFrame) -> DataFrame:
    """Rows whose example columns quote a needle, keyed by ``keys``, with the text redacted.

    ``needles`` has one column ``needle`` (ids, user_keys, phones of the targets). One
    row per key (the MERGE source must be unique on it).
    """
    columns = example_columns(spec)
    quotes = F.lit(False)
    for column in columns:
        quotes = quotes | F.coalesce(F.col(column).contains(F.col("needle")), F.lit(False))
    hits = table.crossJoin(F.broadcast(needles)).filter(quotes)
    grouped = hits.groupBy(*keys).agg(*(F.first(c).alias(c) for c in columns),
                                      F.collect_set("needle").alias("_needles"))
    return grouped.select(*keys, *(redact(F.col(c), F.col("_needles")).alias(c)
                                   for c in columns))


def lines_naming(lines: DataFrame, found: DataFrame, keys: tuple[str, ...]) -> DataFrame:
    """The ``keys`` (e.g. file and line number) of each landed line naming a target's id or
    phone (``found``: an ``identifiers`` frame)."""
    named = lines.select(*keys, F.explode(candidate_ids(F.col("value"))).alias("identifier"))
    return named.join(found.select("identifier"), on="identifier", how="left_semi").select(
        *keys).distinct()

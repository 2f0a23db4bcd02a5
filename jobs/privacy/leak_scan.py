"""Leak scan: every string value of a silver or gold table, checked for direct identifiers.

Two kinds of evidence, both computed in Spark over the table's rows (no collect of data):

- **patterns**: a mainland mobile number (optionally +86), an IPv4 address, an e-mail
  address — each standing alone or between non-alphanumerics, so that a 64-hex pseudonym
  that happens to hold eleven decimal digits is not taken for a phone number;
- **known values**: the raw ``user_id``, ``phone`` and ``nickname`` values of
  bronze/users, matched exactly (a left-semi join of the table's values on them).

A hit is reported as (table, column, kind, rows, an example, masked); one hit stops
publication. Columns are found from the schema, including strings inside arrays.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

EDGE_BEFORE = r"(^|[^0-9A-Za-z])"
EDGE_AFTER = r"([^0-9A-Za-z]|$)"
PATTERNS: dict[str, str] = {
    "phone_number": EDGE_BEFORE + r"(\+?86[- ]?)?1[3-9][0-9]{9}" + EDGE_AFTER,
    "ip_address": EDGE_BEFORE + r"([0-9]{1,3}\.){3}[0-9]{1,3}" + EDGE_AFTER,
    "email_address": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
}
IDENTIFIER_COLUMNS = ("user_id", "phone", "nickname")
HIT_SCHEMA = T.StructType([
    T.StructField("table_name", T.StringType(), nullable=False),
    T.StructField("column", T.StringType(), nullable=False),
    T.StructField("kind", T.StringType(), nullable=False),
    T.StructField("rows", T.LongType(), nullable=False),
    T.StructField("example", T.StringType()),
])


def string_columns(schema: T.StructType) -> list[tuple[str, Column]]:
    """(name, array of its string values) for every string and array-of-string column."""
    found = []
    for field in schema.fields:
        if isinstance(field.dataType, T.StringType):
            found.append((field.name, F.array(F.col(field.name))))
        elif (isinstance(field.dataType, T.ArrayType)
              and isinstance(field.dataType.elementType, T.StringType)):
            found.append((field.name, F.col(field.name)))
    return found


def labelled(column: str):
    """value -> (column, value); a one-argument function (transform gives a second
    argument, the index, to a function that takes two)."""
    return lambda value: F.struct(F.lit(column).alias("column"), value.alias("value"))


def table_cells(table: str, rows: DataFrame) -> DataFrame | None:
    """(table_name, column, value) for every non-null string value of the table's rows:
    one pass over the rows, whatever the number of string columns; None when it has none."""
    columns = string_columns(rows.schema)
    if not columns:
        return None
    pairs = F.flatten(F.array(*[F.transform(F.coalesce(values, F.array()), labelled(name))
                                for name, values in columns]))
    exploded = rows.select(F.explode(pairs).alias("p")).select("p.column", "p.value")
    return (exploded.filter(F.col("value").isNotNull() & (F.col("value") != ""))
            .select(F.lit(table).alias("table_name"), "column", "value"))


def distinct_values(tables: Iterable[tuple[str, DataFrame]]) -> DataFrame | None:
    """(table_name, column, value, rows) for every distinct value of every table: the
    tables' cells unioned first, so that one aggregation (one shuffle) serves them all."""
    cells = [c for name, rows in tables if (c := table_cells(name, rows)) is not None]
    if not cells:
        return None
    union = cells[0]
    for part in cells[1:]:
        union = union.unionByName(part)
    return union.groupBy("table_name", "column", "value").agg(F.count(F.lit(1)).alias("rows"))


def known_identifiers(bronze_users: DataFrame) -> DataFrame:
    """(value, kind) of every raw identifier value in bronze/users, distinct."""
    parts = [bronze_users.select(F.col(c).cast("string").alias("value"),
                                 F.lit(f"raw_{c}").alias("kind"))
             for c in IDENTIFIER_COLUMNS]
    identifiers = parts[0]
    for part in parts[1:]:
        identifiers = identifiers.unionByName(part)
    return identifiers.filter(F.col("value").isNotNull() & (F.length("value") > 0)).distinct()


def pattern_kind(value: Column) -> Column:
    """The first pattern the value matches, null when none does."""
    kind = F.lit(None).cast("string")
    for name, pattern in reversed(PATTERNS.items()):
        kind = F.when(value.rlike(pattern), F.lit(name)).otherwise(kind)
    return kind


def mask(value: Column) -> Column:
    """Enough of a hit to find it, not enough to copy it into a log: first 3 characters."""
    return F.concat(F.substring(value, 1, 3), F.lit("***"))


def leak_hits(tables: Iterable[tuple[str, DataFrame]], identifiers: DataFrame) -> DataFrame:
    """One row per (table, column, kind) with the rows that hold a direct identifier. Each
    distinct value is matched once, however many rows hold it."""
    values = distinct_values(tables)
    if values is None:
        return identifiers.sparkSession.createDataFrame([], HIT_SCHEMA)
    by_pattern = (values.withColumn("kind", pattern_kind(F.col("value")))
                  .filter(F.col("kind").isNotNull()))
    by_value = values.join(identifiers, on="value", how="inner")
    hits = by_pattern.unionByName(by_value.select(*by_pattern.columns))
    return (hits.groupBy("table_name", "column", "kind")
            .agg(F.sum("rows").alias("rows"), mask(F.min("value")).alias("example"))
            .select(*HIT_SCHEMA.fieldNames()))

"""Old -> new pseudonyms, and a table's rows with every key column moved to the new key."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.silver.pseudonym import with_pseudonyms

Transform = Callable[[DataFrame], DataFrame]


def key_pairs(user_ids: DataFrame, old_keys: DataFrame, new_keys: DataFrame) -> DataFrame:
    """(old_key, new_key), one row per distinct non-null user_id; both HMACs in Spark."""
    return (
        user_ids.select("user_id").filter(F.col("user_id").isNotNull()).distinct()
        .withColumn("_id_new", F.col("user_id"))
        .transform(with_pseudonyms(old_keys, {"user_id": "old_key"}))
        .transform(with_pseudonyms(new_keys, {"_id_new": "new_key"}))
        .select("old_key", "new_key")
    )


def pairs_check(pairs: DataFrame) -> dict[str, int]:
    """One aggregate row: pairs, distinct old keys, distinct new keys, new keys that are
    also old keys. One-to-one: the first three are equal and the last is 0."""
    clashes = pairs.select(F.col("new_key").alias("old_key")).join(pairs, "old_key", "left_semi")
    counts = pairs.agg(F.count(F.lit(1)).alias("pairs"),
                       F.count_distinct("old_key").alias("old_keys"),
                       F.count_distinct("new_key").alias("new_keys")).first().asDict()
    return {**counts, "clashes": clashes.count()}


def mapped(old: Column, new: Column, where: str) -> Column:
    """The new key; null stays null; a key without a pair fails the write (nothing commits)."""
    unmapped = F.raise_error(F.lit(f"{where}: a key without an old->new pair (not made from "
                                   "bronze/users with the current key): rotation stopped, "
                                   "nothing written"))
    return F.when(old.isNull(), F.lit(None).cast("string")).when(new.isNull(), unmapped) \
        .otherwise(new)


def with_new_keys(pairs: DataFrame, columns: Sequence[str], where: str) -> Transform:
    """Replaces each key column's old pseudonym by its new one (column order kept)."""

    def transform(df: DataFrame) -> DataFrame:
        order = df.columns
        for column in columns:
            lookup = pairs.select(F.col("old_key").alias(column), F.col("new_key").alias("_new"))
            df = (df.join(lookup, on=column, how="left")
                  .withColumn(column, mapped(F.col(column), F.col("_new"), f"{where}.{column}"))
                  .drop("_new"))
        return df.select(*order)

    return transform

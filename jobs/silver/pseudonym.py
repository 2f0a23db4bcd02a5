"""user_key = lower-case hex HMAC-SHA256(secret, UTF-8 user_id), with Spark built-ins only.

Spark 4.2 has no hmac function, so RFC 2104 is spelled out with sha2:
    HMAC(K, m) = H((K' xor opad) || H((K' xor ipad) || m))
The two padded keys enter the plan as data of a one-row frame (broadcast, cross-joined),
not as literals, so they do not show in ``explain()`` output or the SQL tab.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.secrets import PseudonymKey

BLOCK = 64  # SHA-256 block size in bytes
KEY_SCHEMA = T.StructType([T.StructField("_k_ipad", T.BinaryType(), nullable=False),
                           T.StructField("_k_opad", T.BinaryType(), nullable=False)])


def padded_keys(key: bytes) -> tuple[bytes, bytes]:
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def key_frame(spark: SparkSession, key: PseudonymKey) -> DataFrame:
    """One row holding K' xor ipad and K' xor opad."""
    return spark.createDataFrame([padded_keys(key.reveal())], KEY_SCHEMA)


def hmac_sha256_hex(message: Column) -> Column:
    """Needs the columns of ``key_frame`` in scope; null message -> null."""
    inner = F.unhex(F.sha2(F.concat(F.col("_k_ipad"), F.encode(message, "UTF-8")), 256))
    return F.sha2(F.concat(F.col("_k_opad"), inner), 256)


def with_pseudonyms(keys: DataFrame, columns: dict[str, str]) -> Callable[[DataFrame], DataFrame]:
    """Replaces each identifier column by its pseudonym: {"user_id": "user_key", ...}."""

    def transform(df: DataFrame) -> DataFrame:
        keyed = df.crossJoin(F.broadcast(keys))
        for source, target in columns.items():
            keyed = keyed.withColumn(target, hmac_sha256_hex(F.col(source)))
        return keyed.drop("_k_ipad", "_k_opad", *columns.keys())

    return transform

"""The deterministic holdout: which members of a segment are kept out of its campaigns.

bucket = the first 32 bits of sha2('<user_key>|<family>|<segment>|<salt>', 256) mod 10000;
a member is in the holdout when bucket < share x 10000. Any engine with SHA-256 computes
the same assignment, so an activation tool can exclude the holdout itself:

    conv(substr(sha2(concat_ws('|', user_key, family, segment, '<salt>'), 256), 1, 8), 16, 10)
      % 10000 < <share x 10000>

Stable across runs and dates for a user and a segment; independent between segments (the
segment is hashed in); a new salt draws a new holdout.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.segments.base import Transform

BUCKETS = 10_000


def holdout_bucket(user_key: Column, family: Column, segment: Column, salt: str) -> Column:
    digest = F.sha2(F.concat_ws("|", user_key, family, segment, F.lit(salt)), 256)
    return (F.conv(F.substring(digest, 1, 8), 16, 10).cast("long") % BUCKETS).cast("int")


def in_holdout(user_key: Column, family: Column, segment: Column, salt: str,
               share: float) -> Column:
    cutoff = int(round(share * BUCKETS))
    return holdout_bucket(user_key, family, segment, salt) < F.lit(cutoff)


def with_holdout(cfg: Config) -> Transform:
    """Adds ``in_holdout`` (boolean) to membership rows (user_key, family, segment)."""
    salt = str(cfg.get("evaluation.holdout_salt"))
    share = float(cfg.get("evaluation.holdout_share"))

    def transform(members: DataFrame) -> DataFrame:
        return members.withColumn("in_holdout", in_holdout(
            F.col("user_key"), F.col("family"), F.col("segment"), salt, share))

    return transform

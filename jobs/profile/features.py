"""The per-user features of the social, interest and predict stages, for the profile of D.

Each stage writes a (snapshot_date, user_key) table; the profile carries their columns
beside the lifetime state (``with_stage_features``). A stage table that does not exist
(a lakehouse built before the stage, or a run of the profile alone) contributes null
columns, logged; a user a stage has no row for gets nulls (counts become 0 in the
profile's zero defaults).
"""

from __future__ import annotations

import datetime as dt
import logging

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.common.delta import TableSpec, read_table, table_exists
from jobs.interest.schemas import USER_INTEREST
from jobs.predict.schemas import USER_PREDICTED_VALUE
from jobs.segments.base import Transform
from jobs.social.schemas import USER_SOCIAL

log = logging.getLogger("jobs.profile")

# (table, {profile column: the table's column}); a TableSpec holds a dict, so no dict key
SOURCES: tuple[tuple[TableSpec, dict[str, str]], ...] = (
    (USER_SOCIAL, {c: c for c in ("followers", "mutual_friends", "circle_friends",
                                  "tight_circle_id", "tight_circle_size")}),
    (USER_INTEREST, {c: c for c in ("explicit_interests", "implicit_interests",
                                    "excluded_categories", "primary_interest",
                                    "secondary_interest")}),
    (USER_PREDICTED_VALUE, {"p_alive": "p_alive", "predicted_purchases": "expected_purchases",
                            "predicted_value": "predicted_value"}),
)


def with_stage_features(spark: SparkSession, cfg: Config, snapshot: dt.date) -> Transform:
    """state of D -> state full-joined with every stage's columns of D (one row per user)."""
    root = cfg.lakehouse_root
    parts: list[DataFrame] = []
    for spec, columns in SOURCES:
        if not table_exists(spark, spec, root):
            log.warning("profile %s: %s does not exist; its columns are null", snapshot,
                        spec.path(root))
            continue
        rows = read_table(spark, spec, root).filter(F.col("snapshot_date") == snapshot)
        parts.append(rows.select("user_key", *[F.col(source).alias(name)
                                               for name, source in columns.items()]))

    def transform(state: DataFrame) -> DataFrame:
        joined = state
        for part in parts:   # each unique per user_key for one snapshot
            joined = joined.join(part, on="user_key", how="full")
        return joined

    return transform

"""Family 5 — interest (SEGMENTS.md §5), family name ``interest``.

The per-user interests come from the interest stage (jobs/interest, silver/user_interest,
thresholds under conf ``segments.interest``), joined into the profile:

| segment                   | holds when                                                  |
|---------------------------|-------------------------------------------------------------|
| interest_<category>       | the category is an explicit interest (a subscribe or a      |
|                           | favorite in explicit_window_days) or an implicit one (dwell |
|                           | in window_days >= implicit_dwell_multiple (2) x the user's  |
|                           | mean dwell per viewed category)                             |
| interest_topic_<label>    | the LDA topic is the user's primary or secondary interest   |

Excluded categories (fast exits >= excluded_fast_exit_share (80 %) of the views) are a
profile column, ``excluded_categories``, not a segment. Names go through
``segment_name`` (lower case, anything but letters and digits -> ``_``).
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.segments.base import Transform, segment_name

FAMILY = "interest"


def interest_memberships(cfg: Config) -> Transform:
    """Membership rows of the interest family, from a profile of one or more snapshots."""

    def named(prefix: str):
        return lambda value: F.when(segment_name(value) != "",
                                    F.concat(F.lit(prefix), segment_name(value)))

    def transform(profile: DataFrame) -> DataFrame:
        empty = F.array().cast("array<string>")
        categories = F.array_union(F.coalesce(F.col("explicit_interests"), empty),
                                   F.coalesce(F.col("implicit_interests"), empty))
        topics = F.array(F.col("primary_interest"), F.col("secondary_interest"))
        names = F.array_distinct(F.concat(F.transform(categories, named("interest_")),
                                          F.transform(topics, named("interest_topic_"))))
        return (profile.select("snapshot_date", "user_key", F.explode(names).alias("segment"))
                .filter(F.col("segment").isNotNull())
                .select("snapshot_date", "user_key", F.lit(FAMILY).alias("family"), "segment"))

    return transform

"""Column -> Column helpers shared by the segment families (no DataFrame, no I/O).

- ``window_feature``: the profile feature of a conf window (``events`` + 7 -> ``events_7d``),
  so that a window in conf and the column a family reads cannot drift apart;
- ``exact`` / ``holds_share``: conf numbers as exact decimals, so that a count exactly at
  a threshold is at it (in doubles 3 * 1.3 is 3.9000000000000004); no division at all;
- ``first_largest``: the label of the largest count, ties broken by a fixed order;
- ``tag``: a segment name built from a prefix and free-text values.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import reduce
from operator import and_

from pyspark.sql import Column
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.common.errors import ConfigError
from jobs.segments.base import PROFILE_FEATURES, segment_name


def window_feature(cfg: Config, key: str, metric: str) -> str:
    """The profile column ``<metric>_<N>d`` for the window of N days at conf ``key``."""
    days = cfg.get(key)
    name = f"{metric}_{days}d"
    if name not in PROFILE_FEATURES:
        raise ConfigError(f"conf key '{key}' = {days!r}: the profile has no feature '{name}' "
                          "(see jobs.segments.base.PROFILE_FEATURES)")
    return name


def exact(value: float | int) -> Decimal:
    """A conf number as the decimal it is written as (0.4 stays 0.4, not 0.40000000000000002)."""
    return Decimal(str(value))


def holds_share(part: Column, total: Column, min_share: float) -> Column:
    """part is at least ``min_share`` of a positive total, compared exactly."""
    has_total = total > 0
    return has_total & (part >= F.lit(exact(min_share)) * total)


def first_largest(counts: Sequence[tuple[str, Column]]) -> Column:
    """The label whose count is the largest; null when no count is positive.

    Ties go to the label listed first in ``counts``: the order is the tie-break rule.
    Null counts are ignored (``greatest`` skips them).
    """
    largest = F.greatest(*[count for _, count in counts])
    (first_label, first_count), *others = counts
    choice = F.when(first_count == largest, F.lit(first_label))
    for label, count in others:
        choice = choice.when(count == largest, F.lit(label))
    return F.when(largest > 0, choice)


def tag(prefix: str, *values: Column) -> Column:
    """``<prefix>_<value>[_<value>...]``, each value through ``segment_name``.

    Null when any value is null or has no letter or digit left: no segment
    for an unknown attribute, and never a bare ``gender_``.
    """
    names = [segment_name(value.cast("string")) for value in values]
    present = reduce(and_, [name != "" for name in names])
    return F.when(present, F.concat_ws("_", F.lit(prefix), *names))


def feature(cfg: Config, key: str, metric: str, suffix: str = "") -> Column:
    """The profile column of the conf window at ``key`` (``window_feature``) plus ``suffix``."""
    name = window_feature(cfg, key, metric) + suffix
    if name not in PROFILE_FEATURES:
        raise ConfigError(f"conf key '{key}' = {cfg.get(key)!r}: the profile has no feature "
                          f"'{name}' (see jobs.segments.base.PROFILE_FEATURES)")
    return F.col(name)

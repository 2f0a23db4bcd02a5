"""The interest windows of D from a state that moves one day at a time (jobs/common/chain.py).

silver/user_category_state(D) holds, per (user, content type, category), the final part of
the two interest windows: views, dwell and fast exits of ages L..W-1 (W =
``window_days``) and subscribes + favorites of ages L..E-1 (E = ``explicit_window_days``),
L = ``ingest.max_late_days``. From D-1 to D the day of age L joins both and the days of
ages W and E leave. ``rows_as_of`` hands the family's functions (category_totals,
lda_documents) the state as one row per key dated D-L — inside both windows — plus the
tail's rows, so they sum exactly what the full scan sums.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.rollup.categories import user_category_daily

KEYS = ("user_key", "content_type", "content_category")
WINDOWED = ("views", "dwell_s", "fast_exits")   # the W-day window
# days_present: final days of the longer window with a row for the key. The full scan
# reports a key (and so a user) with any row in that window, even one with nothing left
# in either sum; the state keeps the key exactly as long.
STATE_COLUMNS = (*KEYS, *WINDOWED, "explicit", "days_present")


def _age(snapshot: dt.date) -> str:
    return f"datediff(DATE'{snapshot}', activity_date)"


def _kept(state: DataFrame) -> DataFrame:
    return state.filter(F.col("days_present") > 0).select(*STATE_COLUMNS)


def cold_categories(daily: DataFrame, snapshot: dt.date, window_days: int,
                    explicit_days: int, late_days: int) -> DataFrame:
    """The state of D from the final category rows (user_category_daily)."""
    age = _age(snapshot)
    oldest = snapshot - dt.timedelta(days=max(window_days, explicit_days) - 1)
    final_until = snapshot - dt.timedelta(days=late_days)
    rows = daily.filter(F.col("activity_date").between(oldest, final_until))
    sums = [F.expr(f"CAST(coalesce(sum(CASE WHEN {age} < {window_days} THEN {c} END), 0) "
                   f"AS BIGINT) AS {c}") for c in WINDOWED]
    sums.append(F.expr(f"CAST(coalesce(sum(CASE WHEN {age} < {explicit_days} THEN "
                       "subscribes + favorites END), 0) AS BIGINT) AS explicit"))
    sums.append(F.count(F.lit(1)).alias("days_present"))
    return _kept(rows.groupBy(*KEYS).agg(*sums))


def moved_categories(previous: DataFrame, daily: DataFrame, snapshot: dt.date,
                     window_days: int, explicit_days: int, late_days: int) -> DataFrame:
    """The state of D from D-1's: + the day of age L, - the days of ages W and E."""
    age = _age(snapshot)
    longest = max(window_days, explicit_days)
    days = [snapshot - dt.timedelta(days=a) for a in (late_days, window_days, explicit_days)]
    moving = daily.filter(F.col("activity_date").isin(days))

    def change(value: str, leaves_at: int) -> str:
        return (f"CASE WHEN {age} = {late_days} THEN {value} "
                f"WHEN {age} = {leaves_at} THEN -({value}) ELSE 0 END")

    changes = moving.selectExpr(*KEYS, *[f"{change(c, window_days)} AS {c}" for c in WINDOWED],
                                f"{change('subscribes + favorites', explicit_days)} AS explicit",
                                f"{change('1', longest)} AS days_present")
    rows = previous.select(*STATE_COLUMNS).unionByName(changes)
    return _kept(rows.groupBy(*KEYS).agg(*[F.sum(c).cast("long").alias(c)
                                           for c in STATE_COLUMNS[len(KEYS):]]))


def rows_as_of(state: DataFrame, increments: DataFrame, snapshot: dt.date, window_days: int,
               explicit_days: int, late_days: int) -> DataFrame:
    """Category rows equivalent to the full scan's for both windows of D: the state dated
    D-L (final, inside both windows) and the tail re-summed from the increments landed by
    D (within both windows, since L < W and L < E)."""
    final_until = snapshot - dt.timedelta(days=late_days)
    recent = increments.filter((F.col("activity_date") > final_until)
                               & (F.col("activity_date") <= snapshot)
                               & (F.col("ingest_date") <= snapshot))
    tail = user_category_daily(recent)
    folded = state.select(F.lit(final_until).alias("activity_date"), *KEYS, *WINDOWED,
                          F.col("explicit").alias("subscribes"),
                          F.lit(0).cast("long").alias("favorites"))
    return folded.unionByName(tail.select(*folded.columns))

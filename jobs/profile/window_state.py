"""Window features of snapshot D from a per-user state that moves one day at a time.

Activity dates at least ``ingest.max_late_days`` (L) before D are final: a record for
them lands too late and is quarantined (``too_late``), so their rollup rows never change.
Every window splits into a final part (ages L and older) and a tail (ages 0..L-1, still
open to late records). From D-1 to D the final part of a window gains one day (the day
that just became final, or for a prior window the day it takes over) and loses one (the
day that leaves), so

    silver/user_window_state(D) = state(D-1) + the days entering - the days leaving

reads the state and a handful of rollup partitions, however long the windows are. The
tail is re-summed from the increments landed up to D, exactly as the full path
(``jobs/profile/windows.py``) reads it; both give the same features, which the full path
(``jobs/profile/main.py --full-refresh``) is kept to prove.

Beside the sums the state keeps what no sum can: the final paid days of the 365-day window
(for recency, quarter shares and order intervals) and the login streak ending on the last
final day. With no state(D-1) — the first run, a gap, or after the rollup rewrote a day the
state had counted as final — state(D) is built cold from the final rows.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.delta import session_conf
from jobs.profile.windows import (
    HORIZON_DAYS,
    WINDOW_SUMS,
    age_sql,
    interval_cv,
    login_streak,
    share_of_largest,
    sum_sql,
    with_window_derived,
)

PAID_DAY = T.StructType([
    T.StructField("activity_date", T.DateType()),
    T.StructField("paid_orders", T.LongType()),
    T.StructField("paid_amount", T.DecimalType(18, 2)),
])
PAID_DAYS = T.ArrayType(PAID_DAY, containsNull=False)
STATE_COLUMNS = ("user_key", *(s.name for s in WINDOW_SUMS), "paid_days", "login_streak_final")
# Calendar quarters a 365-day window can touch: at most 5, so quarter index mod 5 tells
# them apart.
QUARTER_SLOTS = 5


def _age(snapshot: dt.date) -> Column:
    return F.datediff(F.lit(snapshot), F.col("activity_date"))


def _no_paid_days() -> Column:
    return F.array().cast(PAID_DAYS)


def _is_paid_day(orders: Column, amount: Column) -> Column:
    return (orders > 0) | (amount > 0)


def _paid_day(day: Column, orders: Column, amount: Column) -> Column:
    return F.struct(day.alias("activity_date"), orders.cast("long").alias("paid_orders"),
                    amount.cast("decimal(18,2)").alias("paid_amount"))


def _in_year(paid_days: Column, snapshot: dt.date) -> Column:
    oldest = F.lit(snapshot - dt.timedelta(days=HORIZON_DAYS - 1))
    return F.filter(paid_days, lambda p: p["activity_date"] >= oldest)


def _kept(state: DataFrame) -> DataFrame:
    """Only users with something in a window: a row of zeros is the same as no row."""
    nonzero = [f"{s.name} != 0" for s in WINDOW_SUMS]
    nonzero += ["size(paid_days) > 0", "login_streak_final > 0"]
    return state.filter(" OR ".join(nonzero)).select(*STATE_COLUMNS)


def without_constraint_propagation(spark: SparkSession):
    """A block in which the optimizer does not propagate constraints. A filter over the
    ~70 aliased window sums, pushed below their projection, makes constraint propagation
    substitute every alias in every combination (exponential: the driver runs out of
    heap); Spark's own advice for plans with many predicates and aliases is this switch.
    The profile's reads carry their own partition filters, so nothing is lost."""
    return session_conf(spark, "spark.sql.constraintPropagation.enabled", "false")


def cold_state(final_rows: DataFrame, snapshot: dt.date, late_days: int) -> DataFrame:
    """state(D) from the final rollup rows (activity dates D-364 .. D-L)."""
    age = age_sql(snapshot)
    sums = []
    for s in WINDOW_SUMS:
        ages = s.final_ages(late_days)
        total = sum_sql(s.value, f"{age} BETWEEN {ages[0]} AND {ages[1]}") if ages else "0"
        sums.append(F.expr(f"CAST(coalesce({total}, 0) AS {s.dtype}) AS {s.name}"))
    paid = _is_paid_day(F.col("paid_orders"), F.col("paid_amount"))
    paid_days = F.array_sort(F.collect_list(F.when(paid, _paid_day(
        F.col("activity_date"), F.col("paid_orders"), F.col("paid_amount")))))
    final_until = snapshot - dt.timedelta(days=late_days)
    streak = login_streak(final_rows, final_until).withColumnRenamed("login_streak_days",
                                                                     "login_streak_final")
    state = (final_rows.groupBy("user_key").agg(*sums, paid_days.cast(PAID_DAYS).alias(
        "paid_days"))
             .join(streak, on="user_key", how="left")
             .withColumn("login_streak_final", F.coalesce("login_streak_final", F.lit(0))))
    return _kept(state)


def moving_days(snapshot: dt.date, late_days: int) -> list[dt.date]:
    """The rollup partitions next_state reads: every day entering or leaving a window."""
    days = {snapshot - dt.timedelta(days=late_days)}
    for s in WINDOW_SUMS:
        ages = s.final_ages(late_days)
        if ages:
            days |= {snapshot - dt.timedelta(days=ages[0]),
                     snapshot - dt.timedelta(days=ages[1] + 1)}
    return sorted(days)


def next_state(previous: DataFrame, daily: DataFrame, snapshot: dt.date,
               late_days: int) -> DataFrame:
    """state(D) from state(D-1) and the rollup rows of the days that move (user_daily)."""
    age = age_sql(snapshot)
    changes = []
    for s in WINDOW_SUMS:
        ages = s.final_ages(late_days)
        if ages:   # + the day that enters the final part, - the day that leaves it
            changes.append(F.expr(f"sum(CASE WHEN {age} = {ages[0]} THEN {s.value} WHEN {age} = "
                                  f"{ages[1] + 1} THEN -({s.value}) END) AS _d_{s.name}"))
    entering = _age(snapshot) == late_days
    changes += [F.sum(F.when(entering, F.col("paid_orders"))).alias("_d_orders"),
                F.sum(F.when(entering, F.col("paid_amount"))).alias("_d_amount"),
                F.max(F.when(entering, (F.col("n_login") > 0).cast("int"))).alias("_d_login")]
    days = daily.filter(F.col("activity_date").isin(moving_days(snapshot, late_days)))
    moved = days.groupBy("user_key").agg(*changes)
    joined = previous.select(*STATE_COLUMNS).join(moved, on="user_key", how="full")

    sums = [F.expr(f"CAST(coalesce({s.name}, 0) + coalesce(_d_{s.name}, 0) AS {s.dtype}) "
                   f"AS {s.name}") if s.final_ages(late_days) else
            F.expr(f"CAST(coalesce({s.name}, 0) AS {s.dtype}) AS {s.name}")
            for s in WINDOW_SUMS]
    orders, amount = F.coalesce("_d_orders", F.lit(0)), F.coalesce("_d_amount", F.lit(0))
    final_until = F.lit(snapshot - dt.timedelta(days=late_days))
    new_paid = F.when(_is_paid_day(orders, amount),
                      F.array(_paid_day(final_until, orders, amount))).otherwise(_no_paid_days())
    kept = _in_year(F.coalesce(F.col("paid_days"), _no_paid_days()), snapshot)
    # As far back as the final part of the 365-day window reaches, like the cold path.
    streak = F.when(F.col("_d_login") == 1, F.least(
        F.coalesce(F.col("login_streak_final"), F.lit(0)) + 1, F.lit(HORIZON_DAYS - late_days))
    ).otherwise(F.lit(0))
    state = joined.select("user_key", *sums,
                          F.concat(kept, new_paid).cast(PAID_DAYS).alias("paid_days"),
                          streak.cast("int").alias("login_streak_final"))
    return _kept(state)


def _quarter_slot(day: Column) -> Column:
    return (F.year(day) * 4 + F.quarter(day) - 1) % QUARTER_SLOTS


def _amount_in_slot(paid_days: Column, slot: int) -> Column:
    zero = F.lit(0).cast("decimal(28,2)")
    in_slot = F.filter(paid_days, lambda p: (p["paid_amount"] > 0)
                       & (_quarter_slot(p["activity_date"]) == slot))
    return F.aggregate(in_slot, zero,
                       lambda total, p: (total + p["paid_amount"]).cast("decimal(28,2)"))


def _paid_day_features(paid_days: Column, snapshot: dt.date) -> dict[str, Column]:
    """Recency, quarter share and order-interval CV from the window's sorted paid days."""
    ordered = F.filter(paid_days, lambda p: p["paid_orders"] > 0)
    count = F.size(ordered)
    quarters = [_amount_in_slot(paid_days, k) for k in range(QUARTER_SLOTS)]
    with_amount = F.exists(paid_days, lambda p: p["paid_amount"] > 0)
    pairs = F.greatest(count - 1, F.lit(0))
    gaps = F.zip_with(F.slice(ordered, 2, pairs), F.slice(ordered, 1, pairs),
                      lambda later, earlier: F.datediff(later["activity_date"],
                                                        earlier["activity_date"]))
    n = F.aggregate(ordered, F.lit(0).cast("long"),
                    lambda total, p: total + p["paid_orders"]) - 1
    s1 = F.when(count >= 2, F.datediff(F.element_at(ordered, -1)["activity_date"],
                                       F.element_at(ordered, 1)["activity_date"]))
    s2 = F.aggregate(gaps, F.lit(0).cast("long"), lambda total, g: total + g * g)
    return {
        "_last_paid": F.array_max(F.transform(ordered, lambda p: p["activity_date"])),
        "max_quarter_share_365d": F.when(with_amount, share_of_largest(
            F.greatest(*quarters), sum(quarters[1:], quarters[0]))),
        "order_interval_cv_365d": interval_cv(n, F.coalesce(s1, F.lit(0)).cast("long"), s2),
    }


def state_features(state: DataFrame, tail_rows: DataFrame, snapshot: dt.date,
                   late_days: int) -> DataFrame:
    """Every window column of the profile from state(D) and the tail's rows as of D."""
    age = age_sql(snapshot)
    tail = [F.expr(sum_sql(s.value, f"{age} BETWEEN {ages[0]} AND {ages[1]}") + f" AS _t_{s.name}")
            for s in WINDOW_SUMS if (ages := s.tail_ages(late_days))]
    for a in range(late_days):
        tail += [F.expr(f"{sum_sql('paid_orders', f'{age} = {a}')} AS _po{a}"),
                 F.expr(f"{sum_sql('paid_amount', f'{age} = {a}')} AS _pa{a}"),
                 F.expr(f"max(CASE WHEN {age} = {a} THEN CAST(n_login > 0 AS INT) END) AS _li{a}")]
    by_user = tail_rows.groupBy("user_key").agg(*tail)
    joined = state.select(*STATE_COLUMNS).join(by_user, on="user_key", how="full")

    sums = [F.expr(f"CAST(coalesce({s.name}, 0) + coalesce(_t_{s.name}, 0) AS {s.dtype}) "
                   f"AS {s.name}") if s.tail_ages(late_days) else
            F.expr(f"CAST(coalesce({s.name}, 0) AS {s.dtype}) AS {s.name}")
            for s in WINDOW_SUMS]
    tail_paid = F.filter(F.array(*[
        _paid_day(F.lit(snapshot - dt.timedelta(days=a)), F.coalesce(f"_po{a}", F.lit(0)),
                  F.coalesce(f"_pa{a}", F.lit(0)))
        for a in reversed(range(late_days))]),   # oldest first, as in the state
        lambda p: _is_paid_day(p["paid_orders"], p["paid_amount"]))
    paid_days = F.concat(F.coalesce(F.col("paid_days"), _no_paid_days()), tail_paid)
    # Login days from D backwards: the tail's run, continued by the final streak when the
    # whole tail logged in; at most the 365 days the window reaches.
    tail_run = F.coalesce(*[F.when(F.coalesce(f"_li{a}", F.lit(0)) == 0, F.lit(a))
                            for a in range(late_days)], F.lit(late_days))
    streak = F.when(tail_run == late_days, F.least(
        tail_run + F.coalesce("login_streak_final", F.lit(0)), F.lit(HORIZON_DAYS))
    ).otherwise(tail_run)
    paid = _paid_day_features(paid_days, snapshot)
    features = joined.select("user_key", *sums, paid["_last_paid"].alias("_last_paid"),
                             paid["max_quarter_share_365d"].alias("max_quarter_share_365d"),
                             paid["order_interval_cv_365d"].alias("order_interval_cv_365d"),
                             F.when(streak > 0, streak.cast("int")).alias("login_streak_days"))
    return with_window_derived(features, snapshot, "_last_paid")

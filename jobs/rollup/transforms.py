"""Silver events and orders -> per-(landing date, activity date, user) increments -> user_daily.

One pass: every event and every order becomes one row of metric values (a "fact"),
the two are unioned, and a single groupBy sums them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.rollup.schemas import (
    AMOUNT_COLUMNS,
    CONTENT_TYPES,
    COUNT_COLUMNS,
    DEVICE_TYPES,
    EVENT_TYPES,
    LATEST_COLUMNS,
    NETWORK_GROUPS,
    SLOTS,
)

KEYS = ("ingest_date", "activity_date", "user_key")


def zero_amount() -> Column:
    return F.lit(0).cast("decimal(18,2)")


def as_count(condition: Column) -> Column:
    return F.coalesce(condition, F.lit(False)).cast("long")


def in_minutes(minute: Column, bounds: list[int]) -> Column:
    """minute in [start, end)."""
    return (minute >= bounds[0]) & (minute < bounds[1])


def slot_of(minute: Column, cfg: Config) -> Column:
    """The named time slot of a minute of the day; 'daytime' when in none."""
    slots = cfg.get("segments.scene.time_slots")
    chosen = F.lit("daytime")
    for name in reversed([s for s in SLOTS if s != "daytime"]):
        chosen = F.when(in_minutes(minute, slots[name]), F.lit(name)).otherwise(chosen)
    return chosen


def network_group(network: Column, cfg: Config) -> Column:
    """wifi / 5g / 4g, or 'weak' for the configured weak networks; null stays null."""
    weak = cfg.get("segments.scene.weak_networks")
    return F.when(network.isin(weak), F.lit("weak")).otherwise(network)


def is_weekend(day: Column) -> Column:
    return F.dayofweek(day).isin(1, 7)  # Sunday = 1, Saturday = 7


def event_facts(events: DataFrame, cfg: Config) -> DataFrame:
    """One row of metric values per silver event."""
    minute, day = F.col("local_minute"), F.col("activity_date")
    slot = slot_of(minute, cfg)
    network = network_group(F.col("network"), cfg)
    evening = in_minutes(minute, cfg.get("segments.scene.weekday_evening_slot"))
    morning = in_minutes(minute, cfg.get("segments.scene.weekend_morning_slot"))
    counts = {
        "events": F.lit(1).cast("long"),
        "duration_s": F.coalesce(F.col("duration_s"), F.lit(0)).cast("long"),
        **{f"n_{t}": as_count(F.col("event_type") == t) for t in EVENT_TYPES},
        **{f"content_{c}": as_count(F.col("content_type") == c) for c in CONTENT_TYPES},
        **{f"device_{d}": as_count(F.col("device_type") == d) for d in DEVICE_TYPES},
        **{f"net_{n}": as_count(network == n) for n in NETWORK_GROUPS},
        **{f"slot_{s}": as_count(slot == s) for s in SLOTS},
        "weekday_evening_slot_events": as_count(~is_weekend(day) & evening),
        "weekend_morning_slot_events": as_count(is_weekend(day) & morning),
        "paid_orders": F.lit(0).cast("long"),
        "refunded_orders": F.lit(0).cast("long"),
        "coupon_paid_orders": F.lit(0).cast("long"),
    }
    return events.select(
        *KEYS,
        *[counts[c].alias(c) for c in COUNT_COLUMNS],
        *[zero_amount().alias(c) for c in AMOUNT_COLUMNS],
        F.col("event_ts").alias("last_event_ts"),
        F.col("event_id").alias("last_event_id"),
        *[F.col(c) for c in LATEST_COLUMNS],
    )


def order_facts(orders: DataFrame) -> DataFrame:
    """One row of metric values per silver order (no event metrics)."""
    paid = F.col("status") == "paid"
    refunded = F.col("status") == "refunded"
    counts = {c: F.lit(0).cast("long") for c in COUNT_COLUMNS}
    counts |= {
        "paid_orders": as_count(paid),
        "refunded_orders": as_count(refunded),
        "coupon_paid_orders": as_count(paid & F.col("coupon_used")),
    }
    amounts = {
        "paid_amount": F.when(paid, F.col("amount")).otherwise(zero_amount()),
        "refunded_amount": F.when(refunded, F.col("amount")).otherwise(zero_amount()),
    }
    return orders.select(
        *KEYS,
        *[counts[c].alias(c) for c in COUNT_COLUMNS],
        *[amounts[c].cast("decimal(18,2)").alias(c) for c in AMOUNT_COLUMNS],
        F.lit(None).cast("timestamp").alias("last_event_ts"),
        F.lit(None).cast("string").alias("last_event_id"),
        *[F.lit(None).cast("string").alias(c) for c in LATEST_COLUMNS],
    )


def latest_event(rows: DataFrame, keys: Sequence[str]) -> DataFrame:
    """Per key that has an event: ``last_event_ts``, ``last_event_id`` and the device
    fields of its latest event (the greatest timestamp; a tie goes to the greater id).

    The greatest of a struct needs a sort-based aggregation (a string in the buffer), so
    it gets a narrow projection of its own (keys, timestamp, id, three device strings):
    its map side sorts those few columns and keeps one row per key and partition before
    the shuffle, instead of sorting every fact row at full width."""
    events = rows.where(F.col("last_event_ts").isNotNull())
    # The user key first: the sort then compares an 8-byte prefix of the user key, not a
    # landing date that every row of a daily run shares (measured on a 5M-event day: the
    # aggregation took 9.4-9.9 s instead of 12.0 s).
    by = sorted(keys, key=lambda k: k != "user_key")
    latest = events.groupBy(*by).agg(F.max(F.struct(
        "last_event_ts", "last_event_id", *LATEST_COLUMNS)).alias("_latest"))
    return latest.select(*keys, "_latest.*")


def combine(keys: tuple[str, ...]) -> Callable[[DataFrame], DataFrame]:
    """Sum the additive metrics, keep the latest event's device fields, per ``keys``.

    Every sum in one HashAggregate (no sort of the fact rows, which are the day's events
    at full width); the latest event's fields from ``latest_event``, joined by hash."""

    def transform(facts: DataFrame) -> DataFrame:
        sums = facts.groupBy(*keys).agg(
            *[F.sum(c).alias(c) for c in COUNT_COLUMNS],
            *[F.sum(c).cast("decimal(18,2)").alias(c) for c in AMOUNT_COLUMNS],
        )
        latest = latest_event(facts, keys).hint("shuffle_hash")
        return sums.join(latest, list(keys), "left").select(
            *keys, *COUNT_COLUMNS, *AMOUNT_COLUMNS, "last_event_ts", "last_event_id",
            *LATEST_COLUMNS)

    return transform


def daily_increments(events: DataFrame, orders: DataFrame, cfg: Config) -> DataFrame:
    """What the given silver rows add per (ingest_date, activity_date, user_key)."""
    facts = event_facts(events, cfg).unionByName(order_facts(orders))
    return facts.transform(combine(KEYS))


def user_daily(increments: DataFrame) -> DataFrame:
    """Increments of any landing date summed per (activity_date, user_key)."""
    return increments.transform(combine(("activity_date", "user_key")))

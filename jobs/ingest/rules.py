"""Validation rules per source: (reason, condition) pairs, checked in order.

A record gets the reason of the first rule it breaks; a record that breaks none
is loaded. The conditions read the parsed landing struct ``r`` (every field a
string) and the typed columns that ``with_typed_columns`` derives from it.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from jobs.common.config import Config

Rule = tuple[str, Column]


def is_blank(col: Column) -> Column:
    return col.isNull() | (F.trim(col) == "")


def failed_cast(raw: Column, typed: Column) -> Column:
    """The landing text is there but does not convert to the declared type."""
    return ~is_blank(raw) & typed.isNull()


def not_in(col: Column, allowed: list[str]) -> Column:
    """A present value outside the allowed set (nulls pass: the field is optional)."""
    return col.isNotNull() & ~col.isin(allowed)


def _raw(field: str) -> Column:
    return F.col(f"r.{field}")


def timestamp_rules(field: str, cfg: Config, *, late_bound: bool = False) -> list[Rule]:
    """Missing, unparseable, implausibly old, or later than the end of the landing date.

    With ``late_bound`` (events and orders), a record whose own business date is more
    than ``ingest.max_late_days`` before its landing date is refused too: every later
    stage can then treat a day as final once that many days have landed after it.
    """
    earliest = F.lit(str(cfg.get("ingest.earliest_timestamp"))).cast("timestamp")
    tolerance = F.expr(f"INTERVAL {int(cfg.get('ingest.future_tolerance_minutes'))} MINUTES")
    end_of_day = F.to_utc_timestamp(F.date_add(F.col("ingest_date"), 1).cast("timestamp"),
                                    cfg.timezone)
    typed = F.col(field)
    rules = [
        (f"missing_{field}", is_blank(_raw(field))),
        (f"bad_timestamp:{field}", typed.isNull() | (typed < earliest)),
        (f"future_timestamp:{field}", typed >= end_of_day + tolerance),
    ]
    if late_bound:
        own_date = F.to_date(F.from_utc_timestamp(typed, cfg.timezone))
        too_late = own_date < F.date_sub(F.col("ingest_date"), int(cfg.get("ingest.max_late_days")))
        rules.append((f"too_late:{field}", too_late))
    return rules


def source_rules(source: str, cfg: Config) -> list[Rule]:
    """The ordered rules of one source (malformed JSON is checked before any of these)."""
    if source == "users":
        return [
            ("missing_user_id", is_blank(_raw("user_id"))),
            *timestamp_rules("registered_at", cfg),
            ("bad_birth_year", failed_cast(_raw("birth_year"), F.col("birth_year"))
             | ~F.coalesce(F.col("birth_year").between(1900, 2100), F.lit(True))),
            ("unknown_gender", not_in(F.col("gender"), cfg.get("ingest.genders"))),
            ("bad_city_tier", failed_cast(_raw("city_tier"), F.col("city_tier"))),
            ("bad_consent_flag", failed_cast(_raw("consent_marketing"),
                                             F.col("consent_marketing"))),
            ("bad_timestamp:updated_at", failed_cast(_raw("updated_at"), F.col("updated_at"))),
        ]
    if source == "events":
        max_duration = int(cfg.get("ingest.max_duration_s"))
        return [
            ("missing_event_id", is_blank(_raw("event_id"))),
            ("missing_user_id", is_blank(_raw("user_id"))),
            *timestamp_rules("event_ts", cfg, late_bound=True),
            ("unknown_event_type", is_blank(_raw("event_type"))
             | not_in(F.col("event_type"), cfg.get("ingest.event_types"))),
            ("unknown_content_type", not_in(F.col("content_type"),
                                            cfg.get("ingest.content_types"))),
            ("unknown_device_type", not_in(F.col("device_type"), cfg.get("ingest.device_types"))),
            ("unknown_network", not_in(F.col("network"), cfg.get("ingest.networks"))),
            ("bad_duration", failed_cast(_raw("duration_s"), F.col("duration_s"))
             | (F.col("duration_s") < 0) | (F.col("duration_s") > max_duration)),
        ]
    if source == "orders":
        return [
            ("missing_order_id", is_blank(_raw("order_id"))),
            ("missing_user_id", is_blank(_raw("user_id"))),
            *timestamp_rules("order_ts", cfg, late_bound=True),
            ("missing_amount", is_blank(_raw("amount"))),
            ("non_numeric_amount", F.col("amount").isNull()),
            ("negative_amount", F.col("amount") < 0),
            ("amount_too_large", F.col("amount") > float(cfg.get("ingest.max_order_amount"))),
            ("unknown_status", is_blank(_raw("status"))
             | not_in(F.col("status"), cfg.get("ingest.order_statuses"))),
            ("bad_coupon_flag", failed_cast(_raw("coupon_used"), F.col("coupon_used"))),
        ]
    if source == "relations":
        return [
            ("missing_user_id", is_blank(_raw("user_id"))),
            ("missing_friend_id", is_blank(_raw("friend_id"))),
            ("self_relation", F.col("user_id") == F.col("friend_id")),
            *timestamp_rules("created_at", cfg),
        ]
    if source == "group_members":
        return [
            ("missing_group_id", is_blank(_raw("group_id"))),
            ("missing_user_id", is_blank(_raw("user_id"))),
            *timestamp_rules("joined_at", cfg),
        ]
    raise ValueError(f"unknown source {source!r}")


def first_broken_rule(rules: list[Rule]) -> Column:
    """The reason of the first rule whose condition holds, else null (the record is valid)."""
    return F.coalesce(*[F.when(condition, F.lit(reason)) for reason, condition in rules])

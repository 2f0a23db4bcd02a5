"""A tiny hand-built lakehouse: twelve users through bronze, silver and a staged snapshot
of D that passes every gate (each suite, the leak scan, k-anonymity). The gate tests
corrupt one thing at a time; the suite tests validate each frame as it is and spoiled.

Every value is written here by hand; summary and breakdown follow from membership and
profile through the segments job's own functions, so the three agree by construction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from jobs.common.delta import TableSpec, replace_where, staged
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.profile.schemas import USER_PROFILE
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.schemas import SEGMENT_BREAKDOWN, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.segments.transforms import breakdown, summary
from jobs.silver.schemas import SILVER_EVENTS, SILVER_ORDERS, SILVER_USERS

D = dt.date(2026, 6, 30)
K = 10                       # privacy.k_anonymity.k of conf/base.yaml
MIN_SIZE = 50                # segments.min_segment_size: every tiny segment is under it
USERS = 12
IDS = [f"u{i:09d}" for i in range(1, USERS + 1)]
KEYS = [hashlib.sha256(user_id.encode()).hexdigest() for user_id in IDS]
PHONES = [f"1380013{i:04d}" for i in range(USERS)]
REGISTERED = dt.datetime(2025, 3, 1, 2, 0)
AT_NOON = dt.datetime(2026, 6, 30, 4, 0)                    # 12:00 in Asia/Shanghai
SILENT = 3                   # members of behaviour/silent: under k, so suppressed


def row(schema: T.StructType, **values: Any) -> tuple:
    """A row in the schema's order: a column left out is null, or 0 when NOT NULL numeric."""
    unknown = set(values) - set(schema.fieldNames())
    if unknown:
        raise KeyError(f"not in the schema: {sorted(unknown)}")
    cells = []
    for field in schema.fields:
        default = None
        if not field.nullable and isinstance(field.dataType, T.NumericType):
            default = Decimal(0) if isinstance(field.dataType, T.DecimalType) else 0
        cells.append(values.get(field.name, default))
    return tuple(cells)


def frame(spark: SparkSession, schema: T.StructType, rows: list[dict]) -> DataFrame:
    return spark.createDataFrame([row(schema, **r) for r in rows], schema)


def table(spec: TableSpec) -> str:
    """``layer/name``: the key of the frames below."""
    return f"{spec.layer}/{spec.name}"


def bronze(spark: SparkSession) -> dict[str, DataFrame]:
    users = [dict(user_id=user_id, phone=phone, nickname=f"nick{i}", gender="female",
                  city_tier=2, birth_year=1990, registered_at=REGISTERED,
                  ingest_date=REGISTERED.date())
             for i, (user_id, phone) in enumerate(zip(IDS, PHONES, strict=True))]
    events = [dict(event_id=f"e{i}", user_id=user_id, event_ts=AT_NOON, event_type="login",
                   device_type="phone", network="wifi", duration_s=30, ingest_date=D)
              for i, user_id in enumerate(IDS)]
    orders = [dict(order_id=f"o{i}", user_id=IDS[i], order_ts=AT_NOON,
                   amount=Decimal("88.00"), status="paid", coupon_used=False, ingest_date=D)
              for i in range(2)]
    return {f"bronze/{name}": frame(spark, BRONZE_TABLES[name].schema, rows)
            for name, rows in (("users", users), ("events", events), ("orders", orders))}


def silver(spark: SparkSession) -> dict[str, DataFrame]:
    users = [dict(user_key=key, gender="female", city_tier=2, birth_year=1990,
                  registered_at=REGISTERED, registered_date=REGISTERED.date(),
                  consent_marketing=True, ingest_date=REGISTERED.date()) for key in KEYS]
    events = [dict(event_id=f"e{i}", user_key=key, event_ts=AT_NOON, activity_date=D,
                   local_minute=720, event_type="login", device_type="phone", network="wifi",
                   duration_s=30, ingest_date=D) for i, key in enumerate(KEYS)]
    orders = [dict(order_id=f"o{i}", user_key=KEYS[i], order_ts=AT_NOON, activity_date=D,
                   amount=Decimal("88.00"), status="paid", ingest_date=D) for i in range(2)]
    daily = [dict(activity_date=D, user_key=key, events=1, duration_s=30, n_login=1,
                  device_phone=1, net_wifi=1, slot_lunch=1,
                  paid_orders=int(i < 2), paid_amount=Decimal("88.00" if i < 2 else "0"),
                  refunded_amount=Decimal(0)) for i, key in enumerate(KEYS)]
    return {table(spec): frame(spark, spec.schema, rows) for spec, rows in (
        (SILVER_USERS, users), (SILVER_EVENTS, events), (SILVER_ORDERS, orders),
        (USER_DAILY, daily))}


def snapshot(spark: SparkSession) -> dict[str, DataFrame]:
    """The staged gold tables of D."""
    profile = frame(spark, staged(USER_PROFILE).schema, [
        dict(snapshot_date=D, user_key=key, registered_date=REGISTERED.date(),
             days_since_registration=(D - REGISTERED.date()).days, birth_year=1990, age=36,
             gender="female", occupation="teacher", city_tier=2, consent_marketing=True,
             lifetime_paid=Decimal("88.00" if i < 2 else "0"), rfm_frequency=int(i < 2),
             rfm_monetary=Decimal("88.00" if i < 2 else "0"), rfm_r_score=3, rfm_f_score=3,
             rfm_m_score=3, age_band="35_44", dominant_device="phone",
             lifecycle_stage="mature")
        for i, key in enumerate(KEYS)])
    membership = frame(spark, staged(SEGMENT_MEMBERSHIP).schema, [
        *(dict(snapshot_date=D, user_key=key, family="lifecycle", segment="mature")
          for key in KEYS),
        *(dict(snapshot_date=D, user_key=key, family="behaviour", segment="silent")
          for key in KEYS[:SILENT]),
    ])
    return {
        table(staged(USER_PROFILE)): profile,
        table(staged(SEGMENT_MEMBERSHIP)): membership,
        table(staged(SEGMENT_SUMMARY)): summary(membership, profile, MIN_SIZE, K).select(
            *SEGMENT_SUMMARY.columns),
        table(staged(SEGMENT_BREAKDOWN)): breakdown(membership, profile, K),
    }


SPECS = {table(spec): spec for spec in (
    *BRONZE_TABLES.values(), SILVER_USERS, SILVER_EVENTS, SILVER_ORDERS, USER_DAILY,
    *(staged(s) for s in (USER_PROFILE, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY,
                          SEGMENT_BREAKDOWN)))}


def write_lakehouse(spark: SparkSession, root: str) -> None:
    """Bronze, silver and the staged snapshot of D, as the jobs would have left them."""
    for name, rows in (bronze(spark) | silver(spark) | snapshot(spark)).items():
        replace_where(rows, SPECS[name], root, "true", "tiny")

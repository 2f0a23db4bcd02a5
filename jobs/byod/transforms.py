"""An orders file's lines -> bronze orders and users, through the column mapping in conf.

Lines are validated one by one (a bad line goes to quarantine with its reason),
then the valid lines of an order are summed into one order row. An order whose
lines net below zero is a cancellation and becomes a ``refunded`` order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.ingest.rules import failed_cast, first_broken_rule, is_blank

Transform = Callable[[DataFrame], DataFrame]


@dataclass(frozen=True)
class ColumnMapping:
    """Which file column plays which role (None: absent from the file)."""

    user_id: str
    timestamp: str
    order_id: str | None
    quantity: str | None
    unit_price: str | None
    amount: str | None
    coupon: str | None
    region: str | None
    timestamp_format: str
    timezone: str
    user_id_strip_suffix: str
    refund_when_negative: bool

    @classmethod
    def from_conf(cls, byod: Mapping, timezone: str) -> ColumnMapping:
        columns = byod["columns"]
        return cls(
            user_id=columns["user_id"], timestamp=columns["timestamp"],
            order_id=columns.get("order_id"), quantity=columns.get("quantity"),
            unit_price=columns.get("unit_price"), amount=columns.get("amount"),
            coupon=columns.get("coupon"), region=columns.get("region"),
            timestamp_format=byod["timestamp_format"], timezone=timezone,
            user_id_strip_suffix=byod.get("user_id_strip_suffix") or "",
            refund_when_negative=bool(byod.get("refund_when_negative", True)),
        )


def _col(name: str | None) -> Column:
    return F.trim(F.col(f"`{name}`")) if name else F.lit(None).cast("string")


def user_id(mapping: ColumnMapping) -> Column:
    raw = _col(mapping.user_id)
    suffix = mapping.user_id_strip_suffix
    if suffix:
        raw = F.when(raw.endswith(suffix), F.expr(
            f"substring(`{mapping.user_id}`, 1, length(trim(`{mapping.user_id}`)) - {len(suffix)})"
        )).otherwise(raw)
    return F.when(raw != "", raw)


def order_ts_utc(mapping: ColumnMapping) -> Column:
    """The file's wall-clock time in its own zone, as a UTC timestamp."""
    local = F.try_to_timestamp(_col(mapping.timestamp), F.lit(mapping.timestamp_format))
    return F.to_utc_timestamp(local, mapping.timezone)


def line_amount(mapping: ColumnMapping) -> Column:
    if mapping.amount:
        return _col(mapping.amount).try_cast("decimal(18,4)")
    quantity = _col(mapping.quantity).try_cast("decimal(18,4)") if mapping.quantity else F.lit(1)
    return quantity * _col(mapping.unit_price).try_cast("decimal(18,4)")


def with_mapped_line(mapping: ColumnMapping, file_columns: list[str]) -> Transform:
    """Adds the raw line (as CSV text) and the mapped, typed fields of each line."""

    def transform(df: DataFrame) -> DataFrame:
        raw = F.to_csv(F.struct(*[F.col(f"`{c}`") for c in file_columns]))
        coupon = _col(mapping.coupon).try_cast("boolean") if mapping.coupon else F.lit(False)
        return df.select(
            F.col("*"),
            raw.alias("raw_record"),
            user_id(mapping).alias("user_id"),
            _col(mapping.order_id).alias("order_id"),
            order_ts_utc(mapping).alias("order_ts"),
            line_amount(mapping).alias("line_amount"),
            coupon.alias("coupon_used"),
            _col(mapping.region).alias("region"),
        )

    return transform


def with_line_reason(mapping: ColumnMapping) -> Transform:
    """Adds ``reason`` (null for a valid line), the first broken rule in order."""
    rules = [
        ("missing_user_id", F.col("user_id").isNull()),
        ("missing_order_id", is_blank(F.col("order_id")) if mapping.order_id else F.lit(False)),
        ("bad_timestamp", F.col("order_ts").isNull()),
        ("non_numeric_amount", F.col("line_amount").isNull()),
    ]
    if not mapping.refund_when_negative:
        rules.append(("negative_amount", F.col("line_amount") < 0))
    if mapping.coupon:
        rules.append(("bad_coupon_flag", failed_cast(_col(mapping.coupon),
                                                     F.col("coupon_used"))))

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn("reason", first_broken_rule(rules))

    return transform


def business_date(ts: Column, timezone: str) -> Column:
    return F.to_date(F.from_utc_timestamp(ts, timezone))


def orders_from_lines(valid_lines: DataFrame, mapping: ColumnMapping) -> DataFrame:
    """One order per (order id, user): first line's time, summed amount, refund when negative.

    Without an order id column each line is its own order, identified by a hash of it.
    """
    order_id = (F.col("order_id") if mapping.order_id
                else F.sha2(F.col("raw_record"), 256).substr(1, 20))
    orders = (
        valid_lines.withColumn("order_id", order_id)
        .groupBy("order_id", "user_id")
        .agg(F.min("order_ts").alias("order_ts"), F.sum("line_amount").alias("net"),
             F.max("coupon_used").alias("coupon_used"))
    )
    refund = F.col("net") < 0
    status = F.when(refund, F.lit("refunded")).otherwise(F.lit("paid"))
    return orders.select(
        "order_id", "user_id", "order_ts",
        F.abs("net").cast("decimal(18,2)").alias("amount"),
        F.coalesce("coupon_used", F.lit(False)).alias("coupon_used"),
        status.alias("status"),
        business_date(F.col("order_ts"), mapping.timezone).alias("ingest_date"),
    )


def with_absent_columns(schema: T.StructType) -> Transform:
    """Adds, as typed nulls, the columns of ``schema`` that a file does not provide."""

    def transform(df: DataFrame) -> DataFrame:
        absent = [f for f in schema.fields if f.name not in df.columns]
        return df.select("*", *[F.lit(None).cast(f.dataType).alias(f.name) for f in absent])

    return transform


def users_from_orders(orders: DataFrame, valid_lines: DataFrame,
                      mapping: ColumnMapping) -> DataFrame:
    """A user per customer id: first seen at the first order, region from the latest line."""
    latest_region = F.max_by("region", "order_ts")
    users = valid_lines.groupBy("user_id").agg(latest_region.alias("province"))
    first_order = orders.groupBy("user_id").agg(F.min("order_ts").alias("registered_at"))
    return first_order.join(users, on="user_id", how="left").select(
        "user_id", "registered_at", "province",
        F.col("registered_at").alias("updated_at"),
        business_date(F.col("registered_at"), mapping.timezone).alias("ingest_date"),
    )


def visits_from_orders(orders: DataFrame) -> DataFrame:
    """An order file has no events: each order stands for a visit — a ``login`` and a
    ``payment`` event at the order's time — so lifecycle, activity and time-slot
    segments have something to read. Device and network stay unknown (null).
    """
    kinds = F.explode(F.array(F.lit("login"), F.lit("payment"))).alias("event_type")
    visits = orders.select("order_id", "user_id", "order_ts", "ingest_date", kinds)
    return visits.select(
        F.concat_ws(":", "order_id", "event_type").alias("event_id"),
        "user_id",
        F.col("order_ts").alias("event_ts"),
        "event_type",
        F.lit("none").alias("content_type"),
        "ingest_date",
    )

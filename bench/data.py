"""Silver-level data at a given scale, made with spark.range and built-in functions only.

Landing JSON through the real generator and ingest is far too slow for millions of events
on two cores, so the benchmark writes silver/users, silver/events and silver/orders
directly, with the silver TableSpecs' schemas, and times the stages that start from
silver. Every value is a hash of the row number and a salt: the same scale gives the
same rows on every run and every partitioning.

Events of day d (0 = the oldest): ``users * active_share * events_per_active_user`` rows.
Uniform: each picks one of the day's active users uniformly (the active set shifts by
day). Power law (``skew``): half of all events go to the top 0.1 % of users (the
*heavy* users, uniformly among them), the other half as in the uniform case. One event
in a hundred lands one to three days late (its ingest_date after its activity_date), except
in the one-day rollup case, where every row lands on its day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common.delta import ensure_table
from jobs.rollup.schemas import DEVICE_TYPES, EVENT_TYPES
from jobs.silver.schemas import SILVER_EVENTS, SILVER_ORDERS, SILVER_USER_CONSENT, SILVER_USERS

CATEGORIES = ("tech", "beauty", "sports", "finance", "food", "travel", "games", "parenting")
NETWORKS = ("wifi", "wifi", "5g", "4g", "3g", "2g", "unknown")
OS_BY_DEVICE = {"phone": "android", "tablet": "ios", "pc": "windows"}
VIEW_CONTENT = {"article_read": "article", "video_view": "video", "live_view": "live"}
HEAVY_SHARE = 0.001        # the top 0.1 % of users ...
HEAVY_EVENT_SHARE = 0.5    # ... hold half the events in the power-law case
LATE_SHARE = 0.01
ORDER_SHARE = 0.02         # orders per user per day
REFUND_SHARE = 0.1
BUSINESS_OFFSET_S = 8 * 3600   # Asia/Shanghai, the conf's business time zone (no DST)


@dataclass(frozen=True)
class Scale:
    users: int
    days: int
    events_per_active_user: int
    active_share: float = 0.5
    skew: bool = False
    rollup_only: bool = False      # one day, only its rollup and DuckDB's (target 1's size)
    last_day: dt.date = dt.date(2026, 6, 30)

    @property
    def first_day(self) -> dt.date:
        return self.last_day - dt.timedelta(days=self.days - 1)

    @property
    def active_users(self) -> int:
        return max(1, int(self.users * self.active_share))

    @property
    def events_per_day(self) -> int:
        return self.active_users * self.events_per_active_user

    @property
    def events(self) -> int:
        return self.events_per_day * self.days

    @property
    def name(self) -> str:
        kind = "-skew" if self.skew else "-day" if self.rollup_only else ""
        return f"{self.events / 1e6:g}M{kind}"

    def as_dict(self) -> dict:
        return asdict(self) | {"last_day": str(self.last_day), "events": self.events,
                               "name": self.name}


def draw(salt: str, *cols: Column) -> Column:
    """A deterministic non-negative 63-bit integer per row and salt."""
    return F.xxhash64(F.lit(salt), *cols).bitwiseAND(F.lit(0x7FFFFFFFFFFFFFFF))


def pick(values: tuple[str, ...], index: Column) -> Column:
    return F.element_at(F.array(*[F.lit(v) for v in values]),
                        ((index % len(values)) + 1).cast("int"))


def lookup(mapping: dict[str, str], key: Column) -> Column:
    """mapping[key], null for a key not in it."""
    chosen = None
    for k, v in mapping.items():
        chosen = (F.when(key == k, F.lit(v)) if chosen is None
                  else chosen.when(key == k, F.lit(v)))
    return chosen


def user_key(user: Column) -> Column:
    """64 hex characters, like the HMAC-SHA256 pseudonyms of silver."""
    return F.sha2(F.concat(F.lit("bench-user-"), user.cast("string")), 256)


def event_user(scale: Scale, row: Column, day: Column) -> Column:
    uniform = (draw("user", row) % scale.active_users + day * 7919) % scale.users
    if not scale.skew:
        return uniform
    heavy = draw("heavy", row) % max(1, int(scale.users * HEAVY_SHARE))
    to_heavy = draw("to-heavy", row) % 1000 < int(HEAVY_EVENT_SHARE * 1000)
    return F.when(to_heavy, heavy).otherwise(uniform)


def with_times(df: DataFrame, scale: Scale, salt: str) -> DataFrame:
    """activity_date, local_minute, the UTC timestamp and the landing date of each row."""
    minute = (draw(f"{salt}-minute", F.col("id")) % 1440).cast("int")
    second = draw(f"{salt}-second", F.col("id")) % 60
    # A one-day rollup case lands every row on D: a late row would land after its only day.
    late_share = 0 if scale.rollup_only else LATE_SHARE
    late = draw(f"{salt}-late", F.col("id")) % 10000 < int(late_share * 10000)
    epoch = (F.unix_date(F.col("activity_date")).cast("long") * 86400 + minute * 60 + second
             - BUSINESS_OFFSET_S)
    lag = F.when(late, draw(f"{salt}-lag", F.col("id")) % 3 + 1).otherwise(0).cast("int")
    return (df.withColumn("local_minute", minute)
            .withColumn("ts", F.timestamp_seconds(epoch))
            .withColumn("ingest_date", F.date_add(F.col("activity_date"), lag)))


def silver_events(spark: SparkSession, scale: Scale, partitions: int) -> DataFrame:
    per_day = scale.events_per_day
    day = (F.col("id") / per_day).cast("long")
    event_type = pick(EVENT_TYPES, draw("type", F.col("id")))
    content_type = lookup(VIEW_CONTENT, event_type)
    device = pick(DEVICE_TYPES, draw("device", F.col("user")))
    has_category = content_type.isNotNull() | event_type.isin("subscribe", "favorite")
    timed = event_type.isin(*VIEW_CONTENT, "miniprogram_open")
    duration = F.when(timed & (draw("no-duration", F.col("id")) % 20 != 0),
                      (draw("duration", F.col("id")) % 900).cast("int"))
    rows = (spark.range(0, scale.events, numPartitions=partitions)
            .withColumn("activity_date", F.date_add(F.lit(scale.first_day), day.cast("int")))
            .withColumn("user", event_user(scale, F.col("id"), day)))
    return rows.transform(with_times, scale, "event").select(
        F.concat(F.lit("e"), F.lpad(F.hex(F.col("id")), 12, "0")).alias("event_id"),
        user_key(F.col("user")).alias("user_key"),
        F.col("ts").alias("event_ts"),
        "activity_date", "local_minute",
        event_type.alias("event_type"),
        F.when(has_category, F.concat(F.lit("c"), (draw("content", F.col("id")) % 5000)
                                      .cast("string"))).alias("content_id"),
        content_type.alias("content_type"),
        F.when(has_category, pick(CATEGORIES, draw("category", F.col("id"))))
        .alias("content_category"),
        duration.alias("duration_s"),
        device.alias("device_type"),
        F.concat(device, F.lit("-"), (draw("model", F.col("user")) % 6).cast("string"))
        .alias("device_model"),
        lookup(OS_BY_DEVICE, device).alias("os"),
        (draw("os-version", F.col("user")) % 5 + 10).cast("string").alias("os_version"),
        pick(NETWORKS, draw("network", F.col("id"))).alias("network"),
        "ingest_date",
    )


def silver_orders(spark: SparkSession, scale: Scale, partitions: int) -> DataFrame:
    per_day = max(1, int(scale.users * ORDER_SHARE))
    day = (F.col("id") / per_day).cast("long")
    refunded = draw("refund", F.col("id")) % 1000 < int(REFUND_SHARE * 1000)
    cents = draw("amount", F.col("id")) % 50000 + 100
    rows = (spark.range(0, per_day * scale.days, numPartitions=partitions)
            .withColumn("activity_date", F.date_add(F.lit(scale.first_day), day.cast("int")))
            .withColumn("user", event_user(scale, F.col("id") + 7, day)))
    return rows.transform(with_times, scale, "order").select(
        F.concat(F.lit("o"), F.lpad(F.hex(F.col("id")), 12, "0")).alias("order_id"),
        user_key(F.col("user")).alias("user_key"),
        F.col("ts").alias("order_ts"),
        "activity_date",
        (cents.cast("decimal(18,0)") / 100).cast("decimal(18,2)").alias("amount"),
        (draw("coupon", F.col("id")) % 4 == 0).alias("coupon_used"),
        F.when(refunded, F.lit("refunded")).otherwise(F.lit("paid")).alias("status"),
        "ingest_date",
    )


def silver_users(spark: SparkSession, scale: Scale, partitions: int) -> DataFrame:
    registered = F.date_sub(F.lit(scale.first_day), (draw("reg", F.col("id")) % 700 + 1)
                            .cast("int"))
    return spark.range(0, scale.users, numPartitions=partitions).select(
        user_key(F.col("id")).alias("user_key"),
        F.timestamp_seconds(F.unix_date(registered).cast("long") * 86400).alias(
            "registered_at"),
        registered.alias("registered_date"),
        (draw("birth", F.col("id")) % 50 + 1960).cast("int").alias("birth_year"),
        pick(("f", "m"), draw("gender", F.col("id"))).alias("gender"),
        pick(("student", "engineer", "teacher", "sales"), draw("job", F.col("id")))
        .alias("occupation"),
        pick(("guangdong", "zhejiang", "sichuan"), draw("province", F.col("id")))
        .alias("province"),
        (draw("tier", F.col("id")) % 5 + 1).cast("int").alias("city_tier"),
        (draw("consent", F.col("id")) % 3 != 0).alias("consent_marketing"),
        F.lit(None).cast("string").alias("org_department"),
        F.lit(None).cast("string").alias("org_rank"),
        F.timestamp_seconds(F.unix_date(registered).cast("long") * 86400).alias("updated_at"),
        registered.alias("ingest_date"),
    )


def silver_user_consent(spark: SparkSession, scale: Scale, partitions: int) -> DataFrame:
    """Each user's consent as registered, in force from the registration date."""
    return silver_users(spark, scale, partitions).select(
        "user_key", F.col("registered_date").alias("valid_from"), "consent_marketing",
        "updated_at")


def write_silver(spark: SparkSession, scale: Scale, root: str, partitions: int = 4
                 ) -> dict[str, int]:
    """Writes the silver tables the stages from the rollup on read under ``root``;
    returns the row counts of users, events and orders."""
    tables = ((SILVER_USERS, silver_users), (SILVER_USER_CONSENT, silver_user_consent),
              (SILVER_EVENTS, silver_events), (SILVER_ORDERS, silver_orders))
    for spec, build in tables:
        ensure_table(spark, spec, root)
        (build(spark, scale, partitions).select(*spec.columns)
         .write.format("delta").mode("overwrite").option("userMetadata", "bench")
         .save(spec.path(root)))
    return {"users": scale.users, "events": scale.events,
            "orders": max(1, int(scale.users * ORDER_SHARE)) * scale.days}

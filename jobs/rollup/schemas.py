"""The daily rollup: one row per user per active day, everything the windows need.

``silver/user_daily_increments`` holds what each landing date added to each
(activity_date, user) — a late event lands in its own activity date, in the
increment of the date it arrived. ``silver/user_daily`` is their sum. Every metric
is additive (counts, sums) or a latest-of (device of the latest event), so
increments combine exactly in any order.
"""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec

EVENT_TYPES = ("login", "message_send", "message_read", "article_read", "video_view",
               "live_view", "miniprogram_open", "payment", "share", "product_view",
               "coupon_claim", "search", "subscribe", "favorite")
CONTENT_TYPES = ("article", "video", "live")
DEVICE_TYPES = ("phone", "tablet", "pc")
NETWORK_GROUPS = ("wifi", "5g", "4g", "weak")
SLOTS = ("morning_commute", "lunch", "evening_commute", "prime_evening", "bedtime",
         "late_night", "daytime")

COUNT_COLUMNS: tuple[str, ...] = (
    "events",
    "duration_s",
    *(f"n_{t}" for t in EVENT_TYPES),
    *(f"content_{c}" for c in CONTENT_TYPES),
    *(f"device_{d}" for d in DEVICE_TYPES),
    *(f"net_{n}" for n in NETWORK_GROUPS),
    *(f"slot_{s}" for s in SLOTS),
    "weekday_evening_slot_events",
    "weekend_morning_slot_events",
    "paid_orders",
    "refunded_orders",
    "coupon_paid_orders",
)
AMOUNT_COLUMNS = ("paid_amount", "refunded_amount")
LATEST_COLUMNS = ("device_model", "os", "os_version")

_METRICS = [
    *(T.StructField(c, T.LongType(), nullable=False) for c in COUNT_COLUMNS),
    *(T.StructField(c, T.DecimalType(18, 2), nullable=False) for c in AMOUNT_COLUMNS),
    T.StructField("last_event_ts", T.TimestampType()),
    T.StructField("last_event_id", T.StringType()),
    *(T.StructField(c, T.StringType()) for c in LATEST_COLUMNS),
]

USER_DAILY = TableSpec(
    layer="silver", name="user_daily",
    schema=T.StructType([
        T.StructField("activity_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        *_METRICS,
    ]),
    partition_by=("activity_date",),
    comment="Per user per active day (business time zone): counts, durations, slots, "
            "devices, networks, paid and refunded amounts.",
)

USER_DAILY_INCREMENTS = TableSpec(
    layer="silver", name="user_daily_increments",
    schema=T.StructType([
        T.StructField("ingest_date", T.DateType(), nullable=False),
        T.StructField("activity_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        *_METRICS,
    ]),
    partition_by=("activity_date",),
    comment="What each landing date added to each (activity_date, user): user_daily's parts.",
)

# Per user x content type x category x day (jobs/rollup/categories.py): what the interest
# family's windows read. Content views are article_read / video_view / live_view events.
CATEGORY_METRICS = ("views", "dwell_s", "fast_exits", "subscribes", "favorites")
_CATEGORY_KEYS = [
    T.StructField("activity_date", T.DateType(), nullable=False),
    T.StructField("user_key", T.StringType(), nullable=False),
    T.StructField("content_type", T.StringType(), nullable=False),
    T.StructField("content_category", T.StringType(), nullable=False),
]
_CATEGORY_VALUES = [T.StructField(c, T.LongType(), nullable=False) for c in CATEGORY_METRICS]

USER_CATEGORY_DAILY = TableSpec(
    layer="silver", name="user_category_daily",
    schema=T.StructType([*_CATEGORY_KEYS, *_CATEGORY_VALUES]),
    partition_by=("activity_date",),
    comment="Per user, content type, category and day: content views, dwell seconds, fast "
            "exits (views of at most segments.interest.fast_exit_max_seconds), subscribes "
            "and favorites.",
)

USER_CATEGORY_DAILY_INCREMENTS = TableSpec(
    layer="silver", name="user_category_daily_increments",
    schema=T.StructType([T.StructField("ingest_date", T.DateType(), nullable=False),
                         *_CATEGORY_KEYS, *_CATEGORY_VALUES]),
    partition_by=("activity_date",),
    comment="What each landing date added to user_category_daily: its parts.",
)

"""What every segment family shares: the profile features it reads and the membership layout.

Profile features (built by jobs/profile from silver/user_daily and the lifetime state;
a window ``Nd`` covers D-(N-1)..D, ``_prior`` windows the N days before that). Counts
are longs and 0 when the user had no activity; dates are null when never seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

Transform = Callable[[DataFrame], DataFrame]

FAMILIES = ("behaviour", "attributes", "social", "consumption", "rfm", "interest", "lifecycle",
            "scene", "custom")

# name -> (type, meaning). The profile job guarantees these columns; families may rely on them.
PROFILE_FEATURES: dict[str, tuple[T.DataType, str]] = {
    "snapshot_date": (T.DateType(), "the snapshot date D"),
    "user_key": (T.StringType(), "HMAC-SHA256 pseudonym of the user id"),
    # attributes (silver/users, latest version; consent as of D)
    "registered_date": (T.DateType(), "business date of registration"),
    "days_since_registration": (T.IntegerType(), "D - registered_date"),
    "birth_year": (T.IntegerType(), "nullable"),
    "age": (T.IntegerType(), "year(D) - birth_year, nullable"),
    "gender": (T.StringType(), "female / male / unknown, nullable"),
    "occupation": (T.StringType(), "nullable"),
    "province": (T.StringType(), "nullable"),
    "city_tier": (T.IntegerType(), "1 (largest cities) .. 5, nullable"),
    "org_department": (T.StringType(), "enterprise department, nullable"),
    "org_rank": (T.StringType(), "enterprise rank, nullable"),
    "consent_marketing": (T.BooleanType(),
                          "in force on D (silver/user_consent); null: unknown = no consent"),
    "device_model": (T.StringType(), "device model of the latest event, nullable"),
    "os": (T.StringType(), "OS of the latest event, nullable"),
    "os_version": (T.StringType(), "OS version of the latest event, nullable"),
    # lifetime state
    "last_interaction_date": (T.DateType(), "date of the latest event of any type, nullable"),
    "last_login_date": (T.DateType(), "nullable"),
    "last_paid_date": (T.DateType(), "date of the latest paid order, nullable"),
    "lifetime_paid": (T.DecimalType(18, 2), "paid amount since registration"),
    "lifetime_refunded": (T.DecimalType(18, 2), "refunded amount since registration"),
    "ltv": (T.DecimalType(18, 2), "lifetime_paid - lifetime_refunded"),
    "interaction_recency_days": (T.IntegerType(), "D - last_interaction_date, nullable"),
    "login_recency_days": (T.IntegerType(), "D - last_login_date, nullable"),
    "login_streak_days": (T.IntegerType(), "consecutive login days ending on D (0 if none on D)"),
    # 7-day window D-6..D
    "events_7d": (T.LongType(), "interaction events"),
    "duration_s_7d": (T.LongType(), "summed duration_s"),
    "messages_7d": (T.LongType(), "message_send + message_read events"),
    "active_days_7d": (T.LongType(), "days with any event"),
    "event_types_7d": (T.LongType(), "distinct event types used"),
    "product_views_7d": (T.LongType(), "product_view events"),
    "paid_orders_7d": (T.LongType(), "paid orders"),
    # 14/28-day windows (declining)
    "active_days_14d": (T.LongType(), "active days in D-13..D"),
    "active_days_14d_prior": (T.LongType(), "active days in D-27..D-14"),
    # 30-day window D-29..D
    "events_30d": (T.LongType(), "interaction events"),
    "logins_30d": (T.LongType(), "login events"),
    "content_events_30d": (T.LongType(), "article + video + live content events"),
    "article_events_30d": (T.LongType(), "content_type article"),
    "video_events_30d": (T.LongType(), "content_type video"),
    "live_events_30d": (T.LongType(), "content_type live"),
    "chat_events_30d": (T.LongType(), "message_send + message_read"),
    "miniprogram_events_30d": (T.LongType(), "miniprogram_open"),
    "payment_events_30d": (T.LongType(), "payment events"),
    "shares_30d": (T.LongType(), "share events"),
    "device_phone_30d": (T.LongType(), "events on a phone"),
    "device_tablet_30d": (T.LongType(), "events on a tablet"),
    "device_pc_30d": (T.LongType(), "events on a pc"),
    "net_wifi_30d": (T.LongType(), "events on wifi"),
    "net_5g_30d": (T.LongType(), "events on 5g"),
    "net_4g_30d": (T.LongType(), "events on 4g"),
    "net_weak_30d": (T.LongType(), "events on 3g / 2g / unknown"),
    "slot_morning_commute_30d": (T.LongType(), "events 07:00-09:00 business time"),
    "slot_lunch_30d": (T.LongType(), "events 11:30-13:30"),
    "slot_evening_commute_30d": (T.LongType(), "events 17:30-19:30"),
    "slot_prime_evening_30d": (T.LongType(), "events 20:00-22:00"),
    "slot_bedtime_30d": (T.LongType(), "events 22:00-24:00"),
    "slot_late_night_30d": (T.LongType(), "events 00:00-06:00"),
    "slot_daytime_30d": (T.LongType(), "events in none of the slots above"),
    "weekday_events_30d": (T.LongType(), "events on Monday-Friday"),
    "weekday_evening_events_30d": (T.LongType(), "weekday events in the weekday-evening slot"),
    "weekend_events_30d": (T.LongType(), "events on Saturday-Sunday"),
    "weekend_morning_events_30d": (T.LongType(), "weekend events in the weekend-morning slot"),
    "paid_30d": (T.DecimalType(18, 2), "paid order amount"),
    "paid_orders_30d": (T.LongType(), "paid orders"),
    # 90/180-day windows
    "paid_90d": (T.DecimalType(18, 2), "paid amount D-89..D"),
    "paid_90d_prior": (T.DecimalType(18, 2), "paid amount D-179..D-90"),
    "paid_orders_90d": (T.LongType(), "paid orders D-89..D"),
    # 365-day window D-364..D
    "paid_365d": (T.DecimalType(18, 2), "paid amount"),
    "paid_orders_365d": (T.LongType(), "paid orders"),
    "coupon_orders_365d": (T.LongType(), "paid orders that used a coupon"),
    "max_quarter_share_365d": (T.DoubleType(),
                               "largest share of paid_365d inside one calendar quarter, null "
                               "when paid_365d = 0"),
    "order_interval_cv_365d": (T.DoubleType(),
                               "coefficient of variation (population std / mean) of the days "
                               "between consecutive paid orders; null under 2 orders or mean 0"),
    "rfm_recency_days": (T.IntegerType(), "D - last paid order date in D-364..D, null if none"),
    "rfm_frequency": (T.LongType(), "paid orders in D-364..D"),
    "rfm_monetary": (T.DecimalType(18, 2), "paid amount in D-364..D"),
    # social stage (silver/user_social of D); 0 / null for a user without any edge
    "followers": (T.LongType(), "users with an edge to this user"),
    "mutual_friends": (T.LongType(), "users with edges both ways"),
    "circle_friends": (T.LongType(), "mutual friends sharing > tight_circle_min_common friends"),
    "tight_circle_id": (T.StringType(), "smallest user_key of the user's tight circle, nullable"),
    "tight_circle_size": (T.LongType(), "members of the tight circle (0 when none)"),
    # interest stage (silver/user_interest of D); null for a user without content events
    "explicit_interests": (T.ArrayType(T.StringType()), "categories subscribed / favourited"),
    "implicit_interests": (T.ArrayType(T.StringType()),
                           "categories dwelt in >= 2x the user's mean dwell per category"),
    "excluded_categories": (T.ArrayType(T.StringType()),
                            "categories where fast exits are >= 80 % of the views"),
    "primary_interest": (T.StringType(), "label of the heaviest LDA topic, nullable"),
    "secondary_interest": (T.StringType(), "label of the second LDA topic, nullable"),
    # predict stage (silver/user_predicted_value of D): BG/NBD + Gamma-Gamma
    "p_alive": (T.DoubleType(), "probability the customer is still active, nullable"),
    "predicted_purchases": (T.DoubleType(),
                            "expected purchase days over predict.horizon_days, nullable"),
    "predicted_value": (T.DecimalType(18, 2),
                        "expected spend over predict.horizon_days (0 without a purchase)"),
}

MEMBERSHIP_SCHEMA = T.StructType([
    T.StructField("snapshot_date", T.DateType(), nullable=False),
    T.StructField("user_key", T.StringType(), nullable=False),
    T.StructField("family", T.StringType(), nullable=False),
    T.StructField("segment", T.StringType(), nullable=False),
])


def segment_name(value: Column) -> Column:
    """A free-text value as a segment name: lower case, runs of anything but letters and
    digits (any script: "广东" stays "广东") -> '_', no leading or trailing '_'."""
    lowered = F.lower(F.trim(value))
    joined = F.regexp_replace(lowered, "[^\\p{L}\\p{N}]+", "_")
    return F.regexp_replace(joined, "^_+|_+$", "")


def memberships(profile: DataFrame, family: str, segments: Iterable[tuple[str, Column]],
                valued: Iterable[Column] = ()) -> DataFrame:
    """Rows (snapshot_date, user_key, family, segment) for every condition that holds.

    ``segments``: (segment name, boolean condition) pairs; a null condition is not
    membership. ``valued``: string columns whose (non-null) value is itself the segment
    name (e.g. ``lifecycle_stage``, ``F.concat(lit('age_'), age_band)``).
    One pass over the profile: the candidates are an array, exploded, nulls dropped.
    """
    candidates = [F.when(condition, F.lit(name)) for name, condition in segments]
    candidates += list(valued)
    if not candidates:
        raise ValueError(f"family {family} defines no segment")
    return (
        profile.select("snapshot_date", "user_key",
                       F.explode(F.array(*candidates)).alias("segment"))
        .filter(F.col("segment").isNotNull() & (F.col("segment") != ""))
        .select("snapshot_date", "user_key", F.lit(family).alias("family"), "segment")
    )

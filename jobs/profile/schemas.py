"""gold/user_profile: one wide row of features per user per snapshot."""

from pyspark.sql import types as T

from jobs.common.delta import TableSpec
from jobs.profile.window_state import PAID_DAYS
from jobs.profile.windows import WINDOW_SUMS
from jobs.segments.base import PROFILE_FEATURES

# Columns the segment families derive (with_<family>_columns), after the base features.
DERIVED_COLUMNS: dict[str, tuple[T.DataType, str]] = {
    "age_band": (T.StringType(), "lt_18, 18_24, 25_34, 35_44, 45_59, 60_plus"),
    "content_pref": (T.StringType(), "article / video / live / mixed over 30 days"),
    "usage_depth": (T.StringType(), "payment / miniprogram / chat over 30 days"),
    "engagement_recency_days": (T.IntegerType(), "engagement R: days since last interaction"),
    "engagement_frequency": (T.LongType(), "engagement F: interactions in 30 days"),
    "engagement_monetary": (T.DecimalType(18, 2), "engagement M: paid amount in 30 days"),
    "dominant_device": (T.StringType(), "phone / tablet / pc over 30 days"),
    "dominant_network": (T.StringType(), "wifi / 5g / 4g / weak over 30 days"),
    "dominant_slot": (T.StringType(), "time slot with the most events over 30 days"),
    "spend_band": (T.StringType(), "high / mid / low / none on the 30-day paid amount"),
    "ltv_benchmark": (T.DecimalType(18, 2), "the LTV benchmark of the snapshot"),
    "ltv_tier": (T.StringType(), "LTV pyramid tier"),
    "rfm_r_score": (T.IntegerType(), "1-5 among purchasers, null otherwise"),
    "rfm_f_score": (T.IntegerType(), "1-5 among purchasers, null otherwise"),
    "rfm_m_score": (T.IntegerType(), "1-5 among purchasers, null otherwise"),
    "rfm_group": (T.StringType(), "named RFM group, null for non-purchasers"),
    "lifecycle_stage": (T.StringType(), "new / churned / declining / mature / growing"),
    "share_rate": (T.DoubleType(), "shares_30d / content_events_30d, nullable"),
    "influencer": (T.BooleanType(), "share_rate in the snapshot's top 20 %"),
    "predicted_benchmark": (T.DecimalType(18, 2), "the predicted-value benchmark"),
    "predicted_tier": (T.StringType(), "predicted-value pyramid tier"),
}

PROFILE_COLUMNS = {**PROFILE_FEATURES, **DERIVED_COLUMNS}

USER_PROFILE = TableSpec(
    layer="gold", name="user_profile",
    schema=T.StructType([
        T.StructField(name, dtype, nullable=name not in ("snapshot_date", "user_key"),
                      metadata={"comment": meaning})
        for name, (dtype, meaning) in PROFILE_COLUMNS.items()
    ]),
    partition_by=("snapshot_date",),
    comment="One row of features per user per snapshot (keyed by the pseudonymous user_key).",
)

# The final part of every window per user (jobs/profile/window_state.py): one partition per
# snapshot, only the last few kept; the sums are named after the features they feed.
USER_WINDOW_STATE = TableSpec(
    layer="silver", name="user_window_state",
    schema=T.StructType([
        T.StructField("state_date", T.DateType(), nullable=False),
        T.StructField("user_key", T.StringType(), nullable=False),
        *(T.StructField(s.name, T.DecimalType(18, 2) if s.amount else T.LongType(),
                        nullable=False) for s in WINDOW_SUMS),
        T.StructField("paid_days", PAID_DAYS, nullable=False),
        T.StructField("login_streak_final", T.IntegerType(), nullable=False),
    ]),
    partition_by=("state_date",),
    comment="Per user, the part of every profile window made of final days (at least "
            "ingest.max_late_days before state_date): sums, the paid days of the 365-day "
            "window, and the login streak ending on the last final day.",
)

"""The base profile of snapshot D: attributes, lifetime state and window features per user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.segments.base import PROFILE_FEATURES

ATTRIBUTES = ("registered_date", "birth_year", "gender", "occupation", "province", "city_tier",
              "org_department", "org_rank")
STATE = ("last_interaction_date", "last_login_date", "last_paid_date", "lifetime_paid",
         "lifetime_refunded", "device_model", "os", "os_version")
# Per-user features of the social, interest and predict stages, carried with the state
# (jobs/profile/features.py joins them on); null when a stage has no row for the user.
STAGE_FEATURES = ("followers", "mutual_friends", "circle_friends", "tight_circle_id",
                  "tight_circle_size", "explicit_interests", "implicit_interests",
                  "excluded_categories", "primary_interest", "secondary_interest", "p_alive",
                  "predicted_purchases", "predicted_value")


def stage_columns(state: DataFrame) -> list:
    """The stage features of ``state``, typed nulls for any it does not carry."""
    return [F.col(c) if c in state.columns else F.lit(None).cast(PROFILE_FEATURES[c][0]).alias(c)
            for c in STAGE_FEATURES]


def registered_by(users: DataFrame, snapshot: dt.date) -> DataFrame:
    """Silver users who exist on D (registered on or before it)."""
    return users.filter(F.col("registered_date") <= F.lit(snapshot)).select("user_key",
                                                                            *ATTRIBUTES)


def consent_as_of(consent: DataFrame, snapshot: dt.date) -> DataFrame:
    """(user_key, consent_marketing) in force on D: the latest version landed on or before D.

    A user with no version landed by D has no row (the profile's consent is then null).
    """
    return consent.filter(F.col("valid_from") <= F.lit(snapshot)).groupBy("user_key").agg(
        F.max_by("consent_marketing", "valid_from").alias("consent_marketing"))


def with_zero_defaults(df: DataFrame) -> DataFrame:
    """Users with no activity in a window have 0 (not null) counts and amounts."""
    fills = {}
    for name, (dtype, _) in PROFILE_FEATURES.items():
        if name in df.columns and dtype.typeName() in ("long", "decimal"):
            fills[name] = F.coalesce(F.col(name), F.lit(0).cast(dtype))
    return df.withColumns(fills)


def with_derived(snapshot: dt.date) -> Callable[[DataFrame], DataFrame]:
    day = F.lit(snapshot)

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumns({
            "snapshot_date": day,
            "days_since_registration": F.datediff(day, F.col("registered_date")),
            "age": (F.year(day) - F.col("birth_year")).cast("int"),
            "interaction_recency_days": F.datediff(day, F.col("last_interaction_date")),
            "login_recency_days": F.datediff(day, F.col("last_login_date")),
            "login_streak_days": F.coalesce(F.col("login_streak_days"), F.lit(0)),
            "ltv": (F.col("lifetime_paid") - F.col("lifetime_refunded")).cast("decimal(18,2)"),
        })

    return transform


def base_profile(users: DataFrame, consent: DataFrame, state: DataFrame, windows: DataFrame,
                 snapshot: dt.date) -> DataFrame:
    """One row per registered user with every column of PROFILE_FEATURES; attributes are
    the latest version, marketing consent the one in force on D (silver/user_consent).

    ``windows``: the window columns per user (jobs/profile/window_state.py, or the full
    scan of jobs/profile/windows.py); a user without a row has zero counts.
    """
    per_user = [consent_as_of(consent, snapshot), windows,
                state.select("user_key", *STATE, *stage_columns(state))]
    profile = registered_by(users, snapshot)
    for features in per_user:
        profile = profile.join(features, on="user_key", how="left")
    return (
        profile.transform(with_zero_defaults)
        .transform(with_derived(snapshot))
        .select(*[F.col(n).cast(t).alias(n) for n, (t, _) in PROFILE_FEATURES.items()])
    )

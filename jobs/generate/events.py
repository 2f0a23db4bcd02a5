"""Events: users -> active days (explode a sequence of day offsets) -> events per day.

Each active day opens with a login; the other events follow the persona's mix, the
user's content preference, favourite categories and time-of-day profile.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.generate import catalog as C
from jobs.generate.clock import business_date, is_weekend, iso_utc, local_epoch, second_of_day
from jobs.generate.clock import utc_epoch as to_utc_epoch
from jobs.generate.draws import (
    between,
    cumulative,
    element,
    hex_id,
    ip_address,
    key_hash,
    pick_by,
    uniform,
)
from jobs.generate.personas import (
    CONTENT_EVENT_TYPES,
    CONTENT_SLOT,
    CONTENT_TYPES,
    TIME_PROFILES,
)
from jobs.generate.settings import Settings
from jobs.generate.users import MIX_SLOTS

PLANNING_COLUMNS = (
    "id", "user_id", "reg_offset", "reg_second", "weekday_active", "weekend_active",
    "recent_days", "recent_active", "quiet_days", "events_lo", "events_hi", "mix_bounds",
    "long_views", "depth", "time_profile", "content_bounds", "main_device", "main_network",
    "home_ip", "category_primary", "category_secondary", "category_disliked",
)
EXPLICIT_TYPES = ("subscribe", "favorite")
CATEGORISED_TYPES = (*CONTENT_EVENT_TYPES, "share", *EXPLICIT_TYPES, "product_view", "search")


# Per-event uniforms, materialised once as u_<name> columns so that the expressions
# using them stay small (generated code has a 64 KB limit per method).
EVENT_DRAWS = ("slot", "content_event", "shared_type", "category_source", "any_category",
               "duration", "fast_exit", "fast_seconds", "window", "second", "after_signup",
               "device", "other_device", "network", "other_network", "ip")


def _u(name: str) -> Column:
    return F.col(f"u_{name}")


def with_event_draws(df: DataFrame, s: Settings) -> DataFrame:
    draws = [uniform(s.seed, name, F.col("event_key")).alias(f"u_{name}")
             for name in EVENT_DRAWS]
    return df.select("*", *draws)


def with_active_days(df: DataFrame, s: Settings) -> DataFrame:
    """One row per (user, day) the user is active: after signup, outside the quiet days."""
    offsets = F.sequence(F.lit(0), F.lit(s.event_days - 1))
    active_probability = (
        F.when(F.col("offset") < F.col("recent_days"), F.col("recent_active"))
        .when(F.col("weekend"), F.col("weekend_active"))
        .otherwise(F.col("weekday_active"))
    )
    is_active = (
        (F.col("offset") <= F.col("reg_offset"))
        & (F.col("offset") >= F.col("quiet_days"))
        & (uniform(s.seed, "active", F.col("id"), F.col("offset")) < active_probability)
    )
    return (
        df.withColumn("offset", F.explode(offsets))
        .withColumn("day", F.date_sub(F.lit(s.snapshot), F.col("offset")))
        .withColumn("weekend", is_weekend(F.col("day")))
        .filter(is_active)
    )


def with_event_rows(df: DataFrame, s: Settings) -> DataFrame:
    """events_lo..events_hi events on each active day, each with its own key hash."""
    count = between(uniform(s.seed, "n_events", F.col("id"), F.col("offset")),
                    F.col("events_lo"), F.col("events_hi"))
    return (
        df.withColumn("idx", F.explode(F.sequence(F.lit(0), count - 1)))
        .withColumn("event_key", key_hash(s.seed, "event", F.col("id"), F.col("offset"),
                                          F.col("idx")))
    )


def capped_by_depth(event_type: Column) -> Column:
    """Users who never pay (or never open mini programs) do something shallower instead."""
    return (
        F.when((F.col("depth") == "chat") & event_type.isin("payment", "miniprogram_open"),
               F.lit("message_read"))
        .when((F.col("depth") == "miniprogram") & (event_type == "payment"),
              F.lit("miniprogram_open"))
        .otherwise(event_type)
    )


def with_event_type(df: DataFrame, s: Settings) -> DataFrame:
    """Login first each day, then the persona's mix; 'content' by the user's preference."""
    slot = pick_by(_u("slot"), MIX_SLOTS, F.col("mix_bounds"))
    content_event = pick_by(_u("content_event"), CONTENT_EVENT_TYPES,
                            F.col("content_bounds"))
    drawn = F.when(slot == CONTENT_SLOT, content_event).otherwise(slot)
    event_type = F.when(F.col("idx") == 0, F.lit("login")).otherwise(capped_by_depth(drawn))
    return df.withColumn("event_type", event_type)


def with_content(df: DataFrame, s: Settings) -> DataFrame:
    """content_type, content_category and content_id (a pool per type and category)."""
    event_type = F.col("event_type")
    content_type = F.lit("none")
    for type_name, content in zip(CONTENT_EVENT_TYPES, CONTENT_TYPES, strict=True):
        content_type = F.when(event_type == type_name, F.lit(content)).otherwise(content_type)
    shared = pick_by(_u("shared_type"), CONTENT_TYPES, F.col("content_bounds"))
    content_type = F.when(event_type.isin("share", *EXPLICIT_TYPES), shared) \
        .otherwise(content_type)
    source = _u("category_source")
    bounds = cumulative(list(C.CATEGORY_SOURCE_MIX.values()))
    drawn_category = (
        F.when(source < bounds[0], F.col("category_primary"))
        .when(source < bounds[1], F.col("category_secondary"))
        .when(source < bounds[2], F.col("category_disliked"))
        .otherwise(element(_u("any_category"), C.CATEGORIES))
    )
    explicit_category = F.when(source < C.EXPLICIT_PRIMARY_SHARE, F.col("category_primary")) \
        .otherwise(F.col("category_secondary"))
    category = (F.when(event_type.isin(*EXPLICIT_TYPES), explicit_category)
                .when(event_type.isin(*CATEGORISED_TYPES), drawn_category))
    item = F.pmod(F.col("event_key"), F.lit(C.CONTENT_POOL))
    item_no = F.lpad(item.cast("string"), 3, "0")
    content_id = (
        F.when(F.col("content_type") != "none",
               F.concat_ws("-", F.substring(F.col("content_type"), 1, 1),
                           F.col("content_category"), item_no))
        .when(event_type == "product_view",
              F.concat_ws("-", F.lit("p"), F.col("content_category"), item_no))
    )
    return (
        df.withColumn("content_type", content_type)
        .withColumn("content_category", category)
        .withColumn("content_id", content_id)
    )


def with_duration(df: DataFrame, s: Settings) -> DataFrame:
    """Seconds by event type; long sessions for deep users; fast exits, mostly in the
    user's disliked category (at most conf segments.interest.fast_exit_max_seconds)."""
    event_type = F.col("event_type")
    u = _u("duration")
    duration = between(u, *C.OTHER_DURATION)
    for type_name, (low, high) in C.DURATIONS.items():
        duration = F.when(event_type == type_name, between(u, low, high)).otherwise(duration)
    for type_name, (low, high) in C.LONG_DURATIONS.items():
        long_view = F.col("long_views") & (event_type == type_name)
        duration = F.when(long_view, between(u, low, high)).otherwise(duration)
    exit_chance = F.when(F.col("content_category") == F.col("category_disliked"),
                         F.lit(C.FAST_EXIT_DISLIKED)).otherwise(F.lit(C.FAST_EXIT_OTHER))
    fast_exit = event_type.isin(*CONTENT_EVENT_TYPES) & (_u("fast_exit") < exit_chance)
    fast = between(_u("fast_seconds"), 1, s.fast_exit_max_seconds)
    return df.withColumn("duration_s", F.when(fast_exit, fast).otherwise(duration))


def with_event_time(df: DataFrame, s: Settings) -> DataFrame:
    """Local time from the user's profile (after signup on the signup day), stored as UTC."""
    planned = second_of_day(TIME_PROFILES, F.col("time_profile"), F.col("weekend"),
                            _u("window"), _u("second"))
    after_signup = F.col("reg_second") + F.floor(
        _u("after_signup") * (86400 - F.col("reg_second"))).cast("int")
    second = F.when(F.col("offset") == F.col("reg_offset"), after_signup).otherwise(planned)
    return (
        df.withColumn("ts_epoch", to_utc_epoch(local_epoch(F.col("day"), second), s.timezone))
        .withColumn("event_ts", iso_utc(F.col("ts_epoch")))
    )


def with_device(df: DataFrame, s: Settings) -> DataFrame:
    """Device type (mostly the main one), its model / OS / version, network and IP."""
    device_types = list(C.DEVICE_CATALOG)
    device = F.when(_u("device") < C.PRIMARY_DEVICE_SHARE, F.col("main_device")) \
        .otherwise(element(_u("other_device"), device_types))
    models = [(d, model) for d in device_types for model in C.DEVICE_CATALOG[d]]
    catalog = F.array(*[F.struct(F.lit(name).alias("model"), F.lit(os).alias("os"),
                                 F.array(*[F.lit(v) for v in versions]).alias("versions"))
                        for _, (name, os, versions) in models])
    first, count = F.lit(0), F.lit(0)
    for d in device_types:
        start = next(i for i, (kind, _) in enumerate(models) if kind == d)
        first = F.when(F.col("device_type") == d, F.lit(start)).otherwise(first)
        count = F.when(F.col("device_type") == d, F.lit(len(C.DEVICE_CATALOG[d]))) \
            .otherwise(count)
    per_device = uniform(s.seed, "model", F.col("id"), F.col("device_type"))
    index = first + F.floor(per_device * count).cast("int") + 1
    version_u = uniform(s.seed, "os_version", F.col("id"), F.col("device_type"))
    network = F.when(_u("network") < C.PRIMARY_NETWORK_SHARE, F.col("main_network")) \
        .otherwise(element(_u("other_network"), list(C.NETWORK_MIX)))
    away_ip = ip_address(key_hash(s.seed, "mobile_ip", F.col("id"), F.col("offset")))
    return (
        df.withColumn("device_type", device)
        .withColumn("model", F.element_at(catalog, index))
        .withColumn("device_model", F.col("model.model"))
        .withColumn("os", F.col("model.os"))
        .withColumn("os_version", F.element_at(
            F.col("model.versions"),
            (F.floor(version_u * F.size(F.col("model.versions"))) + 1).cast("int")))
        .withColumn("network", network)
        .withColumn("ip", F.when(_u("ip") < C.HOME_IP_SHARE, F.col("home_ip"))
                    .otherwise(away_ip))
    )


def build_events(users: DataFrame, s: Settings) -> DataFrame:
    """Landing fields of every planned event, its UTC epoch, landing date and row key."""
    return (
        users.select(*PLANNING_COLUMNS)
        .transform(with_active_days, s)
        .transform(with_event_rows, s)
        .transform(with_event_draws, s)
        .transform(with_event_type, s)
        .transform(with_content, s)
        .transform(with_duration, s)
        .transform(with_event_time, s)
        .transform(with_device, s)
        .select(
            hex_id("e", s.seed, "event_id", F.col("event_key")).alias("event_id"),
            "user_id", "event_ts", "event_type", "content_id", "content_type",
            "content_category", "duration_s", "device_type", "device_model", "os",
            "os_version", "network", "ip", "ts_epoch",
            business_date(F.col("ts_epoch"), s.timezone).alias("ingest_date"),
            F.col("event_key").alias("rec_key"),
        )
    )


def with_late_landing(df: DataFrame, s: Settings) -> DataFrame:
    """A share late_event_share of events lands 1-3 days after its own business date, but
    never in a landing partition after D (an event of D itself is never late)."""
    late = uniform(s.seed, "late", F.col("rec_key")) < s.late_event_share
    lag = between(uniform(s.seed, "late_days", F.col("rec_key")), 1, 3)
    landed = F.least(F.date_add(F.col("ingest_date"), lag), F.lit(s.snapshot))
    return df.withColumn("ingest_date", F.when(late, landed).otherwise(F.col("ingest_date")))

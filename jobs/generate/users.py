"""Users: one row per id of spark.range, a persona first, then attributes and habits.

The frame keeps the planning columns (persona, registration offset, habits) beside the
landing fields: events, orders and the social graph are derived from it.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.generate import catalog as C
from jobs.generate.clock import business_date, is_weekend, iso_utc, local_epoch, second_of_day
from jobs.generate.clock import utc_epoch as to_utc_epoch
from jobs.generate.draws import (
    between,
    cumulative,
    element,
    ip_address,
    key_hash,
    padded,
    pick,
    pick_by,
    uniform,
)
from jobs.generate.personas import (
    CIRCLE_PERSONA,
    CONTENT_PREFS,
    DEFAULT_PERSONA,
    DEPTH_MIX,
    PERSONAS,
    TIME_PROFILES,
    Persona,
)
from jobs.generate.settings import Settings

# Every event slot any persona uses, in one fixed order (a persona's weights align to it).
MIX_SLOTS: tuple[str, ...] = tuple(dict.fromkeys(
    slot for persona in PERSONAS.values() for slot in persona.event_mix))
USER_ID_PREFIX = "u"
USER_ID_DIGITS = 9


def user_id(id_col: Column) -> Column:
    """'u' + the id on 9 digits."""
    return padded(USER_ID_PREFIX, id_col, USER_ID_DIGITS)


def _bounds_for(weights: dict[str, float], names: tuple[str, ...]) -> list[float]:
    return cumulative([float(weights.get(name, 0.0)) for name in names])


BURST_TYPE = T.StructType([
    T.StructField("share", T.DoubleType()), T.StructField("count_lo", T.IntegerType()),
    T.StructField("count_hi", T.IntegerType()), T.StructField("from_day", T.IntegerType()),
    T.StructField("to_day", T.IntegerType()), T.StructField("amount_lo", T.DoubleType()),
    T.StructField("amount_hi", T.DoubleType()), T.StructField("coupon", T.DoubleType()),
    T.StructField("spacing", T.StringType()), T.StructField("period_lo", T.IntegerType()),
    T.StructField("period_hi", T.IntegerType()),
])
BOUNDS = T.ArrayType(T.DoubleType())
PERSONA_TABLE_SCHEMA = T.StructType([
    T.StructField("persona", T.StringType(), nullable=False),
    T.StructField("weekday_active", T.DoubleType()),
    T.StructField("weekend_active", T.DoubleType()),
    T.StructField("recent_days", T.IntegerType()), T.StructField("recent_active", T.DoubleType()),
    T.StructField("quiet_lo", T.IntegerType()), T.StructField("quiet_hi", T.IntegerType()),
    T.StructField("tenure_lo", T.IntegerType()), T.StructField("tenure_hi", T.IntegerType()),
    T.StructField("events_lo", T.IntegerType()), T.StructField("events_hi", T.IntegerType()),
    T.StructField("mix_bounds", BOUNDS), T.StructField("long_views", T.BooleanType()),
    T.StructField("depth_bounds", BOUNDS), T.StructField("profile_bounds", BOUNDS),
    T.StructField("pref_bounds", BOUNDS), T.StructField("bursts", T.ArrayType(BURST_TYPE)),
])
PROFILE_NAMES = tuple(TIME_PROFILES)
PREF_NAMES = tuple(CONTENT_PREFS)
DEPTH_NAMES = tuple(DEPTH_MIX)


def _persona_row(p: Persona, s: Settings) -> tuple:
    longest = s.history_days - 1
    tenure_hi = min(longest, p.tenure_days[1] if p.tenure_days[1] is not None else longest)
    depth = {p.depth: 1.0} if p.depth else dict(DEPTH_MIX)
    bursts = [(float(b.share), b.count[0], b.count[1], b.days[0], b.days[1],
               float(b.amount[0]), float(b.amount[1]), float(b.coupon), b.spacing,
               b.period[0], b.period[1]) for b in p.orders]
    return (p.name, float(p.weekday_active), float(p.weekend_active), p.recent_days,
            float(p.recent_active), p.quiet_days[0], p.quiet_days[1],
            min(p.tenure_days[0], tenure_hi), tenure_hi, p.events_per_day[0],
            p.events_per_day[1], _bounds_for(dict(p.event_mix), MIX_SLOTS), p.long_views,
            _bounds_for(depth, DEPTH_NAMES), _bounds_for(dict(p.time_profiles), PROFILE_NAMES),
            _bounds_for(dict(p.content_prefs), PREF_NAMES), bursts)


def persona_table(spark: SparkSession, s: Settings) -> DataFrame:
    """One row per persona: its behaviour parameters (the data of personas.py). Sixteen
    rows, whatever the number of users; a local relation (nested literals took ~900 JVM
    calls and 2 s to plan, on every generation)."""
    return spark.createDataFrame([_persona_row(p, s) for p in PERSONAS.values()],
                                 PERSONA_TABLE_SCHEMA)


def with_persona(df: DataFrame, s: Settings) -> DataFrame:
    """Persona by hash; circle members come as whole blocks of circle_size consecutive ids."""
    block = F.floor(F.col("id") / s.circle_size)
    complete_block = (block + 1) * s.circle_size <= s.users
    in_circle = complete_block & (uniform(s.seed, "circle", block) < s.circle_share)
    rescale = 1.0 / max(1e-9, 1.0 - s.circle_share)
    others = [(name, share * rescale) for name, share in s.persona_shares.items()
              if name != CIRCLE_PERSONA]
    rest = max(0.0, 1.0 - sum(share for _, share in others))
    drawn = pick(uniform(s.seed, "persona", F.col("id")), [*others, (DEFAULT_PERSONA, rest)])
    return (
        df.withColumn("persona", F.when(in_circle, F.lit(CIRCLE_PERSONA)).otherwise(drawn))
        .withColumn("circle_block", F.when(in_circle, block.cast("long")))
        .withColumn("circle_pos", F.pmod(F.col("id"), F.lit(s.circle_size)).cast("int"))
        .withColumn("user_id", user_id(F.col("id")))
    )


def with_persona_params(df: DataFrame, personas: DataFrame, s: Settings) -> DataFrame:
    """The persona's parameters joined on, then the per-user draws they ask for."""
    def u(salt: str) -> Column:
        return uniform(s.seed, salt, F.col("id"))

    content_bounds = None
    for name, weights in CONTENT_PREFS.items():
        branch = F.col("content_pref") == name
        value = F.array(*[F.lit(v) for v in cumulative(list(weights))])
        content_bounds = (F.when(branch, value) if content_bounds is None
                          else content_bounds.when(branch, value))
    return (
        df.join(F.broadcast(personas), on="persona", how="left")
        .withColumn("quiet_days", between(u("quiet"), F.col("quiet_lo"), F.col("quiet_hi")))
        .withColumn("depth", pick_by(u("depth"), DEPTH_NAMES, F.col("depth_bounds")))
        .withColumn("time_profile", pick_by(u("profile"), PROFILE_NAMES,
                                            F.col("profile_bounds")))
        .withColumn("content_pref", pick_by(u("content_pref"), PREF_NAMES,
                                            F.col("pref_bounds")))
        .withColumn("content_bounds", content_bounds)
    )


def with_registration(df: DataFrame, s: Settings) -> DataFrame:
    """registered_at inside the persona's tenure window; updated_at later for a few users."""
    reg_day = F.date_sub(F.lit(s.snapshot), F.col("reg_offset"))
    reg_second = second_of_day(TIME_PROFILES, F.col("time_profile"), is_weekend(reg_day),
                               F.col("u_reg_window"), F.col("u_reg_second"))
    edited = uniform(s.seed, "profile_edit", F.col("id")) < C.PROFILE_EDIT_SHARE
    edit_delay = F.floor(uniform(s.seed, "edit_delay", F.col("id"))
                         * (F.lit(s.end_epoch) - F.col("reg_epoch")))
    return (
        df.withColumn("u_reg_window", uniform(s.seed, "reg_window", F.col("id")))
        .withColumn("u_reg_second", uniform(s.seed, "reg_second", F.col("id")))
        .withColumn("reg_offset", between(uniform(s.seed, "tenure", F.col("id")),
                                            F.col("tenure_lo"), F.col("tenure_hi")))
        .withColumn("reg_second", reg_second)
        .withColumn("reg_epoch", to_utc_epoch(local_epoch(reg_day, F.col("reg_second")),
                                              s.timezone))
        .withColumn("updated_epoch", F.when(edited, F.col("reg_epoch") + edit_delay)
                    .otherwise(F.col("reg_epoch")))
        .withColumn("registered_at", iso_utc(F.col("reg_epoch")))
        .withColumn("updated_at", iso_utc(F.col("updated_epoch")))
    )


def with_demographics(df: DataFrame, s: Settings) -> DataFrame:
    """Birth year across every age band, gender, occupation, place and city tier."""
    def u(salt: str) -> Column:
        return uniform(s.seed, salt, F.col("id"))

    band = pick(u("age_band"), [(i, weight) for i, (_, _, weight) in enumerate(C.AGE_BANDS)])
    lows = F.array(*[F.lit(low) for low, _, _ in C.AGE_BANDS])
    highs = F.array(*[F.lit(high) for _, high, _ in C.AGE_BANDS])
    age = between(u("age"), F.element_at(lows, band + 1), F.element_at(highs, band + 1))
    occupation = (F.when(F.col("age") <= C.STUDENT_MAX_AGE, F.lit("student"))
                  .when((F.col("age") >= C.RETIRED_MIN_AGE)
                        & (u("retired") < C.RETIRED_SHARE), F.lit("retired"))
                  .otherwise(element(u("occupation"), C.OCCUPATIONS)))
    places = F.array(*[F.struct(F.lit(province).alias("province"), F.lit(city).alias("city"),
                                F.lit(tier).alias("city_tier"))
                       for province, city, tier, _ in C.CITIES])
    place = pick(u("city"), [(i, weight) for i, (*_, weight) in enumerate(C.CITIES)])
    return (
        df.withColumn("age", age)
        .withColumn("birth_year", (F.lit(s.snapshot.year) - F.col("age")).cast("int"))
        .withColumn("gender", pick(u("gender"), C.GENDER_MIX))
        .withColumn("occupation", occupation)
        .withColumn("place", F.element_at(places, place + 1))
        .select("*", "place.province", "place.city", "place.city_tier")
        .drop("place", "age")
    )


def with_contact_and_org(df: DataFrame, s: Settings) -> DataFrame:
    """Phone, nickname (direct identifiers), marketing consent, enterprise directory."""
    def u(salt: str) -> Column:
        return uniform(s.seed, salt, F.col("id"))

    subscriber = F.pmod(key_hash(s.seed, "phone", F.col("id")), F.lit(1_000_000_000))
    in_org = u("org") < C.ORG_SHARE
    return (
        df.withColumn("phone", F.concat(
            F.lit("1"), element(u("phone_prefix"), C.PHONE_SECOND_DIGITS).cast("string"),
            F.lpad(subscriber.cast("string"), 9, "0")))
        .withColumn("nickname", F.concat(
            element(u("nickname"), C.NICKNAME_STEMS), F.lit("_"),
            F.lpad(F.pmod(key_hash(s.seed, "nickname_no", F.col("id")), F.lit(10_000))
                   .cast("string"), 4, "0")))
        .withColumn("consent_marketing", u("consent") < C.CONSENT_SHARE)
        .withColumn("org_department", F.when(in_org, element(u("department"),
                                                             C.ORG_DEPARTMENTS)))
        .withColumn("org_rank", F.when(in_org, pick(u("rank"), C.ORG_RANKS)))
    )


def with_habits(df: DataFrame, s: Settings) -> DataFrame:
    """Main device and network, home IP, favourite / second / disliked content category."""
    def u(salt: str) -> Column:
        return uniform(s.seed, salt, F.col("id"))

    n = len(C.CATEGORIES)
    primary = F.floor(u("category") * n)
    secondary = F.pmod(primary + 1 + F.floor(u("category2") * (n // 2 - 1)), F.lit(n))
    disliked = F.pmod(primary + n // 2 + F.floor(u("category3") * (n - n // 2)), F.lit(n))
    categories = F.array(*[F.lit(c) for c in C.CATEGORIES])
    return (
        df.withColumn("main_device", pick(u("device"), C.DEVICE_MIX))
        .withColumn("main_network", pick(u("network"), C.NETWORK_MIX))
        .withColumn("home_ip", ip_address(key_hash(s.seed, "home_ip", F.col("id"))))
        .withColumn("category_primary", F.element_at(categories, (primary + 1).cast("int")))
        .withColumn("category_secondary", F.element_at(categories, (secondary + 1).cast("int")))
        .withColumn("category_disliked", F.element_at(categories, (disliked + 1).cast("int")))
    )


def build_users(spark: SparkSession, s: Settings) -> DataFrame:
    """The planned users: landing fields plus the columns the other sources derive from."""
    return (
        spark.range(s.users)
        .transform(with_persona, s)
        .transform(with_persona_params, persona_table(spark, s), s)
        .transform(with_registration, s)
        .transform(with_demographics, s)
        .transform(with_contact_and_org, s)
        .transform(with_habits, s)
    )


def users_landing(users: DataFrame, s: Settings) -> DataFrame:
    """The landing fields, the record's own UTC epoch, its landing date and a row key."""
    return users.select(
        "user_id", "registered_at", "birth_year", "gender", "occupation", "province", "city",
        "city_tier", "phone", "nickname", "consent_marketing", "org_department", "org_rank",
        "updated_at",
        F.col("reg_epoch").alias("ts_epoch"),
        business_date(F.col("reg_epoch"), s.timezone).alias("ingest_date"),
        F.col("id").cast(T.LongType()).alias("rec_key"),
    )

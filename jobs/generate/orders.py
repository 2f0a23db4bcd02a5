"""Orders: users -> the persona's order bursts -> orders inside the order window."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.generate import catalog as C
from jobs.generate.clock import business_date, is_weekend, iso_utc, local_epoch, second_of_day
from jobs.generate.clock import utc_epoch as to_utc_epoch
from jobs.generate.draws import between, hex_id, key_hash, scaled, uniform
from jobs.generate.personas import TIME_PROFILES
from jobs.generate.settings import Settings

AMOUNT_TYPE = T.DecimalType(18, 2)
QUARTERS_BACK = 4         # a seasonal buyer's quarter is one of the last four
YEAR_DAYS = 364           # D-364..D: the year the seasonal / regular definitions look at


# Uniforms materialised once as u_<name> columns (keeps generated code small).
BURST_DRAWS = ("burst", "quarter", "period", "phase", "count")
ORDER_DRAWS = ("jitter", "day", "window", "second", "after_signup", "amount", "coupon",
               "refund")


def _u(name: str) -> Column:
    return F.col(f"u_{name}")


def with_draws(df: DataFrame, s: Settings, names: tuple[str, ...], *keys: str) -> DataFrame:
    draws = [uniform(s.seed, name, *[F.col(k) for k in keys]).alias(f"u_{name}")
             for name in names]
    return df.select("*", *draws)


def with_bursts(df: DataFrame, s: Settings) -> DataFrame:
    """One row per (user, burst) the user takes part in."""
    return (
        df.select("*", F.posexplode("bursts").alias("burst_idx", "burst"))
        .transform(with_draws, s, BURST_DRAWS, "id", "burst_idx")
        .filter(_u("burst") < F.col("burst.share"))
    )


def with_burst_window(df: DataFrame, s: Settings) -> DataFrame:
    """The burst's window [from_day, to_day] in offsets before D, clipped to the order
    window; for a seasonal burst, one calendar quarter of the last year."""
    last = s.order_days - 1
    quarter = between(_u("quarter"), 0, QUARTERS_BACK - 1)
    quarter_start = F.trunc(F.add_months(F.lit(s.snapshot), -3 * quarter), "quarter")
    quarter_end = F.date_sub(F.add_months(quarter_start, 3), 1)
    year_start = F.date_sub(F.lit(s.snapshot), YEAR_DAYS)
    in_quarter = F.col("burst.spacing") == "quarter"
    from_day = F.when(in_quarter, F.datediff(F.lit(s.snapshot), F.least(quarter_end,
                                                                        F.lit(s.snapshot))))
    to_day = F.when(in_quarter, F.datediff(F.lit(s.snapshot), F.greatest(quarter_start,
                                                                         year_start)))
    return (
        df.withColumn("from_day", F.least(from_day.otherwise(F.col("burst.from_day")),
                                          F.lit(last)))
        .withColumn("to_day", F.least(to_day.otherwise(F.col("burst.to_day")), F.lit(last)))
        .withColumn("period", between(_u("period"), F.col("burst.period_lo"),
                                      F.col("burst.period_hi")))
        .withColumn("phase", F.floor(_u("phase") * F.col("period")).cast("int"))
    )


def with_order_rows(df: DataFrame, s: Settings) -> DataFrame:
    """count orders per burst (regular bursts: as many periods as fit the window)."""
    regular = F.col("burst.spacing") == "regular"
    span = F.col("to_day") - F.col("from_day") - F.col("phase")
    count = F.when(regular, F.floor(span / F.col("period")).cast("int") + 1).otherwise(
        between(_u("count"), F.col("burst.count_lo"), F.col("burst.count_hi")))
    return (
        df.withColumn("n_orders", count)
        .filter(F.col("n_orders") > 0)
        .withColumn("k", F.explode(F.sequence(F.lit(0), F.col("n_orders") - 1)))
        .withColumn("order_key", key_hash(s.seed, "order", F.col("id"), F.col("burst_idx"),
                                          F.col("k")))
        .transform(with_draws, s, ORDER_DRAWS, "order_key")
    )


def with_order_day(df: DataFrame, s: Settings) -> DataFrame:
    """Days before D: evenly spaced (regular) or uniform in the window; never before signup."""
    jitter = between(_u("jitter"), -C.REGULAR_JITTER_DAYS, C.REGULAR_JITTER_DAYS)
    regular_day = F.col("from_day") + F.col("phase") + F.col("k") * F.col("period") + jitter
    uniform_day = between(_u("day"), F.col("from_day"), F.col("to_day"))
    offset = F.when(F.col("burst.spacing") == "regular", regular_day).otherwise(uniform_day)
    in_window = (F.col("offset") >= 0) & (F.col("offset") <= s.order_days - 1) \
        & (F.col("offset") <= F.col("reg_offset"))
    return (
        df.withColumn("offset", offset.cast("int"))
        .filter(in_window)
        .withColumn("day", F.date_sub(F.lit(s.snapshot), F.col("offset")))
    )


def with_order_fields(df: DataFrame, s: Settings) -> DataFrame:
    """Time from the user's profile, amount with 2 decimals, coupon, paid or refunded."""
    planned = second_of_day(TIME_PROFILES, F.col("time_profile"), is_weekend(F.col("day")),
                            _u("window"), _u("second"))
    after_signup = F.col("reg_second") + F.floor(
        _u("after_signup") * (86400 - F.col("reg_second"))).cast("int")
    second = F.when(F.col("offset") == F.col("reg_offset"), after_signup).otherwise(planned)
    amount = F.round(scaled(_u("amount"), F.col("burst.amount_lo"),
                            F.col("burst.amount_hi")), 2)
    return (
        df.withColumn("ts_epoch", to_utc_epoch(local_epoch(F.col("day"), second), s.timezone))
        .withColumn("order_ts", iso_utc(F.col("ts_epoch")))
        .withColumn("amount", amount.cast(AMOUNT_TYPE))
        .withColumn("coupon_used", _u("coupon") < F.col("burst.coupon"))
        .withColumn("status", F.when(_u("refund") < C.REFUND_SHARE, F.lit("refunded"))
                    .otherwise(F.lit("paid")))
    )


def build_orders(users: DataFrame, s: Settings) -> DataFrame:
    """Landing fields of every planned order, its UTC epoch, landing date and row key."""
    return (
        users.select("id", "user_id", "reg_offset", "reg_second", "time_profile", "bursts")
        .transform(with_bursts, s)
        .transform(with_burst_window, s)
        .transform(with_order_rows, s)
        .transform(with_order_day, s)
        .transform(with_order_fields, s)
        .select(
            hex_id("o", s.seed, "order_id", F.col("order_key")).alias("order_id"),
            "user_id", "order_ts", "amount", "coupon_used", "status", "ts_epoch",
            business_date(F.col("ts_epoch"), s.timezone).alias("ingest_date"),
            F.col("order_key").alias("rec_key"),
        )
    )

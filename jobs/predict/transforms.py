"""Predicted value in Spark: per-customer sufficient statistics, their grouping, predictions.

Conventions (the ``lifetimes`` package's, with purchase *days* as transactions):

- a **purchase day** is a business day with at least one paid order (refunds are not
  purchases); the first purchase day starts the customer's clock;
- **frequency** x = purchase days - 1 (repeat purchase days);
- **recency** t_x = days from the first to the last purchase day, **age** T = days from
  the first purchase day to D, both in time units of ``predict.time_unit_days`` (7:
  weeks, as in Fader, Hardie and Lee);
- **mean repeat spend** = paid amount of the repeat purchase days / x (the first day's
  amount left out, as Gamma-Gamma requires); null when x = 0.

Predictions use only elementary functions of the fitted parameters, evaluated per user
with built-in functions, except the Gauss hypergeometric 2F1 of the conditional
expectation: its power series is summed with ``aggregate`` over ``sequence`` in log
space, once per distinct (x, T) (at most days x purchase days rows), and joined back.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.predict.fit import BgNbd, GammaGamma

AMOUNT = "decimal(18,2)"
TOTAL = "decimal(28,2)"   # a sum of amounts, as Spark types it


def purchase_days(rows: DataFrame) -> DataFrame:
    """(user_key, activity_date, paid_amount) of the rollup rows that are purchase days."""
    return rows.filter(F.col("paid_orders") > 0).select("user_key", "activity_date",
                                                        "paid_amount")


def paid_days_as_of(daily: DataFrame, increments: DataFrame, snapshot: dt.date,
                    max_late_days: int) -> DataFrame:
    """(user_key, activity_date, paid_amount) of every purchase day up to D, as of D.

    Days at least ``max_late_days`` old are final in user_daily; the last few are summed
    from the increments landed up to D (so a re-run of D sees what the T+1 run saw).
    """
    final_until = snapshot - dt.timedelta(days=max_late_days)
    final = purchase_days(daily.filter(F.col("activity_date") <= final_until))
    return final.unionByName(recent_paid_days(increments, snapshot, max_late_days))


def recent_paid_days(increments: DataFrame, snapshot: dt.date, max_late_days: int
                     ) -> DataFrame:
    """The purchase days after D-max_late_days, summed from the increments landed by D."""
    final_until = snapshot - dt.timedelta(days=max_late_days)
    recent = (
        increments.filter((F.col("activity_date") > final_until)
                          & (F.col("activity_date") <= snapshot)
                          & (F.col("ingest_date") <= snapshot))
        .groupBy("activity_date", "user_key")
        .agg(F.sum("paid_orders").alias("paid_orders"),
             F.sum("paid_amount").cast(AMOUNT).alias("paid_amount"))
    )
    return purchase_days(recent)


def as_purchases(paid_days: DataFrame) -> DataFrame:
    """Purchase days in the shape of silver/user_purchase_state rows (one day each)."""
    day, amount = F.col("activity_date"), F.col("paid_amount")
    return paid_days.select("user_key", day.alias("first_day"), day.alias("last_day"),
                            F.lit(1).cast("long").alias("purchase_days"),
                            amount.cast(TOTAL).alias("total"),
                            amount.cast(AMOUNT).alias("first_amount"))


def combine_purchases(rows: DataFrame) -> DataFrame:
    """One row per customer from any mix of state rows and purchase days: min, max, sums
    and the first day's amount combine in any grouping."""
    return rows.groupBy("user_key").agg(
        F.min("first_day").alias("first_day"),
        F.max("last_day").alias("last_day"),
        F.sum("purchase_days").alias("purchase_days"),
        F.sum("total").cast(TOTAL).alias("total"),
        F.min_by("first_amount", "first_day").alias("first_amount"),
    )


def cold_purchases(daily: DataFrame, snapshot: dt.date, max_late_days: int) -> DataFrame:
    """silver/user_purchase_state of D from every final purchase day (user_daily)."""
    final_until = snapshot - dt.timedelta(days=max_late_days)
    return combine_purchases(as_purchases(purchase_days(
        daily.filter(F.col("activity_date") <= final_until))))


def moved_purchases(previous: DataFrame, daily: DataFrame, snapshot: dt.date,
                    max_late_days: int) -> DataFrame:
    """The purchase state of D from D-1's and the day that just became final."""
    final_until = snapshot - dt.timedelta(days=max_late_days)
    entering = purchase_days(daily.filter(F.col("activity_date") == final_until))
    return combine_purchases(previous.unionByName(as_purchases(entering)))


def purchases_as_of(state: DataFrame, increments: DataFrame, snapshot: dt.date,
                    max_late_days: int) -> DataFrame:
    """Every purchase day up to D as of D, combined: the state of D and the last few days."""
    recent = as_purchases(recent_paid_days(increments, snapshot, max_late_days))
    return combine_purchases(state.unionByName(recent))


def customer_summary(paid_days: DataFrame, snapshot: dt.date, unit_days: int) -> DataFrame:
    """Per customer: frequency, recency_days, age_days, recency, age, mean_repeat_spend,
    from every purchase day up to D (the full path)."""
    return summarize(combine_purchases(as_purchases(paid_days)), snapshot, unit_days)


def summarize(purchases: DataFrame, snapshot: dt.date, unit_days: int) -> DataFrame:
    """customer_summary from one combined row per customer (combine_purchases)."""
    day = F.lit(snapshot)
    frequency = F.col("purchase_days") - 1
    repeat_spend = (F.col("total") - F.col("first_amount")) / frequency
    return purchases.select(
        day.alias("snapshot_date"), "user_key",
        frequency.cast("long").alias("frequency"),
        F.datediff("last_day", "first_day").alias("recency_days"),
        F.datediff(day, "first_day").alias("age_days"),
        (F.datediff("last_day", "first_day") / F.lit(unit_days)).alias("recency"),
        (F.datediff(day, "first_day") / F.lit(unit_days)).alias("age"),
        F.when(frequency > 0, repeat_spend).cast(AMOUNT).alias("mean_repeat_spend"),
    )


def rounded_units(days: Column, resolution_days: int, unit_days: int) -> Column:
    """Days rounded to the fit's resolution, in time units."""
    return F.round(days / F.lit(resolution_days)) * F.lit(resolution_days / unit_days)


def bgnbd_groups(summary: DataFrame, resolution_days: int, unit_days: int) -> DataFrame:
    """(x, t_x, T, customers): at most (history / resolution)^2 x purchase days rows."""
    return summary.groupBy(
        F.col("frequency").alias("x"),
        rounded_units(F.col("recency_days"), resolution_days, unit_days).alias("t_x"),
        rounded_units(F.col("age_days"), resolution_days, unit_days).alias("big_t"),
    ).agg(F.count(F.lit(1)).alias("customers"))


def gamma_gamma_groups(summary: DataFrame, buckets_per_log_unit: int) -> DataFrame:
    """(x, mean spend of the bucket, customers) for repeat customers with a positive spend.

    Buckets are 1/buckets_per_log_unit wide in ln(mean spend) (100: about 1 % apart)."""
    spend = F.col("mean_repeat_spend").cast("double")
    return (
        summary.filter((F.col("frequency") > 0) & (spend > 0))
        .groupBy(F.col("frequency").alias("x"),
                 F.floor(F.log(spend) * F.lit(buckets_per_log_unit)).alias("bucket"))
        .agg(F.avg(spend).alias("m"), F.count(F.lit(1)).alias("customers"))
        .select("x", "m", "customers")
    )


def scaled_hyp2f1(a: Column, b: Column, c: Column, z: Column, terms: int) -> Column:
    """(1 - z)^a * 2F1(a, b; c; z) for 0 < z < 1, the series summed in log space.

    Term j+1 = term j * (a+j)(b+j) / ((c+j)(j+1)) * z; the first is (1 - z)^a. Each term is
    kept as the log of its size and its sign, so the recursion neither overflows nor loses
    the sum. a and b are positive here; c = a_BG + b_BG - 1 + x is negative when a fit has
    a + b < 1 (short histories do), and then every term after the first is negative.
    """
    first = a * F.log1p(-z)
    start = F.struct(first.alias("log_size"), F.lit(1.0).alias("sign"),
                     F.exp(first).alias("total"))

    def step(acc: Column, j: Column) -> Column:
        k = j.cast("double")
        log_next = (acc["log_size"] + F.log(a + k) + F.log(b + k) - F.log(F.abs(c + k))
                    - F.log1p(k) + F.log(z))
        sign = acc["sign"] * F.signum(c + k)
        return F.struct(log_next.alias("log_size"), sign.alias("sign"),
                        (acc["total"] + sign * F.exp(log_next)).alias("total"))

    return F.aggregate(F.sequence(F.lit(0), F.lit(terms - 1)), start, step,
                       lambda acc: acc["total"])


def p_alive(x: Column, t_x: Column, big_t: Column, m: BgNbd) -> Column:
    """1 / (1 + d(x>0) a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
    log_ratio = (F.lit(m.r) + x) * (F.log(F.lit(m.alpha) + big_t) - F.log(F.lit(m.alpha) + t_x))
    odds = F.lit(m.a) / (F.lit(m.b) + x - 1) * F.exp(log_ratio)
    return F.when(x > 0, 1 / (1 + odds)).otherwise(F.lit(1.0))


def expected_spend(x: Column, mean_spend: Column, g: GammaGamma) -> Column:
    """E[spend per purchase | x, mean]: (gamma + x m) p / (p x + q - 1); p gamma/(q-1) at x=0."""
    known = x > 0
    m = F.coalesce(mean_spend.cast("double"), F.lit(0.0))
    weighted = (F.lit(g.gamma) + F.when(known, x * m).otherwise(0.0)) * F.lit(g.p)
    return weighted / (F.lit(g.p) * F.when(known, x).otherwise(0) + F.lit(g.q) - 1)


def with_hypergeometric(horizon: float, m: BgNbd, terms: int):
    """Adds ``_s`` = (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z), z = t/(alpha+T+t), per (x, T)."""

    def transform(summary: DataFrame) -> DataFrame:
        x, big_t = F.col("frequency").cast("double"), F.col("age")
        z = F.lit(horizon) / (F.lit(m.alpha) + big_t + F.lit(horizon))
        distinct = summary.select("frequency", "age").distinct().select(
            "frequency", "age",
            scaled_hyp2f1(F.lit(m.r) + x, F.lit(m.b) + x, F.lit(m.a + m.b - 1) + x, z,
                          terms).alias("_s"))
        return summary.join(distinct, on=["frequency", "age"], how="left")

    return transform


def with_predictions(m: BgNbd, g: GammaGamma, horizon: float, terms: int):
    """Adds p_alive, expected_purchases (in ``horizon`` units), expected_spend and
    predicted_value (FHL 2005 eq. 10 times the Gamma-Gamma mean), undiscounted."""

    def transform(summary: DataFrame) -> DataFrame:
        x = F.col("frequency").cast("double")
        alive = p_alive(x, F.col("recency"), F.col("age"), m)
        factor = (F.lit(m.a + m.b - 1) + x) / F.lit(m.a - 1)
        purchases = factor * (1 - F.col("_s")) * F.col("p_alive")
        spend = expected_spend(x, F.col("mean_repeat_spend"), g)
        return (
            summary.transform(with_hypergeometric(horizon, m, terms))
            .withColumn("p_alive", alive)
            .withColumn("expected_purchases", purchases)
            .withColumn("expected_spend", spend)
            .withColumn("predicted_value",
                        (F.col("expected_purchases") * F.col("expected_spend")).cast(AMOUNT))
            .drop("_s")
        )

    return transform

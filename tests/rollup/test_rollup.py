"""The daily rollup: metric values of hand-built events and orders, and increments combining."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.rollup.transforms import daily_increments, user_daily
from jobs.silver.schemas import SILVER_EVENTS, SILVER_ORDERS
from jobs.state.transforms import next_state

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
SAT = dt.date(2026, 6, 27)   # a Saturday
MON = dt.date(2026, 6, 29)


def ev(event_id, user, day, minute, event_type, *, content=None, duration=None, device=None,
       network=None, model=None, ingest=D, second=0):
    ts = dt.datetime.combine(day, dt.time(minute // 60, minute % 60, second))  # value unused
    return (event_id, user, ts, day, minute, event_type, None, content, None, duration,
            device, model, None, None, network, ingest)


def orders_frame(spark, rows):
    return spark.createDataFrame(rows, SILVER_ORDERS.schema)


COLUMNS = ["ingest_date", "activity_date", "user_key", "events", "duration_s", "n_login",
           "n_video_view", "content_video", "device_phone", "device_tablet", "net_wifi",
           "net_weak", "slot_morning_commute", "slot_lunch", "slot_prime_evening",
           "slot_daytime", "weekday_evening_slot_events", "weekend_morning_slot_events",
           "paid_orders", "paid_amount", "refunded_amount", "coupon_paid_orders", "device_model"]


def expected_schema():
    longs = {c: T.LongType() for c in COLUMNS[3:-4]}
    fields = [T.StructField("ingest_date", T.DateType()),
              T.StructField("activity_date", T.DateType()),
              T.StructField("user_key", T.StringType())]
    fields += [T.StructField(c, longs[c]) for c in COLUMNS[3:19]]
    fields += [T.StructField("paid_amount", T.DecimalType(18, 2)),
               T.StructField("refunded_amount", T.DecimalType(18, 2)),
               T.StructField("coupon_paid_orders", T.LongType()),
               T.StructField("device_model", T.StringType())]
    return T.StructType(fields)


def test_events_and_orders_roll_up_per_landing_and_activity_date(spark, cfg):
    events = spark.createDataFrame([
        ev("e1", "a", SAT, 450, "login", device="phone", network="wifi", duration=10,
           model="m1"),
        ev("e2", "a", SAT, 1230, "video_view", content="video", device="tablet", network="3g",
           duration=600, model="m2"),
        ev("e3", "a", SAT, 720, "message_send", device="phone", network="5g", model="m3"),
        ev("e4", "a", SAT, 540, "search", model="m4"),            # null device / network
        ev("e5", "b", MON, 1200, "login", device="pc", network="wifi", model="pc1"),
        ev("e6", "b", MON, 1319, "login", device="pc", network="wifi", model="pc2"),
        ev("e7", "a", SAT, 460, "login", ingest=D - dt.timedelta(days=1), model="m0"),
    ], SILVER_EVENTS.schema)
    # event_ts drives "latest": make e2 the latest event of user a on the 27th.
    events = events.withColumn("event_ts", F.when(F.col("event_id") == "e2",
                                                  F.lit("2026-06-27 23:00:00").cast("timestamp"))
                               .otherwise(F.col("event_ts")))
    orders = orders_frame(spark, [
        ("o1", "a", dt.datetime(2026, 6, 27, 3), SAT, Decimal("100.50"), True, "paid", D),
        ("o2", "a", dt.datetime(2026, 6, 27, 4), SAT, Decimal("20.00"), False, "refunded", D),
        ("o3", "c", dt.datetime(2026, 6, 29, 4), MON, Decimal("5.00"), None, "paid", D),
    ])
    actual = daily_increments(events, orders, cfg).select(*COLUMNS)
    z = Decimal("0.00")
    yesterday = D - dt.timedelta(days=1)
    expected = spark.createDataFrame([
        # a on Saturday, landed D: e1 e2 e3 e4 + o1 o2
        (D, SAT, "a", 4, 610, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, Decimal("100.50"),
         Decimal("20.00"), 1, "m2"),
        # a on Saturday, landed a day earlier: e7 only
        (yesterday, SAT, "a", 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, z, z, 0, "m0"),
        # b on Monday 20:00 and 21:59: prime evening, weekday evening; the later event wins
        (D, MON, "b", 2, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 2, 0, 0, z, z, 0, "pc2"),
        # c: an order and no event
        (D, MON, "c", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, Decimal("5.00"), z, 0,
         None),
    ], expected_schema())
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)

    combined = user_daily(daily_increments(events, orders, cfg)).filter(
        F.col("user_key") == "a").select("activity_date", "events", "n_login", "device_model")
    want = spark.createDataFrame([(SAT, 5, 2, "m2")],
                                 "activity_date date, events long, n_login long, "
                                 "device_model string")
    assert_df_equality(combined, want, ignore_nullable=True)


def test_a_timestamp_tie_goes_to_the_greater_event_id_in_the_rollup_and_the_state(spark, cfg):
    noon = dt.datetime(2026, 6, 29, 12)
    events = spark.createDataFrame([
        ev("e1", "a", MON, 720, "login", model="first"),
        ev("e3", "a", MON, 720, "login", model="greater id"),
        ev("e2", "a", MON, 720, "login", model="between"),
        ev("e9", "a", MON, 600, "login", model="earlier, greatest id"),
        ev("e4", "b", MON, 720, "login", model=None, ingest=D - dt.timedelta(days=1)),
        ev("e5", "b", MON, 720, "login", model="b later landing"),
    ], SILVER_EVENTS.schema).withColumn(
        "event_ts", F.when(F.col("event_id") == "e9", F.lit(noon - dt.timedelta(hours=2)))
        .otherwise(F.lit(noon)))
    orders = orders_frame(spark, [
        ("o1", "c", noon, MON, Decimal("5.00"), None, "paid", D)])
    increments = daily_increments(events, orders, cfg)
    latest = "user_key string, last_event_ts timestamp, last_event_id string, device_model string"
    assert_df_equality(
        user_daily(increments).select("user_key", "last_event_ts", "last_event_id",
                                      "device_model"),
        spark.createDataFrame([("a", noon, "e3", "greater id"), ("b", noon, "e5",
                                                                 "b later landing"),
                               ("c", None, None, None)], latest),
        ignore_row_order=True, ignore_nullable=True)
    state = next_state(None, increments, D).select("user_key", "last_event_ts",
                                                   "last_event_id", "device_model")
    assert_df_equality(state, spark.createDataFrame(
        [("a", noon, "e3", "greater id"), ("b", noon, "e5", "b later landing"),
         ("c", None, None, None)], latest), ignore_row_order=True, ignore_nullable=True)


def aggregations(df) -> list[str]:
    """The aggregation and join operators of the physical plan, one line each."""
    plan = df._jdf.queryExecution().executedPlan().toString()
    return [line.strip(" +-:*") for line in plan.splitlines()
            if any(op in line for op in ("Aggregate", "Join"))]


def test_the_rollup_and_the_state_sum_by_hash_and_sort_only_the_latest_event(spark, cfg):
    """No sort of the fact rows at full width: every sum in a HashAggregate, the join by
    hash, and the one sort-based aggregation left (the latest event, a struct holding
    strings) sums nothing: it reads a narrow projection of its own."""
    events = spark.createDataFrame([ev("e1", "a", MON, 720, "login", model="m")],
                                   SILVER_EVENTS.schema)
    orders = orders_frame(spark, [("o1", "c", dt.datetime(2026, 6, 29, 12), MON,
                                   Decimal("5.00"), None, "paid", D)])
    increments = daily_increments(events, orders, cfg)
    for frame in (increments, user_daily(increments), next_state(None, increments, D)):
        lines = aggregations(frame)
        assert any(line.startswith("HashAggregate") and "sum(" in line for line in lines), lines
        assert not [line for line in lines if line.startswith("SortAggregate")
                    and "sum(" in line], lines
        assert not [line for line in lines if "SortMergeJoin" in line], lines

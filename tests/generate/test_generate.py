"""The synthetic generator: determinism, landing layout, planted bad records, personas."""

from __future__ import annotations

import datetime as dt
import glob
import os
from collections import Counter
from collections.abc import Iterator
from functools import reduce
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.window import Window

from jobs.common.config import Config
from jobs.generate.clock import business_date, iso_utc
from jobs.generate.corrupt import BAD_KINDS, TIMESTAMP_FIELDS
from jobs.generate.main import GENERATOR_SPARK_CONF, run, session_conf
from jobs.generate.settings import Settings
from jobs.generate.transforms import landing_frames, planned_sources
from jobs.ingest.schemas import LANDING_SCHEMAS, SOURCES

D = dt.date(2026, 6, 30)
END_OF_D = "2026-06-30T15:59:59Z"          # 23:59:59 in Asia/Shanghai
ISO = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"


def _settings(cfg: Config, **overrides: object) -> Settings:
    return Settings.from_config(cfg.with_overrides(overrides), D)


def _epoch(iso: Column) -> Column:
    """UTC epoch seconds of an ISO-8601 'Z' string; null when it is not one."""
    parsed = F.try_to_timestamp(F.regexp_replace(iso, "Z$", "+00:00"),
                                F.lit("yyyy-MM-dd'T'HH:mm:ssXXX"))
    return F.unix_seconds(parsed)


@pytest.fixture(scope="module", autouse=True)
def generator_session(spark: SparkSession) -> Iterator[None]:
    """The session settings run() uses (per-expression code generation)."""
    with session_conf(spark, GENERATOR_SPARK_CONF):
        yield


@pytest.fixture(scope="module")
def bad_cfg(cfg: Config) -> Config:
    """A higher bad-record share, so every kind is planted even in tiny data."""
    return cfg.with_overrides({"generator.bad_record_share": 0.2,
                               "generator.late_event_share": 0.05,
                               "generator.users": 100, "generator.history_years": 1})


@pytest.fixture(scope="module")
def landed(spark: SparkSession, bad_cfg: Config, tmp_path_factory) -> tuple[str, dict]:
    """One run() into a fresh lakehouse: (root, summary)."""
    root = str(tmp_path_factory.mktemp("generate") / "lakehouse")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("LAKEHOUSE_ROOT", raising=False)
        summary = run(spark, bad_cfg.with_overrides({"lakehouse.root": root}), D)
    return root, summary


@pytest.fixture(scope="module")
def planned(spark: SparkSession, cfg: Config) -> Iterator[dict[str, DataFrame]]:
    sources = planned_sources(spark, _settings(cfg))
    sources["events"] = sources["events"].cache()
    yield sources
    sources["events"].unpersist()


@pytest.mark.unit
def test_iso_utc_and_business_date(spark: SparkSession) -> None:
    schema = T.StructType([T.StructField("epoch", T.LongType())])
    source = spark.createDataFrame([(0,), (1_782_835_199,), (1_782_835_200,), (None,)], schema)
    actual = source.select(iso_utc(F.col("epoch")).alias("iso"),
                           business_date(F.col("epoch"), "Asia/Shanghai").alias("day"))
    expected = spark.createDataFrame(
        [("1970-01-01T00:00:00Z", dt.date(1970, 1, 1)), (END_OF_D, D),
         ("2026-06-30T16:00:00Z", dt.date(2026, 7, 1)), (None, None)],
        T.StructType([T.StructField("iso", T.StringType()),
                      T.StructField("day", T.DateType())]))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def _all_lines(frames: dict[str, DataFrame]) -> DataFrame:
    lines = [frames[source].select(F.lit(source).alias("source"), "ingest_date", "value")
             for source in SOURCES]
    return reduce(DataFrame.unionByName, lines)


@pytest.mark.unit
def test_same_seed_same_lines_other_seed_differs(spark: SparkSession, cfg: Config) -> None:
    """Three generations of ~1,000 lines (planning a generation costs more than running it,
    so each is collected once and compared here)."""
    small = {"generator.users": 30, "generator.history_years": 1, "generator.event_days": 7,
             "generator.order_days": 30}

    def lines(**overrides: object) -> Counter:
        frames = landing_frames(spark, _settings(cfg, **small, **overrides))
        return Counter(tuple(row) for row in _all_lines(frames).collect())

    first = lines()
    assert first
    assert lines() == first
    assert lines(**{"generator.seed": 7}) != first


@pytest.mark.stage
def test_landing_layout_and_summary(spark: SparkSession, landed: tuple[str, dict]) -> None:
    root, summary = landed
    assert set(summary["rows"]) == set(SOURCES)
    for source in SOURCES:
        files = glob.glob(os.path.join(root, "landing", source, "ingest_date=*", "part-*"))
        assert files and all(f.endswith(".json") for f in files), source
        per_day = {Path(f).parent.name for f in files}
        assert len(files) == len(per_day), f"{source}: more than files_per_day files a day"
        landed_lines = spark.read.text(os.path.join(root, "landing", source))
        assert landed_lines.count() == summary["rows"][source] > 0
        latest = landed_lines.agg(F.max("ingest_date")).first()[0]
        assert latest <= D, f"{source} lands after D"


def _classified(spark: SparkSession, root: str, source: str) -> DataFrame:
    """Landed lines of a source with the bad kind each one shows, read back from disk."""
    users = (spark.read.text(os.path.join(root, "landing", "users"))
             .select(F.from_json("value", LANDING_SCHEMAS["users"])["user_id"].alias("known"))
             .filter(F.col("known").isNotNull()).distinct())
    lines = spark.read.text(os.path.join(root, "landing", source))
    record = F.from_json(F.col("value"), LANDING_SCHEMAS[source])
    parsed = lines.select("*", record.alias("r")).join(
        users, on=F.col("r.user_id") == F.col("known"), how="left")
    ts = F.col(f"r.{TIMESTAMP_FIELDS[source]}")
    kind = (
        F.when(~F.col("value").endswith("}"), F.lit("malformed"))
        .when(F.col("r.user_id").isNull(), F.lit("null_user_id"))
        .when(F.col("known").isNull(), F.lit("unknown_user_id"))
        .when(ts == "not-a-date", F.lit("malformed_timestamp"))
        .when(ts > F.lit(END_OF_D), F.lit("future_timestamp"))
    )
    if source == "events":
        kind = kind.when(F.col("r.event_type") == "teleport", F.lit("unknown_event_type"))
    if source == "orders":
        kind = (kind.when(F.col("r.amount") == "12,5x", F.lit("non_numeric_amount"))
                .when(F.col("r.amount").cast("double") < 0, F.lit("negative_amount")))
    copies = F.count(F.lit(1)).over(Window.partitionBy("ingest_date", "value"))
    return parsed.withColumn("kind", kind.when(copies > 1, F.lit("duplicate")))


@pytest.mark.stage
@pytest.mark.parametrize("source", SOURCES)
def test_good_lines_parse_and_every_bad_kind_is_planted(
        spark: SparkSession, landed: tuple[str, dict], source: str) -> None:
    root, _ = landed
    lines = _classified(spark, root, source).cache()
    kinds = {row["kind"] for row in lines.select("kind").distinct().collect()}
    assert set(BAD_KINDS[source]) <= kinds, f"{source}: missing {set(BAD_KINDS[source]) - kinds}"
    good = lines.filter(F.col("kind").isNull() | (F.col("kind") == "duplicate"))
    ts = TIMESTAMP_FIELDS[source]
    well_formed = F.coalesce(F.col(f"r.{ts}").rlike(ISO), F.lit(False))
    broken = good.filter(~well_formed | F.col("r.user_id").isNull()
                         | (F.col("ingest_date") > F.lit(D)))
    assert broken.count() == 0
    if source == "events":
        assert good.filter(F.col("r.duration_s").cast("int").isNull()).count() == 0
    if source == "orders":
        raw_amount = F.regexp_extract(F.col("value"), r'"amount":([^,}]+)', 1)
        amounts = good.select(raw_amount.alias("amount"))
        assert amounts.filter(~F.col("amount").rlike(r"^\d+\.\d{2}$")
                              | (F.col("amount").cast("double") <= 0)).count() == 0
    lines.unpersist()


@pytest.mark.unit
def test_nothing_after_d_except_planted_and_late_events(spark: SparkSession,
                                                        bad_cfg: Config) -> None:
    s = Settings.from_config(bad_cfg, D)
    frames = {source: lines.cache() for source, lines in landing_frames(spark, s).items()}
    for source in SOURCES:
        record = F.from_json(F.col("value"), LANDING_SCHEMAS[source])
        ts = record[TIMESTAMP_FIELDS[source]]
        honest = frames[source].filter(F.col("bad_kind").isNull()
                                       | (F.col("bad_kind") != "future_timestamp"))
        assert honest.filter((ts > F.lit(END_OF_D)) & ts.rlike(ISO)).count() == 0, source
        assert frames[source].filter(F.col("ingest_date") > F.lit(D)).count() == 0, source
    events = frames["events"].filter(F.col("bad_kind").isNull()).select(
        "ingest_date",
        business_date(_epoch(F.from_json("value", LANDING_SCHEMAS["events"])["event_ts"]),
                      s.timezone).alias("own_date"))
    lag = F.datediff(F.col("ingest_date"), F.col("own_date"))
    late = events.filter(lag > 0)
    assert late.count() > 0
    assert late.filter((lag > 3) | (F.col("ingest_date") > F.lit(D))).count() == 0
    assert events.filter(lag < 0).count() == 0
    for lines in frames.values():
        lines.unpersist()


@pytest.mark.unit
def test_personas_feed_the_segments(spark: SparkSession, planned: dict[str, DataFrame]) -> None:
    users, events, orders = planned["users"], planned["events"], planned["orders"]
    days_ago = F.datediff(F.lit(D), F.col("ingest_date"))
    event_days = F.datediff(F.lit(D), business_date(F.col("ts_epoch"), "Asia/Shanghai"))
    e = events.withColumn("ago", event_days)
    last_week = e.filter(F.col("ago") <= 6)
    per_user = last_week.groupBy("user_id").agg(
        (F.sum("duration_s") / 7).alias("seconds_a_day"),
        F.sum(F.col("event_type").startswith("message_").cast("int")).alias("messages"),
        F.sum((F.col("event_type") == "product_view").cast("int")).alias("views"))
    streak = (e.filter((F.col("event_type") == "login") & (F.col("ago") <= 19))
              .groupBy("user_id").agg(F.countDistinct("ago").alias("days"))
              .filter(F.col("days") == 20))
    active = e.select("user_id").distinct()
    recent = last_week.select("user_id").distinct()
    silent = (users.filter(days_ago >= 7).join(active, "user_id", "inner")
              .join(recent, "user_id", "left_anti"))
    paid = orders.filter(F.col("status") == "paid").withColumn(
        "ago", F.datediff(F.lit(D), F.col("ingest_date")))
    month = paid.filter(F.col("ago") <= 29).groupBy("user_id").agg(F.sum("amount").alias("m"))
    coupons = (paid.filter(F.col("ago") <= 364).groupBy("user_id")
               .agg(F.count(F.lit(1)).alias("n"), F.avg(F.col("coupon_used").cast("int"))
                    .alias("share"))
               .filter((F.col("n") >= 3) & (F.col("share") >= 0.8)))
    checks = {
        "new signups": users.filter(days_ago <= 6).count(),
        "silent": silent.count(),
        "deep users": per_user.filter(F.col("seconds_a_day") > 7200).count(),
        "msg_high": per_user.filter(F.col("messages") >= 21).count(),
        "conversion views": per_user.filter(F.col("views") >= 5).count(),
        "loyal streak": streak.count(),
        "spend_high": month.filter(F.col("m") >= 5000).count(),
        "spend_mid": month.filter((F.col("m") >= 1000) & (F.col("m") < 5000)).count(),
        "spend_low": month.filter(F.col("m") < 1000).count(),
        "price_sensitive": coupons.count(),
        "weak network": events.filter(F.col("network").isin("3g", "2g", "unknown")).count(),
        "fast exits": events.filter(F.col("duration_s") <= 5).count(),
        "explicit interest": events.filter(F.col("event_type").isin("subscribe", "favorite"))
        .count(),
    }
    assert all(count > 0 for count in checks.values()), checks
    for column in ("birth_year", "gender", "city_tier", "org_rank"):
        assert users.select(column).distinct().count() > 2, column
    mutual = planned["relations"].alias("a").join(
        planned["relations"].alias("b"),
        (F.col("a.user_id") == F.col("b.friend_id")) & (F.col("a.friend_id") == F.col("b.user_id")),
        how="inner")
    assert mutual.groupBy("a.user_id").count().filter(F.col("count") >= 5).count() > 0

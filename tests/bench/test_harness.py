"""The benchmark harness at a tiny scale: its silver data, one measured stage, the DuckDB
reference agreeing exactly with Spark, and the REST metrics parser (no timing asserted)."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import functions as F

from bench.data import Scale, write_silver
from bench.harness import report, summary_lines
from bench.metrics import Measured, Meter, SparkRest, describe, stage_sums
from jobs.common.delta import read_table
from jobs.silver.schemas import SILVER_EVENTS, SILVER_ORDERS

pytest.importorskip("duckdb")
from bench.scale import run_scale  # noqa: E402  (its reference needs duckdb)

TINY = Scale(users=80, days=9, events_per_active_user=4)
SKEWED = Scale(users=2000, days=1, events_per_active_user=4, skew=True)


@pytest.fixture
def bench_cfg(cfg, root):
    return cfg.with_overrides({"lakehouse.root": root})


@pytest.mark.stage
def test_silver_data_has_silver_schema_and_the_scale_rows(spark, bench_cfg, root):
    counts = write_silver(spark, TINY, root, partitions=2)
    events = read_table(spark, SILVER_EVENTS, root)
    assert events.columns == SILVER_EVENTS.columns
    assert read_table(spark, SILVER_ORDERS, root).columns == SILVER_ORDERS.columns
    assert events.count() == counts["events"] == TINY.events
    assert events.select("event_id").distinct().count() == TINY.events


@pytest.mark.stage
def test_the_one_day_rollup_case_lands_every_event_on_its_day(spark, root):
    day = Scale(users=400, days=1, events_per_active_user=5, rollup_only=True)
    write_silver(spark, day, root, partitions=2)
    events = read_table(spark, SILVER_EVENTS, root)
    assert events.filter(F.col("ingest_date") == day.last_day).count() == day.events == 1000


@pytest.mark.stage
def test_power_law_puts_half_the_events_on_the_top_users(spark, bench_cfg, root):
    write_silver(spark, SKEWED, root, partitions=2)
    per_user = sorted((r["count"] for r in read_table(spark, SILVER_EVENTS, root)
                       .groupBy("user_key").count().collect()), reverse=True)
    top = sum(per_user[: int(SKEWED.users * 0.001)])
    assert 0.4 < top / SKEWED.events < 0.6


@pytest.mark.e2e
def test_a_scale_runs_every_stage_and_duckdb_agrees_with_spark_exactly(spark, bench_cfg,
                                                                       tmp_path):
    """bench.scale's whole run at a tiny scale: set-up, the T+1 stages through segments,
    the RFM, the DuckDB reference; no stage fails and every table agrees both ways. (e2e:
    eight stages end to end, not one stage's run.)"""
    result = run_scale(spark, bench_cfg, TINY, str(tmp_path / "out"), full_recompute=False)
    assert [(s["name"], s["error"]) for s in result["stages"] if s["error"]] == []
    assert [s["name"] for s in result["stages"]] == [
        "generate silver", "setup rollup", "setup state", "setup profile", "t+1 rollup",
        "t+1 state", "t+1 profile", "t+1 segments", "rfm spark"]
    assert "error" not in result["duckdb_seconds"]
    assert set(result["checks"]) == {"user_daily_increments", "user_daily", "rfm",
                                     "user_category_daily_increments", "user_category_daily"}
    for table, check in result["checks"].items():
        assert check["duckdb_rows"] > 0, table
        assert (check["spark_rows"], check["only_spark"], check["only_duckdb"],
                check["spark_checksum"]) == (check["duckdb_rows"], 0, 0,
                                             check["duckdb_checksum"]), table


# The shapes of the driver's /api/v1 answers the parser reads (Spark 4.2 field names).
REST = {
    "/jobs": [
        {"jobId": 3, "jobGroup": "bench-0-rollup", "status": "SUCCEEDED", "stageIds": [5, 6]},
        {"jobId": 4, "jobGroup": "other", "status": "SUCCEEDED", "stageIds": [7]},
    ],
    "/stages?status=complete": [
        {"stageId": 5, "attemptId": 0, "numCompleteTasks": 4, "executorRunTime": 900,
         "inputBytes": 1000, "outputBytes": 0, "shuffleReadBytes": 0,
         "shuffleWriteBytes": 2048, "memoryBytesSpilled": 0, "diskBytesSpilled": 0},
        {"stageId": 6, "attemptId": 0, "numCompleteTasks": 2, "executorRunTime": 300,
         "inputBytes": 0, "outputBytes": 512, "shuffleReadBytes": 2048,
         "shuffleWriteBytes": 0, "memoryBytesSpilled": 4096, "diskBytesSpilled": 1024},
        {"stageId": 7, "attemptId": 0, "numCompleteTasks": 1, "executorRunTime": 5,
         "shuffleReadBytes": 99},
    ],
    "/stages/5/0/taskSummary?quantiles=0.5,1.0": {"quantiles": [0.5, 1.0],
                                                  "duration": [200.0, 500.0]},
    "/executors": [{"id": "driver", "peakMemoryMetrics": {"JVMHeapMemory": 512 * 2**20}}],
}


@pytest.mark.unit
def test_metrics_parser_returns_the_stage_numbers():
    rest = SparkRest("http://127.0.0.1:4040", "app-1",
                     fetch=lambda url: REST[url.split("/app-1", 1)[1]])
    stages = rest.stages_of("bench-0-rollup")
    assert stage_sums(stages) == {
        "shuffleReadBytes": 2048, "shuffleWriteBytes": 2048, "memoryBytesSpilled": 4096,
        "diskBytesSpilled": 1024, "inputBytes": 1000, "outputBytes": 512,
        "executorRunTime": 1200, "spillBytes": 5120, "stages": 2, "tasks": 6}
    measured = Measured("rollup", 2.0, 100)
    describe(measured, rest, stages)
    assert (measured.biggest_stage, measured.skew) == (5, 2.5)
    assert rest.driver_peak_heap_mb() == 512.0


@pytest.mark.unit
def test_live_metrics_are_numbers_when_the_ui_is_on(spark):
    meter = Meter(spark)
    if meter.rest is None:
        pytest.skip("this session's Spark UI is off (the test profile)")
    numbers = spark.range(1000)
    measured = meter.measure("count", 1000, lambda: numbers.groupBy(
        (F.col("id") % 7).alias("k")).count().collect())
    assert measured.metrics["stages"] >= 1
    assert all(isinstance(v, int) for v in measured.metrics.values())


@pytest.mark.unit
def test_scale_sizes():
    assert TINY.first_day == dt.date(2026, 6, 22)
    assert TINY.events == 40 * 4 * 9


def result_of(scale: Scale, stages: dict[str, float], landed: int, rollup_duckdb: float):
    """A bench.scale JSON result with the given stage seconds (no Spark metrics)."""
    return {"scale": scale.as_dict(), "events_landed_d": landed, "events_history": scale.events,
            "stages": [{"name": n, "seconds": s, "events": landed, "events_per_s": landed / s,
                        "peak_rss_mb": 1000.0} for n, s in stages.items()],
            "duckdb_seconds": {"rollup": rollup_duckdb, "rfm": 1.0}, "checks": {},
            "driver_peak_heap_mb": 500.0}


@pytest.mark.unit
def test_the_one_day_rollup_case_decides_the_rollup_target_only():
    small, large = Scale(100, 10, 10), Scale(1000, 10, 10)
    day = Scale(2_000_000, 1, 50, rollup_only=True)
    assert (day.name, day.events) == ("50M-day", 50_000_000)
    pipeline = {"t+1 rollup": 2.0, "t+1 profile": 3.0, "rfm spark": 1.0, "full rollup": 9.0,
                "full profile": 3.0}
    text = report([result_of(small, pipeline, 500, 1.0),
                   result_of(large, {k: 10 * v for k, v in pipeline.items()}, 5000, 4.0),
                   result_of(day, {"generate silver": 60.0, "t+1 rollup": 90.0},
                             50_000_000, 30.0)], None)
    assert "the rollup of D only" in text
    assert "1. daily rollup <= 3x DuckDB at >= 50M events: 3.00x: MET" in text
    assert "2. T+1 <= 1/5 of the full recompute: 50.0 s / 120.0 s = 0.42: MISSED" in text
    # growth compares the two pipeline scales only: 10x the data, 10x the time
    assert "data x10.0, time x10.00 (full) x10.00 (t+1), limit x11.0: MET" in text


@pytest.mark.unit
def test_summary_has_one_exact_line_per_target_measured():
    stages = {"t+1 rollup": 2.0, "t+1 profile": 4.0, "rfm spark": 1.0, "full rollup": 20.0,
              "full profile": 10.0}
    month, year = Scale(1000, 30, 10), Scale(1000, 365, 10)
    day = Scale(2_000_000, 1, 50, rollup_only=True)
    lines = summary_lines([
        result_of(month, {k: v for k, v in stages.items() if not k.startswith("full")}, 10, 1.0),
        result_of(year, {**stages, "t+1 profile": 5.0}, 10, 1.0),
        result_of(day, {"t+1 rollup": 100.0}, 50_000_000, 25.0)], 200.0)
    assert lines == [
        "target demo_seconds: 200.00 s (goal 180) missed",
        "target rollup_vs_duckdb_50m: 4.00 x (goal 3) missed",
        "target t1_vs_full_365d: 0.23 x (goal 0.2) missed",
        "target t1_growth_with_history: 1.17 x (goal 1.2) met",
    ]   # no 2M-user scale ran: no line for it

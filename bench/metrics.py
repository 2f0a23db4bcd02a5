"""Spark's own numbers for a measured stage: its REST API and the driver's /proc entry.

Each measured stage runs under a job group (``sc.setJobGroup``); afterwards the jobs of
that group give their stage ids, and the stage list gives shuffle read/write and the
memory/disk spill of each. The driver JVM's peak resident memory is VmHWM of its /proc
status, reset before each stage (writing 5 to clear_refs), so every stage has its own
peak; the JVM's peak heap comes from the executors endpoint (the driver's
peakMemoryMetrics). The skew of a stage is its longest task over its median task, from
the stage's taskSummary.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession


def fetch_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


STAGE_SUMS = ("shuffleReadBytes", "shuffleWriteBytes", "memoryBytesSpilled",
              "diskBytesSpilled", "inputBytes", "outputBytes", "executorRunTime")


@dataclass
class Measured:
    """One measured stage: its wall time and Spark's metrics for the jobs it ran."""

    name: str
    seconds: float
    events: int
    peak_rss_mb: float | None = None
    metrics: dict[str, int] = field(default_factory=dict)
    skew: float | None = None            # max / median task duration of the biggest stage
    biggest_stage: int | None = None
    error: str | None = None             # the stage failed: its time is not a measure

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "seconds": self.seconds, "events": self.events,
                "events_per_s": self.events_per_s, "peak_rss_mb": self.peak_rss_mb,
                "skew": self.skew, "biggest_stage": self.biggest_stage, "error": self.error,
                **self.metrics}


class SparkRest:
    """The driver's monitoring REST API (spark.ui.enabled, bound to 127.0.0.1)."""

    def __init__(self, base_url: str, application_id: str,
                 fetch: Callable[[str], Any] | None = None) -> None:
        self.base = f"{base_url.rstrip('/')}/api/v1/applications/{application_id}"
        self.fetch = fetch or fetch_json

    @classmethod
    def of(cls, spark: SparkSession) -> SparkRest | None:
        """The session's API, or None when its UI is off (then stages get no metrics)."""
        sc = spark.sparkContext
        return cls(sc.uiWebUrl, sc.applicationId) if sc.uiWebUrl else None

    def get(self, path: str) -> Any:
        return self.fetch(f"{self.base}{path}")

    def group_jobs(self, group: str) -> list[dict[str, Any]]:
        return [j for j in self.get("/jobs") if j.get("jobGroup") == group]

    def settled_jobs(self, group: str, timeout_s: float = 20.0) -> list[dict[str, Any]]:
        """The group's jobs once the listener has recorded all of them as finished."""
        deadline = time.monotonic() + timeout_s
        jobs = self.group_jobs(group)
        while time.monotonic() < deadline:
            if all(j["status"] != "RUNNING" for j in jobs):
                break
            time.sleep(0.5)
            jobs = self.group_jobs(group)
        return jobs

    def stages_of(self, group: str) -> list[dict[str, Any]]:
        ids = {s for job in self.settled_jobs(group) for s in job.get("stageIds", [])}
        return [s for s in self.get("/stages?status=complete") if s["stageId"] in ids]

    def task_skew(self, stage: dict[str, Any]) -> float | None:
        summary = self.get(f"/stages/{stage['stageId']}/{stage['attemptId']}/taskSummary"
                           "?quantiles=0.5,1.0")
        median, longest = summary["duration"]
        return longest / median if median else None

    def driver_peak_heap_mb(self) -> float | None:
        for executor in self.get("/executors"):
            if executor["id"] == "driver":
                peak = executor.get("peakMemoryMetrics") or {}
                heap = peak.get("JVMHeapMemory")
                return heap / 2**20 if heap is not None else None
        return None


def stage_sums(stages: list[dict[str, Any]]) -> dict[str, int]:
    sums = {key: sum(int(s.get(key, 0)) for s in stages) for key in STAGE_SUMS}
    sums["spillBytes"] = sums["memoryBytesSpilled"] + sums["diskBytesSpilled"]
    sums["stages"] = len(stages)
    sums["tasks"] = sum(int(s.get("numCompleteTasks", 0)) for s in stages)
    return sums


def jvm_pid(spark: SparkSession) -> int:
    return int(spark.sparkContext._jvm.java.lang.management.ManagementFactory
               .getRuntimeMXBean().getPid())


def reset_peak_rss(pid: int) -> None:
    """Start a new peak: VmHWM becomes the current resident size (Linux clear_refs 5)."""
    with suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def describe(result: Measured, rest: SparkRest, stages: list[dict[str, Any]]) -> None:
    """Adds the stages' sums and the skew of the biggest one (by executor run time)."""
    result.metrics = stage_sums(stages)
    if stages:
        biggest = max(stages, key=lambda s: int(s.get("executorRunTime", 0)))
        result.biggest_stage = int(biggest["stageId"])
        if int(biggest.get("numCompleteTasks", 0)) > 1:
            result.skew = rest.task_skew(biggest)


class Meter:
    """Runs a callable as a measured stage and keeps what it measured, in order."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        self.rest = SparkRest.of(spark)
        self.pid = jvm_pid(spark)
        self.measured: list[Measured] = []

    def measure(self, name: str, events: int, action: Callable[[], object]) -> Measured:
        sc = self.spark.sparkContext
        group = f"bench-{len(self.measured)}-{name}"
        sc.setJobGroup(group, f"bench stage {name}", interruptOnCancel=False)
        reset_peak_rss(self.pid)
        started = time.perf_counter()
        error = None
        try:
            action()
        except Exception as failure:  # noqa: BLE001  one failed stage must not lose the rest
            error = f"{type(failure).__name__}: {str(failure)[:300]}"
            print(f"  {name} FAILED: {error}", flush=True)
        finally:
            seconds = time.perf_counter() - started
            sc.setLocalProperty("spark.jobGroup.id", None)
            sc.setLocalProperty("spark.job.description", None)
        result = Measured(name, seconds, events, peak_rss_mb(self.pid), error=error)
        if self.rest is not None:
            describe(result, self.rest, self.rest.stages_of(group))
        self.measured.append(result)
        print(f"  {name}: {seconds:.1f} s, {result.metrics.get('stages', 0)} Spark stages",
              flush=True)
        return result

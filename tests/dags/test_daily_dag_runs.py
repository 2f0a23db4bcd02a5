"""Airflow itself runs segmentation_daily: the local Airflow `make airflow` starts, a run
triggered through its REST API the way the UI triggers it, each of its four tasks a real
spark-submit of jobs/pipeline/main.py and dist/jobs.zip. It re-runs D, a date already
published, on a copy of the published world (tests/worlds.py: the in-process T+1 runs up
to D), as an operator re-triggers a date from the UI: every table the run writes gets a
commit of this run and comes out row for row as it was. A re-run of a published date
changes nothing, and what four spark-submits under Airflow write is what the in-process
pipeline wrote."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from chispa import assert_df_equality
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from jobs.common.cli import default_run_id
from jobs.common.delta import read_table
from jobs.profile.schemas import USER_PROFILE
from jobs.quality.targets import GOLD_TABLES
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.schemas import SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.state.schemas import USER_STATE
from tests.dags.conftest import (
    KEY_HEX,
    REPO,
    RUN_LOCAL,
    SNAPSHOT,
    airflow_env,
    free_port,
    stop_group,
)

import segmentation_settings as settings

# Idle 2-core machine: about 9 minutes for the re-run (4 spark-submits; a first run of D
# took 7, and 12 when every stage was a spark-submit of its own).
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(3600)]
# The tables the run of D writes, each to come out as the in-process run left it.
REWRITTEN = (*GOLD_TABLES, USER_STATE, USER_DAILY)
ADMIN = {"username": "admin", "password": "admin"}
# Each task is a short spark-submit over tiny data: the client compiler and the serial
# collector start faster (about 10-15 % per application here). Not for the long-lived
# test JVM, whose LDA and k-means need the optimising compiler.
SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# The families every user of the small data set can fall into.
CORE_FAMILIES = {"behaviour", "attributes", "consumption", "rfm", "lifecycle", "scene"}


def job_env(home: Path, lakehouse: Path, **extra: str) -> dict[str, str]:
    """Airflow's environment: the jobs' lakehouse, conf env and key come from the worker."""
    return airflow_env(home, LAKEHOUSE_ROOT=str(lakehouse), SEG_ENV="test",
                       SEG_DRIVER_MEMORY="2g", SEG_PSEUDONYM_KEY=KEY_HEX,
                       SPARK_SUBMIT_OPTS=SHORT_LIVED_JVM, **extra)


def gold_of(spark, root: Path, spec):
    table = read_table(spark, spec, str(root))
    for column in ("snapshot_date", "state_date", "activity_date"):
        if column in table.columns:
            return table.filter(F.col(column) == SNAPSHOT)
    raise AssertionError(f"{spec.name}: no date column")


def assert_published(spark, root: Path) -> None:
    """Gold holds snapshot D with every family's segments, the summary matching membership."""
    summary = gold_of(spark, root, SEGMENT_SUMMARY)
    membership = gold_of(spark, root, SEGMENT_MEMBERSHIP)
    families = {r["family"] for r in summary.select("family").distinct().collect()}
    assert CORE_FAMILIES <= families <= set(settings.FAMILIES), families
    counted = membership.groupBy("family", "segment").agg(F.count(F.lit(1)).alias("members"))
    k = 10  # privacy.k_anonymity.k of conf/base.yaml: smaller segments suppressed
    published = summary.filter(~F.col("suppressed")).select("family", "segment", "members")
    assert_df_equality(counted.filter(F.col("members") >= k), published,
                       ignore_row_order=True, ignore_nullable=True,
                       ignore_metadata=True)  # gold's columns carry comments
    assert summary.filter(F.col("suppressed")).count() == counted.filter(
        F.col("members") < k).count()
    users = gold_of(spark, root, USER_PROFILE).count()
    assert users > 0
    lifecycle = ("new", "churned", "declining", "mature", "growing")
    stages = membership.filter(F.col("family") == "lifecycle").filter(
        F.col("segment").isin(*lifecycle)).count()
    assert stages == users  # first match wins: every user holds exactly one stage


class Api:
    """Airflow's public REST API (v2) as the UI calls it, with a simple-auth-manager token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token: str | None = None

    def call(self, method: str, path: str, body: object = None) -> tuple[int, object]:
        headers = {"Content-Type": "application/json", "Referer": f"{self.base}/"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        try:
            return status, json.loads(text or b"null")
        except ValueError:
            return status, text.decode(errors="replace")

    def login(self, credentials: dict[str, str]) -> None:
        status, body = self.call("POST", "/auth/token", credentials)
        assert status == 201, (status, body)
        self.token = body["access_token"]


def wait_for(what: str, check, timeout: float, process: subprocess.Popen, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"infra/airflow/run-local exited:\n{log.read_text()[-5000:]}"
        if result := check():
            return result
        time.sleep(3)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-5000:]}")


def scheduler_and_dags_ready(api: Api) -> bool:
    try:
        status, health = api.call("GET", "/api/v2/monitor/health")
    except OSError:  # not listening yet
        return False
    return status == 200 and all(health.get(part, {}).get("status") == "healthy"
                                 for part in ("metadatabase", "scheduler", "dag_processor"))


def failure_report(api: Api, run_id: str) -> str:
    """The failed tasks' log tails, for the assertion message."""
    _, tis = api.call("GET", f"/api/v2/dags/segmentation_daily/dagRuns/{run_id}/taskInstances")
    lines = [f"{t['task_id']}: {t['state']}" for t in tis["task_instances"]]
    for ti in tis["task_instances"]:
        if ti["state"] == "failed":
            _, log = api.call("GET", f"/api/v2/dags/segmentation_daily/dagRuns/{run_id}/"
                                     f"taskInstances/{ti['task_id']}/logs/{ti['try_number']}")
            lines.append(json.dumps(log)[-4000:])
    return "\n".join(lines)


@pytest.fixture
def run_root(published) -> Path:
    """A copy of the published world: D published by the in-process pipeline."""
    return Path(published.lakehouse_root)


@pytest.fixture
def running_airflow(run_root, airflow_venv, jobs_package, tmp_path):
    """infra/airflow/run-local (what `make airflow` runs: API server, scheduler, DAG
    processor) on a free loopback port and its own SQLite home; stopped with every child."""
    port = free_port()
    # No scheduled run of the real calendar's yesterday: only the runs this test triggers.
    env = job_env(tmp_path / "airflow", run_root, AIRFLOW_PORT=str(port),
                  AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False")
    log = tmp_path / "airflow.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(RUN_LOCAL)], env=env, cwd=REPO, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        api = Api(f"http://127.0.0.1:{port}")
        wait_for("the API server, scheduler and DAG processor",
                 lambda: scheduler_and_dags_ready(api), 300, process, log)
        api.login(ADMIN)  # the login run-local prints
        wait_for("segmentation_daily to be parsed",
                 lambda: api.call("GET", "/api/v2/dags/segmentation_daily")[0] == 200,
                 300, process, log)
        yield api, process, log
    finally:
        # Its home is the test's own: nothing to shut down cleanly for (the API server
        # and the scheduler took the whole default grace of 60 s to exit on SIGTERM).
        stop_group(process, grace=10)


def ui_params(**overrides) -> dict:
    """The conf the trigger form sends: every Param, as the user left or set it."""
    return {"run_date": None, "families": list(settings.FAMILIES), "full_refresh_start": None,
            "full_refresh_end": None, "fail_on_drift": False, **overrides}


def test_rest_api_trigger_with_params_runs_the_daily_dag_and_refuses_invalid_params(
        spark, run_root, running_airflow, worlds):
    api, process, log = running_airflow
    lakehouse = run_root
    runs = "/api/v2/dags/segmentation_daily/dagRuns"
    now = dt.datetime.now(dt.UTC).isoformat()

    for conf, param in ((ui_params(run_date="2026-13-45"), "run_date"),
                        (ui_params(families=["behaviour", "astrology"]), "families"),
                        (ui_params(fail_on_drift="yes"), "fail_on_drift")):
        status, body = api.call("POST", runs, {"logical_date": now, "conf": conf})
        assert status == 400, (status, body)
        assert f"Invalid input for param {param}:" in body["detail"], body

    for dag_id in ("segmentation_daily", "segmentation_bi_refresh"):
        status, body = api.call("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        assert status == 200 and body["is_paused"] is False, body
    started = time.perf_counter()
    status, run = api.call("POST", runs, {
        "logical_date": now, "note": "30 June from the trigger form",
        "conf": ui_params(run_date=SNAPSHOT.isoformat(), fail_on_drift=True)})
    assert status == 200, (status, run)
    run_id = run["dag_run_id"]

    final = wait_for("the run to finish", lambda: (
        (state := api.call("GET", f"{runs}/{run_id}")[1]["state"]) in ("success", "failed")
        and state), 3000, process, log)
    print(f"REST-triggered run: {time.perf_counter() - started:.0f} s")
    assert final == "success", failure_report(api, run_id)
    _, tis = api.call("GET", f"{runs}/{run_id}/taskInstances")
    assert {t["task_id"]: t["state"] for t in tis["task_instances"]} == \
        dict.fromkeys(settings.TASKS, "success")

    _, listed = api.call("GET", runs)
    assert [r["dag_run_id"] for r in listed["dag_runs"]] == [run_id]  # refused = never created
    query = urllib.parse.urlencode({"source_dag_id": "segmentation_daily",
                                    "source_run_id": run_id})  # run ids hold '+' and ':'
    _, events = api.call("GET", f"/api/v2/assets/events?{query}")
    published = sorted(e["name"] for e in events["asset_events"])
    assert published == sorted(settings.asset_name(t) for t in settings.GOLD_TABLES)
    _, queued = api.call("GET", "/api/v2/dags/segmentation_bi_refresh/assets/queuedEvents")
    assert queued["total_entries"] == 3, queued  # the BI refresh waits on exactly these

    assert_published(spark, lakehouse)
    # Its publish task committed to every gold table ...
    publish_run = default_run_id("pipeline", SNAPSHOT, SNAPSHOT) + ":publish"
    for spec in GOLD_TABLES:
        commits = DeltaTable.forPath(spark, spec.path(str(lakehouse))).history()
        assert commits.filter(F.col("userMetadata") == publish_run).count() == 1, spec.name
    # ... every task wrote its tables again, and what the DAG's spark-submits wrote is
    # what the in-process pipeline had written.
    in_process = worlds.root("published")
    this_run = default_run_id("pipeline", SNAPSHOT, SNAPSHOT) + ":"
    for spec in REWRITTEN:
        commits = DeltaTable.forPath(spark, spec.path(str(lakehouse))).history()
        assert commits.filter(F.col("userMetadata").startswith(this_run)).count() >= 1, \
            spec.name
        assert_df_equality(gold_of(spark, lakehouse, spec), gold_of(spark, in_process, spec),
                           ignore_row_order=True, ignore_nullable=True)

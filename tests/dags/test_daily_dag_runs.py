"""Airflow itself runs segmentation_daily on a small generated data set: once with
`airflow dags test`, once triggered through the REST API of the local Airflow `make
airflow` starts, the way the UI triggers it. Each stage is a real spark-submit of dist/jobs.zip."""

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
from pyspark.sql import functions as F

from jobs.common.delta import read_table
from jobs.demo.main import earliest_landing_date
from jobs.generate import main as generate
from jobs.pipeline import main as pipeline
from jobs.profile.schemas import USER_PROFILE
from jobs.segments.schemas import SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from tests.dags.conftest import (
    KEY_HEX,
    REPO,
    RUN_LOCAL,
    SNAPSHOT,
    airflow_env,
    free_port,
    local_env,
    stop_group,
)

import segmentation_settings as settings

# Idle 2-core machine: history 71 s, dags test 419 s, REST run 522 s; a loaded one needs more.
pytestmark = [pytest.mark.slow, pytest.mark.airflow_e2e, pytest.mark.timeout(3600)]
# Each stage costs about the same for 100 users as for 300 (JVM, Delta log, small jobs);
# 100 still put users in every core family of the assertion below.
DAG_USERS = 100
GOLD = (USER_PROFILE, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY)
ADMIN = {"username": "admin", "password": "admin"}
# Each task is a short spark-submit over tiny data: the client compiler and the serial
# collector start faster (about 10-15 % per stage here). Not for the long-lived test JVM,
# whose LDA and k-means need the optimising compiler.
SHORT_LIVED_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
# Families every user of the small data set can fall into (test_daily_vs_backfill's six).
CORE_FAMILIES = {"behaviour", "attributes", "consumption", "rfm", "lifecycle", "scene"}


@pytest.fixture(scope="module")
def lakehouse(spark, cfg, tmp_path_factory) -> Path:
    """A small data set of its own generated and its history before D loaded in-process
    (ingest, silver, rollup from the earliest landing date, as test_daily_vs_backfill
    does); D itself is left to Airflow."""
    root = tmp_path_factory.mktemp("dag-runs") / "lakehouse"
    small = cfg.with_overrides({"generator.users": DAG_USERS, "lakehouse.root": str(root)})
    generate.run(spark, small, SNAPSHOT)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SEG_PSEUDONYM_KEY", KEY_HEX)
        env.delenv("LAKEHOUSE_ROOT", raising=False)
        first = earliest_landing_date(spark, str(root), SNAPSHOT)
        pipeline.run(spark, small, first, SNAPSHOT - dt.timedelta(days=1), "history",
                     ("ingest", "silver", "rollup"))
    return root


def job_env(home: Path, lakehouse: Path, **extra: str) -> dict[str, str]:
    """Airflow's environment: the jobs' lakehouse, conf env and key come from the worker."""
    return airflow_env(home, LAKEHOUSE_ROOT=str(lakehouse), SEG_ENV="test",
                       SEG_DRIVER_MEMORY="2g", SEG_PSEUDONYM_KEY=KEY_HEX,
                       SPARK_SUBMIT_OPTS=SHORT_LIVED_JVM, **extra)


def cli_json(*command: str, env: dict[str, str]) -> list[dict]:
    """An Airflow CLI listing with ``-o json``; warnings share its stdout, the JSON is a line."""
    done = local_env("airflow", *command, "-o", "json", env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(next(line for line in reversed(done.stdout.splitlines())
                           if line.startswith("[")))


def gold_of(spark, root: Path, spec):
    return read_table(spark, spec, str(root)).filter(F.col("snapshot_date") == SNAPSHOT)


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


def test_airflow_dags_test_runs_the_daily_dag_for_one_date(spark, lakehouse, airflow_venv,
                                                           jobs_package, tmp_path):
    env = job_env(tmp_path / "airflow", lakehouse)
    migrated = local_env("airflow", "db", "migrate", env=env, timeout=600)
    assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-3000:]

    # The run of 1 July covers the day that ended then: D = 30 June (no Params given).
    log = tmp_path / "dags-test.log"
    started = time.perf_counter()
    done = local_env("airflow", "dags", "test", "segmentation_daily", "2026-07-01",
                     env=env, timeout=3000, log=log)
    print(f"airflow dags test: {time.perf_counter() - started:.0f} s")
    assert done.returncode == 0, log.read_text()[-6000:]

    runs = cli_json("dags", "list-runs", "segmentation_daily", env=env)
    assert [r["state"] for r in runs] == ["success"]
    states = cli_json("tasks", "states-for-dag-run", "segmentation_daily", runs[0]["run_id"],
                      env=env)
    assert {s["task_id"]: s["state"] for s in states} == \
        dict.fromkeys(settings.STAGE_NAMES, "success")
    assert_published(spark, lakehouse)


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
def running_airflow(lakehouse, airflow_venv, jobs_package, tmp_path):
    """infra/airflow/run-local (what `make airflow` runs: API server, scheduler, DAG
    processor) on a free loopback port and its own SQLite home; stopped with every child."""
    port = free_port()
    # No scheduled run of the real calendar's yesterday: only the runs this test triggers.
    env = job_env(tmp_path / "airflow", lakehouse, AIRFLOW_PORT=str(port),
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
        stop_group(process)


def ui_params(**overrides) -> dict:
    """The conf the trigger form sends: every Param, as the user left or set it."""
    return {"run_date": None, "families": list(settings.FAMILIES), "full_refresh_start": None,
            "full_refresh_end": None, "fail_on_drift": False, **overrides}


def test_rest_api_trigger_with_params_runs_the_daily_dag_and_refuses_invalid_params(
        spark, lakehouse, running_airflow):
    api, process, log = running_airflow
    runs = "/api/v2/dags/segmentation_daily/dagRuns"
    now = dt.datetime.now(dt.UTC).isoformat()
    before = {spec.name: gold_of(spark, lakehouse, spec).collect() for spec in GOLD
              if (lakehouse / "gold" / spec.name).exists()}  # published by the test above

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
        "logical_date": now, "note": "re-run of 30 June from the trigger form",
        "conf": ui_params(run_date=SNAPSHOT.isoformat(), fail_on_drift=True)})
    assert status == 200, (status, run)
    run_id = run["dag_run_id"]

    final = wait_for("the run to finish", lambda: (
        (state := api.call("GET", f"{runs}/{run_id}")[1]["state"]) in ("success", "failed")
        and state), 3000, process, log)
    print(f"REST-triggered run: {time.perf_counter() - started:.0f} s")
    assert final == "success", failure_report(api, run_id)

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
    for spec in GOLD:  # a re-run of a published date changes nothing
        if spec.name not in before:
            continue
        again = gold_of(spark, lakehouse, spec)
        assert_df_equality(again, spark.createDataFrame(before[spec.name], again.schema),
                           ignore_row_order=True, ignore_nullable=True)

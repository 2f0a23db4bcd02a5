"""DAG integrity: dags/ loads in Airflow's DagBag (in .venv-airflow) without errors, fast,
without Spark or Great Expectations, and every DAG carries tags, retries and docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dags.conftest import REPO, airflow_env, local_env

import segmentation_settings as settings

pytestmark = pytest.mark.unit

PROBE = Path(__file__).with_name("dagbag_probe.py")
DAGS = REPO / "dags"
# Every file of dags/ is a DAG named after it, except these plain-Python helpers: a DAG
# file added later (e.g. segmentation_erasure.py) is held to the same checks unlisted.
HELPERS = {"segmentation_settings.py"}
DAG_FILES = sorted(p.name for p in DAGS.glob("*.py") if p.name not in HELPERS)
DAG_IDS = [Path(name).stem for name in DAG_FILES]


@pytest.fixture(scope="module")
def dagbag(airflow_venv, tmp_path_factory) -> dict:
    """What Airflow's DagBag made of dags/ (see dagbag_probe.py)."""
    env = airflow_env(tmp_path_factory.mktemp("airflow-home"))
    done = local_env("python", str(PROBE), str(DAGS), env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_no_import_errors(dagbag):
    assert dagbag["import_errors"] == {}
    assert {"segmentation_daily", "segmentation_bi_refresh"} <= set(DAG_IDS)
    assert sorted(dagbag["dags"]) == sorted(DAG_IDS)  # one DAG per file, dag_id = file name


def test_each_dag_file_parses_in_under_a_second(dagbag):
    assert set(dagbag["file_seconds"]) >= set(DAG_FILES)
    slow = {f: s for f, s in dagbag["file_seconds"].items() if s >= 1.0}
    assert slow == {}


def test_no_spark_or_great_expectations_at_parse_time(dagbag):
    assert dagbag["heavy_modules"] == []


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_every_dag_has_tags_docs_retries_and_its_file_name(dagbag, dag_id):
    dag = dagbag["dags"][dag_id]
    assert Path(dag["fileloc"]).stem == dag_id
    assert dag["tags"] and "segmentation" in dag["tags"]
    assert len(dag["doc_md"].strip()) > 100
    assert dag["catchup"] is False  # deploying a DAG never starts a backfill
    assert dag["tasks"], dag_id
    for task_id, task in dag["tasks"].items():
        assert task["retries"] >= 1, task_id
        assert task["execution_timeout_s"], task_id
        assert len(task["doc_md"].strip()) > 30, task_id


def test_daily_dag_is_the_pipeline_in_four_spark_submits_one_after_the_other(dagbag):
    dag = dagbag["dags"]["segmentation_daily"]
    assert dag["max_active_runs"] == 1  # days run one after the other
    assert "Asia/Shanghai" in dag["timetable"] and "0 0 * * *" in dag["timetable"]
    tasks = list(settings.TASKS)
    assert sorted(dag["tasks"]) == sorted(tasks)
    for position, task_id in enumerate(tasks):
        task = dag["tasks"][task_id]
        assert task["operator"] == "SparkSubmitOperator"
        assert task["conn_id"] == "spark_default"
        assert task["application"] == str(REPO / "jobs" / "pipeline" / "main.py")
        assert task["upstream"] == tasks[position - 1:position], task_id
        assert task["depends_on_past"] is bool(
            {"state", "audit", "publish", "evaluate"} & set(settings.TASKS[task_id]))
        assert task["execution_timeout_s"] == 60 * settings.task_timeout_minutes(task_id)
        for stage in settings.TASKS[task_id]:   # each stage's doc in its task's
            assert f"**{stage}**" in task["doc_md"], (task_id, stage)


def test_publish_emits_the_gold_assets_the_bi_refresh_is_scheduled_on(dagbag):
    gold = sorted(f"segmentation.gold.{t}"
                  for t in ("user_profile", "segment_membership", "segment_summary"))
    tasks = dagbag["dags"]["segmentation_daily"]["tasks"]
    assert {t: v["outlets"] for t, v in tasks.items() if v["outlets"]} == \
        {"audit_and_publish": gold}
    bi = dagbag["dags"]["segmentation_bi_refresh"]
    assert all(name in bi["timetable"] for name in gold), bi["timetable"]


def test_params_refuse_invalid_values_naming_the_param(dagbag):
    dag = dagbag["dags"]["segmentation_daily"]
    assert dag["params"] == sorted(["run_date", "families", "full_refresh_start",
                                    "full_refresh_end", "fail_on_drift"])
    assert dag["valid_params"] == {"defaults": None, "a_date_and_two_families": None,
                                   "a_range": None}
    refused = dag["invalid_params"]
    expected = {"run_date_not_a_date": "run_date", "run_date_not_a_string": "run_date",
                "unknown_family": "families", "no_family": "families",
                "refresh_start_not_a_date": "full_refresh_start",
                "fail_on_drift_not_a_boolean": "fail_on_drift"}
    assert set(refused) == set(expected)
    for case, param in expected.items():
        assert refused[case] and refused[case].startswith(f"Invalid input for param {param}:"), \
            (case, refused[case])


def test_erasure_dag_is_one_spark_submit_started_by_hand_with_a_file_of_ids(dagbag):
    dag = dagbag["dags"]["segmentation_erasure"]
    assert "NullTimetable" in dag["timetable"]
    assert dag["params"] == ["ids_file", "request_id"]
    (task,) = dag["tasks"].values()
    assert task["operator"] == "SparkSubmitOperator"
    assert task["conn_id"] == "spark_default"
    assert task["application"] == str(REPO / "jobs" / "erasure" / "main.py")
    assert dag["valid_params"] == {"a_path": None, "a_uri": None}
    for case, param in {"no_ids_file": "ids_file", "ids_file_relative": "ids_file",
                        "request_id_with_space": "request_id"}.items():
        refused = dag["invalid_params"][case]
        assert refused and refused.startswith(f"Invalid input for param {param}:"), \
            (case, refused)

"""dags/segmentation_settings.py: the DAG's stage list, families and time zone agree with
jobs/ and conf/, its tasks run every stage once in pipeline order, and each task's command
line follows from the run's Params and schedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jobs.pipeline import main as pipeline
from jobs.segments.transforms import BUILT_IN
from tests.dags.conftest import REPO

import segmentation_settings as settings

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date(2026, 6, 30)
# The scheduled run of D: its data interval starts at midnight of D, Asia/Shanghai.
INTERVAL_START = dt.datetime(2026, 6, 30, tzinfo=SHANGHAI)
RUN_AFTER = dt.datetime(2026, 7, 1, tzinfo=SHANGHAI)
ALL = list(settings.FAMILIES)


def args(task: str, interval_start: dt.datetime | None = INTERVAL_START,
         run_after: dt.datetime = RUN_AFTER, **params) -> list[str]:
    params = {"families": ALL, "fail_on_drift": False, **params}
    return settings.task_args(task, params, interval_start, run_after, env="test")


def test_the_dag_runs_every_pipeline_stage_in_pipeline_order():
    assert tuple(pipeline.STAGES) == settings.STAGE_NAMES, (
        "jobs/pipeline/main.py STAGES changed: add the stage to STAGES in "
        "dags/segmentation_settings.py (timeout and doc) in the same order")
    for stage in settings.STAGE_NAMES:
        assert (REPO / "jobs" / stage / "main.py").is_file(), stage
    assert set(settings.STAGE_NAMES) >= settings.DATE_ORDERED


def test_the_tasks_run_every_stage_once_in_pipeline_order():
    """The tasks, one after the other, are the pipeline cut into consecutive pieces: the
    in-process run and the DAG run the same stages in the same order."""
    assert sum(settings.TASKS.values(), ()) == settings.STAGE_NAMES
    assert all(settings.TASKS.values())
    ordered = {"state_to_segments", "audit_and_publish", "rules_to_maintain"}
    assert ordered == settings.TASKS_DATE_ORDERED
    assert settings.task_timeout_minutes("audit_and_publish") == 60 + 30


def test_families_are_the_segment_engines(cfg):
    assert set(settings.FAMILIES) == set(BUILT_IN)
    assert len(settings.FAMILIES) == len(set(settings.FAMILIES))


def test_business_time_zone_is_the_confs(cfg):
    assert cfg.get("business.timezone") == settings.BUSINESS_TIMEZONE


def test_paths_are_derived_from_the_repository_without_io():
    assert str(REPO) == settings.SEG_HOME
    assert settings.application("segments") == str(REPO / "jobs" / "segments" / "main.py")
    assert str(REPO / "dist" / "jobs.zip") == settings.PY_FILES
    assert str(REPO / "conf") == settings.CONF_DIR


def test_a_scheduled_run_processes_the_day_its_interval_covers():
    assert args("ingest_to_rollup") == [
        "--run-date", "2026-06-30", "--stages", "ingest,quality,silver,rollup",
        "--env", "test", "--conf-dir", str(REPO / "conf")]
    # the interval start as Airflow passes it, in UTC: still 30 June in Shanghai
    assert args("ingest_to_rollup", interval_start=INTERVAL_START.astimezone(dt.UTC))[:2] == \
        ["--run-date", "2026-06-30"]


def test_a_run_without_interval_processes_the_last_day_that_ended_before_it():
    one_am = dt.datetime(2026, 6, 30, 17, 0, tzinfo=dt.UTC)  # 1 July 01:00 in Shanghai
    assert args("ingest_to_rollup", interval_start=None, run_after=one_am)[:2] == \
        ["--run-date", "2026-06-30"]


def test_run_date_param_wins_over_the_schedule():
    assert args("state_to_segments", run_date="2026-05-31")[:2] == ["--run-date", "2026-05-31"]


def test_full_refresh_runs_a_range_ending_on_the_run_date_by_default():
    assert args("ingest_to_rollup", full_refresh_start="2026-06-01",
                full_refresh_end="2026-06-30")[:4] == \
        ["--start-date", "2026-06-01", "--end-date", "2026-06-30"]
    assert args("ingest_to_rollup", run_date="2026-06-20", full_refresh_start="2026-06-01")[:4] == \
        ["--start-date", "2026-06-01", "--end-date", "2026-06-20"]


@pytest.mark.parametrize(("params", "message"), [
    ({"full_refresh_start": "2026-06-30", "full_refresh_end": "2026-06-01"}, "is before"),
    ({"full_refresh_end": "2026-06-30"}, "full_refresh_start is not"),
])
def test_an_inconsistent_range_is_refused_before_any_job_starts(params, message):
    with pytest.raises(settings.RunParamsError, match=message):
        args("ingest_to_rollup", **params)


def test_families_reach_the_segments_task_only_and_in_catalogue_order():
    assert args("state_to_segments", families=["rfm", "behaviour"])[-2:] == \
        ["--families", "behaviour,rfm"]
    assert "--families" not in args("state_to_segments")
    assert "--families" not in args("ingest_to_rollup", families=["rfm"])


def test_fail_on_drift_reaches_the_audit_task_only():
    assert args("audit_and_publish", fail_on_drift=True)[-1] == "--fail-on-drift"
    assert "--fail-on-drift" not in args("audit_and_publish")
    assert "--fail-on-drift" not in args("rules_to_maintain", fail_on_drift=True)


def test_asset_uris_point_at_the_gold_tables():
    assert settings.asset_name("segment_summary") == "segmentation.gold.segment_summary"
    assert settings.asset_uri("segment_summary") == \
        f"file://{settings.LAKEHOUSE_ROOT}/gold/segment_summary"

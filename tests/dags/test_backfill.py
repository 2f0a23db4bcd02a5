"""Airflow's own backfill of a date range makes one run per business day, that day's run."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.dags.conftest import airflow_env, local_env

import segmentation_settings as settings

pytestmark = pytest.mark.e2e

LOGICAL_DATE = re.compile(r"\|\s*(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d:\d\d)\s*\|")


@pytest.mark.timeout(600)
def test_backfill_of_a_range_creates_one_run_per_business_day(airflow_venv, tmp_path):
    env = airflow_env(tmp_path / "airflow")
    for command in (("db", "migrate"), ("dags", "reserialize")):
        done = local_env("airflow", *command, env=env, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    # The command the README gives; dates typed as business days (Asia/Shanghai).
    done = local_env("airflow", "backfill", "create", "--dag-id", "segmentation_daily",
                     "--from-date", "2026-06-01", "--to-date", "2026-06-03",
                     "--reprocess-behavior", "completed", "--max-active-runs", "1",
                     "--dry-run", env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    logical = [dt.datetime.fromisoformat(m) for m in LOGICAL_DATE.findall(done.stdout)]
    # A backfill run's data interval starts at its logical date: the day it processes.
    days = [settings.scheduled_date(start, run_after=start) for start in logical]
    assert days == [dt.date(2026, 6, 1), dt.date(2026, 6, 2), dt.date(2026, 6, 3)]


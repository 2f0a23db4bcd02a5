"""Airflow-side fixtures. Airflow lives in .venv-airflow, these tests in the Spark .venv:
everything Airflow does here runs in a subprocess through infra/airflow/local-env, the same
settings `make airflow` uses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import KEY_HEX, SNAPSHOT, generated, small_cfg  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
LOCAL_ENV = REPO / "infra" / "airflow" / "local-env"
AIRFLOW_VENV = REPO / ".venv-airflow"
sys.path.insert(0, str(REPO / "dags"))  # segmentation_settings: plain Python, no Airflow


@pytest.fixture(scope="session")
def airflow_venv() -> Path:
    """The Airflow virtualenv (`make airflow-setup`, a prerequisite of `make test`)."""
    if not (AIRFLOW_VENV / ".installed").is_file():
        message = "no .venv-airflow: run `make airflow-setup` (`make test` does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AIRFLOW_VENV


@pytest.fixture(scope="session")
def jobs_package() -> Path:
    """dist/jobs.zip, the package every spark-submit of the DAG ships (`make package`)."""
    subprocess.run(["make", "-s", "package"], cwd=REPO, check=True, timeout=300)
    return REPO / "dist" / "jobs.zip"


def airflow_env(home: Path, **settings: str) -> dict[str, str]:
    """This process's environment minus any Airflow or PySpark-gateway settings, plus ours."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("AIRFLOW", "PYSPARK_GATEWAY", "LAKEHOUSE_ROOT"))}
    env.update({"AIRFLOW_HOME": str(home), **settings})
    return env


def local_env(*command: str, env: dict[str, str], timeout: float,
              log: Path | None = None) -> subprocess.CompletedProcess:
    """Run a command under infra/airflow/local-env; output captured, or written to ``log``."""
    if log is None:
        return subprocess.run([str(LOCAL_ENV), *command], env=env, cwd=REPO, timeout=timeout,
                              capture_output=True, text=True)
    with log.open("w") as out:
        return subprocess.run([str(LOCAL_ENV), *command], env=env, cwd=REPO, timeout=timeout,
                              stdout=out, stderr=subprocess.STDOUT, text=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

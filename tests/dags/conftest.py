"""Airflow-side fixtures. Airflow lives in .venv-airflow, these tests in the Spark .venv:
everything Airflow does here runs in a subprocess through infra/airflow/local-env, the same
settings `make airflow` uses."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.worlds import KEY_HEX, SNAPSHOT, locked  # noqa: F401  (re-exported)

REPO = Path(__file__).resolve().parents[2]
LOCAL_ENV = REPO / "infra" / "airflow" / "local-env"
RUN_LOCAL = REPO / "infra" / "airflow" / "run-local"
AIRFLOW_VENV = REPO / ".venv-airflow"
sys.path.insert(0, str(REPO / "dags"))  # segmentation_settings: plain Python, no Airflow


@pytest.fixture(scope="session")
def airflow_venv() -> Path:
    """The Airflow virtualenv, set up by the first test that needs it (`make airflow-setup`,
    under a lock the xdist workers share): a run without an Airflow test never pays for it."""
    with locked(REPO / ".venv-airflow.lock"):
        if not (AIRFLOW_VENV / ".installed").is_file():
            done = subprocess.run(["make", "-s", "airflow-setup"], cwd=REPO, text=True,
                                  capture_output=True, timeout=1200)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
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
    """Run a command under infra/airflow/local-env; output captured, or written to ``log``.
    On a timeout the whole process group goes (spark-submit JVMs included)."""
    with (log.open("w") if log else open(os.devnull, "w")) as sink:
        process = subprocess.Popen([str(LOCAL_ENV), *command], env=env, cwd=REPO, text=True,
                                   stdout=sink if log else subprocess.PIPE,
                                   stderr=subprocess.STDOUT if log else subprocess.PIPE,
                                   start_new_session=True)
        try:
            out, err = process.communicate(timeout=timeout)
        except BaseException:
            stop_group(process)
            raise
    return subprocess.CompletedProcess(process.args, process.returncode, out or "", err or "")


def stop_group(process: subprocess.Popen, grace: float = 60) -> None:
    """SIGTERM to the process group started with the process, SIGKILL after ``grace`` s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]

"""A job's Python logging: the project's INFO lines shown, the libraries' INFO lines not
(Great Expectations alone printed hundreds per quality stage)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PROBE = """
import logging
from jobs.common.cli import configure_logging
configure_logging()
logging.getLogger("jobs.ingest").info("progress line")
logging.getLogger("great_expectations._docs_decorators").info("library chatter")
logging.getLogger("great_expectations.core").warning("library warning")
"""


def test_jobs_log_info_and_libraries_only_warnings():
    # A fresh interpreter: a job's root logger has no handlers yet (pytest's has).
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         cwd=REPO, check=True, timeout=60).stdout
    assert "INFO jobs.ingest: progress line" in out
    assert "WARNING great_expectations.core: library warning" in out
    assert "library chatter" not in out

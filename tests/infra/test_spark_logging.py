"""Spark's own INFO lines stay out of a spark-submit's output (conf/spark/log4j2.properties,
found through SPARK_CONF_DIR as the Makefile exports it): what a person sees is the jobs'
progress, WARN and above."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
APP = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("logging").getOrCreate()
print("rows", spark.range(10).count())
"""


def stderr_of(tmp_path: Path, conf_dir: str | None) -> list[str]:
    """The application's stderr lines (its stdout checked), with or without the conf dir."""
    app = tmp_path / "app.py"
    app.write_text(APP)
    env = {k: v for k, v in os.environ.items() if k != "SPARK_CONF_DIR"}
    env |= {"PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_IP": "127.0.0.1"}
    env |= {"SPARK_CONF_DIR": conf_dir} if conf_dir else {}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "spark-submit"), "--master", "local[1]",
         "--conf", "spark.ui.enabled=false", str(app)],
        capture_output=True, text=True, timeout=300, check=True, env=env)
    assert "rows 10" in done.stdout
    return done.stderr.splitlines()


def test_spark_submit_with_the_project_conf_dir_logs_no_info(tmp_path):
    quiet = stderr_of(tmp_path, str(REPO / "conf/spark"))
    assert [line for line in quiet if " INFO " in line] == []
    # The same application without it: Spark's default is INFO, so the check can fail.
    assert any(" INFO " in line for line in stderr_of(tmp_path, None))

"""One session-scoped Spark (local, UI off, few shuffle partitions, Delta enabled)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from jobs.common.config import Config, load_config
from jobs.common.spark import build_spark

# An xdist worker's __main__ has neither __spec__ nor __file__; pyspark.sql.connect (which
# Great Expectations imports) takes that for a doctest run and calls sys.exit(0) when
# grpc is absent. Name the worker's main module so that imports behave as under pytest.
if getattr(sys.modules["__main__"], "__spec__", None) is None and not hasattr(
        sys.modules["__main__"], "__file__"):
    sys.modules["__main__"].__file__ = "pytest-xdist-worker"

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("SEG_JARS_DIR", str(REPO / "jars"))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def cfg() -> Config:
    return load_config("test", REPO / "conf")


@pytest.fixture(scope="session")
def spark(cfg: Config) -> SparkSession:
    session = build_spark(cfg, "tests")
    yield session
    session.stop()


@pytest.fixture
def root(tmp_path: Path) -> str:
    """A fresh lakehouse root per test."""
    return str(tmp_path / "lakehouse")


# The longest files first: `make test` runs two workers a file at a time (xdist
# --dist loadfile), and a long file picked up last would leave one worker alone at the end.
LONGEST_FIRST = (
    "tests/dags/test_daily_dag_runs.py",
    "tests/integration/test_daily_vs_backfill.py",
    "tests/integration/test_quality_gates.py",
    "tests/privacy/test_erasure.py",
    "tests/cluster/test_standalone.py",
    "tests/integration/test_ingest_twice.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the rest keep their order

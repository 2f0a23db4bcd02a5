"""One session-scoped Spark (local, UI off, few shuffle partitions, Delta enabled), the
shared lakehouse worlds (tests/worlds.py) and the test tiers.

Every test belongs to exactly one tier, marked on its module or on the test:

    unit    no Delta writes: transforms, suites, conf, DAG settings, rendered manifests
    stage   one stage's run (a few at most) on a copy of a world or on hand-built tables
    e2e     whole pipeline runs, spark-submit processes, Airflow, the standalone cluster,
            Chromium

`make test` runs them in that order, so a broken unit fails within minutes; `make
test-fast` runs unit and stage.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from jobs.common.config import Config, load_config
from jobs.common.spark import build_spark
from tests.worlds import KEY_HEX, WORLDS, Worlds, build_times, world_cfg

# An xdist worker's __main__ has neither __spec__ nor __file__; pyspark.sql.connect (which
# Great Expectations imports) takes that for a doctest run and calls sys.exit(0) when
# grpc is absent. Name the worker's main module so that imports behave as under pytest.
if getattr(sys.modules["__main__"], "__spec__", None) is None and not hasattr(
        sys.modules["__main__"], "__file__"):
    sys.modules["__main__"].__file__ = "pytest-xdist-worker"

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("SEG_JARS_DIR", str(REPO / "jars"))
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

TIERS = ("unit", "stage", "e2e")
# Fixtures that hand a test a lakehouse to write to: never in the unit tier.
LAKEHOUSE_FIXTURES = {"root", "lakehouse", "worlds", "published_world", *WORLDS}


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


def worlds_folder(factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """$SEG_TEST_WORLDS (`make test` shares it between its tiers), else the base temp that
    every xdist worker of this run shares."""
    if os.environ.get("SEG_TEST_WORLDS"):
        return Path(os.environ["SEG_TEST_WORLDS"]).resolve()
    base = factory.getbasetemp()
    return (base if worker_id == "master" else base.parent) / "worlds"


@pytest.fixture(scope="session")
def worlds(spark, cfg: Config, tmp_path_factory, worker_id: str) -> Worlds:
    """The shared worlds, built on first use; read them only through a copy."""
    return Worlds(spark, cfg, worlds_folder(tmp_path_factory, worker_id))


@pytest.fixture(scope="session")
def generated(worlds: Worlds) -> Path:
    """Landing files of the small data set (read only)."""
    return worlds.root("generated") / "landing"


@pytest.fixture
def with_key(monkeypatch) -> None:
    """The jobs' pseudonym key in the environment and no LAKEHOUSE_ROOT of the caller's."""
    monkeypatch.setenv("SEG_PSEUDONYM_KEY", KEY_HEX)
    monkeypatch.delenv("LAKEHOUSE_ROOT", raising=False)


@pytest.fixture
def lakehouse(generated: Path, worlds: Worlds, tmp_path: Path, with_key) -> Config:
    """A fresh lakehouse holding a copy of the generated landing files, and the key."""
    root = tmp_path / "lakehouse"
    shutil.copytree(generated, root / "landing")
    return world_cfg(worlds.cfg, root)


def world_copy(name: str):
    """The fixture ``name``: a private copy of that world in the test's tmp_path, with the
    pseudonym key set; a test may write to it."""
    def copy(worlds: Worlds, tmp_path: Path, with_key) -> Config:
        return worlds.copy(name, tmp_path / "lakehouse")
    copy.__doc__ = f"A copy of the {name} world ({WORLDS[name].doc})."
    return pytest.fixture(name=name)(copy)


ingested = world_copy("ingested")      # every landing date up to D-2 in bronze
history = world_copy("history")        # ... and in silver and user_daily
daily = world_copy("daily")            # ... and the T+1 run of D-1
published = world_copy("published")    # ... and the T+1 run of D


@pytest.fixture(scope="session")
def published_world(worlds: Worlds) -> Path:
    """The published world's own root, for tests that only read it."""
    return worlds.root("published")


def tier_of(item: pytest.Item) -> str:
    tiers = {m.name for m in item.iter_markers() if m.name in TIERS}
    if len(tiers) != 1:
        raise pytest.UsageError(f"{item.nodeid}: mark it with exactly one tier of "
                                f"{', '.join(TIERS)} (it has {sorted(tiers) or 'none'})")
    (tier,) = tiers
    writes = LAKEHOUSE_FIXTURES & set(getattr(item, "fixturenames", ()))
    if tier == "unit" and writes:
        raise pytest.UsageError(f"{item.nodeid}: a unit test writes no lakehouse, but it "
                                f"uses {', '.join(sorted(writes))}: mark it stage")
    return tier


def world_depth(item: pytest.Item) -> int:
    """How deep a world the test needs up front (0: none); lazily built worlds don't count."""
    names = {name.removesuffix("_world") for name in getattr(item, "fixturenames", ())}
    depth = 0
    for name in names & set(WORLDS):
        world, level = WORLDS[name], 1
        while world.parent:
            world, level = WORLDS[world.parent], level + 1
        depth = max(depth, level)
    return depth + ("lakehouse" in names)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Check every test's tier; order the files so that the ones needing no world or a
    shallow one come first: they run while another worker builds the deeper worlds.
    Files that build the worlds on purpose (tests/test_worlds.py) go before everything.
    Among the files that need no world, those that need Airflow's virtualenv go last:
    `make test` installs it in the background while the unit tier runs, and a worker
    waiting for it early sat idle for a minute and a half."""
    for item in items:
        tier_of(item)
    order: dict[str, tuple[int, bool]] = {}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        builds = Path(path).name == "test_worlds.py"
        depth = -1 if builds else max(order.get(path, (0, False))[0], world_depth(item))
        airflow = order.get(path, (0, False))[1] or "airflow_venv" in getattr(
            item, "fixturenames", ())
        order[path] = (depth, airflow and depth == 0)
    items.sort(key=lambda item: order[item.nodeid.split("::", 1)[0]])  # stable


@pytest.fixture(autouse=True)
def unit_tests_write_no_delta(request):
    """A unit test leaves no Delta table behind in its temp folder."""
    checked = request.node.get_closest_marker("unit") and "tmp_path" in request.fixturenames
    # Asked for first, so that the folder is still there when this fixture finishes.
    tmp = request.getfixturevalue("tmp_path") if checked else None
    yield
    if tmp is not None:
        logs = sorted(str(p.parent.relative_to(tmp)) for p in tmp.rglob("_delta_log"))
        assert not logs, f"a unit test wrote Delta tables ({', '.join(logs)}): mark it stage"


def pytest_terminal_summary(terminalreporter, config) -> None:
    """Which worlds this run built, and in how long."""
    folder = os.environ.get("SEG_TEST_WORLDS")
    if not folder or not Path(folder).is_dir():
        return
    times = build_times(Path(folder))
    if times:
        terminalreporter.write_line("worlds built: " + ", ".join(
            f"{name} {seconds:.0f} s" for name, seconds in times))

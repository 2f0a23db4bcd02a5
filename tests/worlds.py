"""Lakehouses built once per test run and copied into each test that writes.

A world is a recipe: the world it starts from and the pipeline steps that lead on from
there. The expensive ones (a generated data set, its history loaded, a day published)
would otherwise be rebuilt by every test that needs them.

    generated   landing files of the small data set (300 users, snapshot D)
    ingested    + ingest of every landing date up to D-2
    history     + quality, silver, rollup of those dates
    daily       + the T+1 run of D-1, every stage
    published   + the T+1 run of D, every stage

Worlds live in one folder that every pytest process of a run shares: the xdist workers
and the tiers `make test` runs one after the other ($SEG_TEST_WORLDS; without it, the
run's shared base temp). The first process that needs a world builds it under a file
lock; the others wait, then read it. A world is never written after it is built: a test
takes a copy (``copy_world``). The folder's name holds a hash of the code and conf the
world was built from, so a world built by older code is never read.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from jobs.common.config import Config
from jobs.demo.main import earliest_landing_date
from jobs.generate import main as generate
from jobs.pipeline import main as pipeline

REPO = Path(__file__).resolve().parents[1]
SNAPSHOT = dt.date(2026, 6, 30)
DAY_BEFORE = SNAPSHOT - dt.timedelta(days=1)
# The worlds' pseudonym key: no run of repeated bytes, so that a search of a run's files for
# its spellings (tests/secret_scan.py) cannot match padding or Parquet levels by chance.
KEY_HEX = "69acdf546f01b6ce34a726d79a1631dfa267f16adb176cb19a75514ab842d601"
USERS = 300
HISTORY_STAGES = ("quality", "silver", "rollup")    # after the ingest of the same range
# What a world's content follows from: a change to any of these builds the worlds anew.
SOURCES = ("jobs", "conf", "expectations", "tests/worlds.py")


@dataclass(frozen=True)
class World:
    name: str
    parent: str | None
    build: Callable[[SparkSession, Config], None]
    doc: str


def _generate(spark: SparkSession, cfg: Config) -> None:
    generate.run(spark, cfg, SNAPSHOT)


def _history_part(stages: tuple[str, ...]) -> Callable[[SparkSession, Config], None]:
    """Stages of the one history run (run id "history") over every landing date up to
    D-2; the ingest and the rest are two worlds, the same rows as one run of all four."""
    def run(spark: SparkSession, cfg: Config) -> None:
        first = earliest_landing_date(spark, cfg.lakehouse_root, SNAPSHOT)
        last = DAY_BEFORE - dt.timedelta(days=1)
        pipeline.run(spark, cfg, first, last, "history", stages)
    return run


def _daily(day: dt.date) -> Callable[[SparkSession, Config], None]:
    def run(spark: SparkSession, cfg: Config) -> None:
        pipeline.run(spark, cfg, day, day, f"daily-{day}")
    return run


WORLDS: dict[str, World] = {w.name: w for w in (
    World("generated", None, _generate, "landing files of the small data set"),
    World("ingested", "generated", _history_part(("ingest",)),
          f"the ingest of every landing date up to {DAY_BEFORE} - 1"),
    World("history", "ingested", _history_part(HISTORY_STAGES),
          "quality, silver, rollup of the same dates"),
    World("daily", "history", _daily(DAY_BEFORE), f"the T+1 run of {DAY_BEFORE}"),
    World("published", "daily", _daily(SNAPSHOT), f"the T+1 run of {SNAPSHOT}"),
)}


@cache
def code_hash() -> str:
    digest = hashlib.sha256()
    for source in SOURCES:
        path = REPO / source
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(REPO)).encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


def world_cfg(cfg: Config, root: Path) -> Config:
    """The test conf for the small data set, with its lakehouse at ``root``."""
    return cfg.with_overrides({"generator.users": USERS, "lakehouse.root": str(root)})


@contextmanager
def pipeline_env() -> Iterator[None]:
    """The jobs' secret and no LAKEHOUSE_ROOT of the caller's, for the duration of a build."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEG_PSEUDONYM_KEY", KEY_HEX)
        patch.delenv("LAKEHOUSE_ROOT", raising=False)
        yield


@contextmanager
def locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Worlds:
    """The worlds of this run, built on first use (see the module's docstring)."""

    def __init__(self, spark: SparkSession, cfg: Config, folder: Path) -> None:
        self.spark = spark
        self.cfg = cfg
        self.folder = folder / code_hash()
        self.folder.mkdir(parents=True, exist_ok=True)

    def root(self, name: str) -> Path:
        """The world's lakehouse root, built first if no process has built it yet."""
        world = WORLDS[name]
        if world.parent:
            self.root(world.parent)
        home = self.folder / name
        done, failed = home / "built.json", self.folder / f"{name}.failed"
        if done.is_file():
            return home / "lakehouse"
        with locked(self.folder / f"{name}.lock"):
            if failed.is_file():
                pytest.fail(f"world {name!r} failed to build earlier in this run:\n"
                            + failed.read_text())
            if not done.is_file():
                self._build(world, home, done, failed)
        return home / "lakehouse"

    def _build(self, world: World, home: Path, done: Path, failed: Path) -> None:
        shutil.rmtree(home, ignore_errors=True)
        root = home / "lakehouse"
        if world.parent:
            shutil.copytree(self.folder / world.parent / "lakehouse", root, symlinks=True)
        started = time.perf_counter()
        try:
            with pipeline_env():
                world.build(self.spark, world_cfg(self.cfg, root))
        except BaseException as error:
            failed.write_text(f"{type(error).__name__}: {error}"[-5000:])
            raise
        seconds = round(time.perf_counter() - started, 1)
        print(f"\nworld {world.name} ({world.doc}) built in {seconds} s", flush=True)
        done.write_text(json.dumps({"world": world.name, "seconds": seconds,
                                    "pid": os.getpid()}))

    def copy(self, name: str, target: Path) -> Config:
        """A private copy of the world at ``target``; its conf."""
        shutil.copytree(self.root(name), target, symlinks=True)
        return world_cfg(self.cfg, target)


def build_times(folder: Path) -> list[tuple[str, float]]:
    """(world, seconds) of the worlds of this code built under ``folder`` (for the terminal
    summary; a folder kept across code changes holds the worlds of each)."""
    times = []
    for done in sorted((folder / code_hash()).glob("*/built.json")):
        record = json.loads(done.read_text())
        times.append((record["world"], record["seconds"]))
    return times

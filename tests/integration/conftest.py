"""A small generated data set, made once per session and copied into each test's lakehouse."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from jobs.common.config import Config
from jobs.generate import main as generate

SNAPSHOT = dt.date(2026, 6, 30)
KEY_HEX = "5e" * 32


@pytest.fixture(scope="session")
def small_cfg(cfg: Config, tmp_path_factory) -> Config:
    """The test conf with a few hundred users and its own lakehouse root."""
    root = tmp_path_factory.mktemp("generated") / "lakehouse"
    return cfg.with_overrides({"generator.users": 300, "lakehouse.root": str(root)})


@pytest.fixture(scope="session")
def generated(spark, small_cfg: Config) -> Path:
    """Landing files of the small data set (generated once)."""
    generate.run(spark, small_cfg, SNAPSHOT)
    return Path(small_cfg.get("lakehouse.root")) / "landing"


@pytest.fixture
def lakehouse(generated: Path, small_cfg: Config, tmp_path: Path, monkeypatch) -> Config:
    """A fresh lakehouse holding a copy of the generated landing files, and a pseudonym key."""
    root = tmp_path / "lakehouse"
    shutil.copytree(generated, root / "landing")
    monkeypatch.setenv("SEG_PSEUDONYM_KEY", KEY_HEX)
    monkeypatch.delenv("LAKEHOUSE_ROOT", raising=False)
    return small_cfg.with_overrides({"lakehouse.root": str(root)})

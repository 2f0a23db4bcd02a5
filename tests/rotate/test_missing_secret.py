"""Every job that keys data from bronze stops without its secret, before reading anything."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import jobs
from jobs.common import cli

pytestmark = pytest.mark.unit

CONF = str(Path(__file__).resolve().parents[2] / "conf")
DATE = ["--run-date", "2026-06-30", "--env", "test", "--conf-dir", CONF]
# (job, argv, environment, the message's start)
CASES = [
    ("silver", DATE, {}, "no pseudonym key"),
    ("pipeline", DATE, {}, "no pseudonym key"),
    ("pipeline", [*DATE, "--stages", "silver,rollup"], {}, "no pseudonym key"),
    ("erasure", [*DATE, "--ids-file", "ids.txt", "--request-id", "r-1"], {},
     "no pseudonym key"),
    ("rotate", DATE, {"SEG_PSEUDONYM_KEY_NEW": "ab" * 32}, "no pseudonym key"),
    ("rotate", DATE, {"SEG_PSEUDONYM_KEY": "cd" * 32}, "no new pseudonym key"),
    ("rotate", [*DATE, "--new-key-file", "absent.key"], {"SEG_PSEUDONYM_KEY": "cd" * 32},
     "new pseudonym key file"),
    ("rotate", DATE, {"SEG_PSEUDONYM_KEY": "cd" * 32, "SEG_PSEUDONYM_KEY_NEW": "cd" * 32},
     "the new pseudonym key"),
    # the demo creates a key file when there is none; a malformed secret still stops it
    ("demo", ["--env", "test", "--conf-dir", CONF], {"SEG_PSEUDONYM_KEY": "not-hex"},
     "pseudonym key from $SEG_PSEUDONYM_KEY is not hex"),
]
# Jobs that never make pseudonyms: bronze only (byod, ingest, quality) or silver onwards.
NO_KEY = {"audit", "byod", "discover", "evaluate", "generate", "ingest", "interest", "maintain",
          "predict", "profile", "publish", "quality", "rollup", "rules", "segments", "social",
          "state"}
# Ingest needs the key only once privacy/tombstones exists (an erasure happened): it then
# recomputes each landed id's tombstone, and a missing key stops it at that point.
KEY_AFTER_ERASURE = {"ingest"}


def job_mains() -> dict[str, Path]:
    return {m.name: Path(m.module_finder.path) / m.name / "main.py"
            for m in pkgutil.iter_modules(jobs.__path__)
            if (Path(m.module_finder.path) / m.name / "main.py").is_file()}


@pytest.mark.parametrize(("job", "argv", "env", "message"), CASES)
def test_stops_before_reading_with_a_clear_message(job, argv, env, message, tmp_path,
                                                   monkeypatch, capsys):
    for name in ("SEG_PSEUDONYM_KEY", "SEG_PSEUDONYM_KEY_NEW"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no .secrets/ here
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "lakehouse"))
    module = importlib.import_module(f"jobs.{job}.main")
    assert cli.run_job(module.main, argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}")
    assert job == "demo" or "stopped before reading any data" in err
    assert not (tmp_path / "lakehouse").exists()
    for value in env.values():
        assert value not in err


def test_every_job_is_either_checked_or_keyless():
    """A new job that loads the key (erasure, say) must join CASES."""
    checked = {job for job, *_ in CASES}
    assert set(job_mains()) == checked | NO_KEY
    for job, path in job_mains().items():
        source = path.read_text(encoding="utf-8")
        uses_key = any(word in source for word in ("load_pseudonym_key", "key_frame",
                                                   "silver.run", "pipeline.run"))
        assert uses_key == (job in checked | KEY_AFTER_ERASURE), job

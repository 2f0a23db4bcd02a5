"""Write-audit-publish on real pipeline runs (the published world, tests/worlds.py): the
snapshot passed its gates and was published exactly as staged, delta-rs reads every gold
table as Spark does, and the Data Docs open in a browser. Each corruption stopping
publication is tested on hand-built tables: tests/audit/test_gates.py."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import deltalake
import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from jobs.common.delta import read_table, staged
from jobs.quality.schemas import AUDIT_LOG, VALIDATION_RESULTS
from jobs.quality.targets import GOLD_TABLES
from tests.worlds import SNAPSHOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]
DOCS_INDEX = "quality/gx/uncommitted/data_docs/local_site/index.html"
GOLD = GOLD_TABLES  # every table write-audit-publish moves, the BI breakdown included


@pytest.fixture(scope="module")
def world(published_world) -> str:
    """The published world's root: read here, never written."""
    return str(published_world)


def test_the_snapshot_passed_every_gate_and_was_published(spark, world):
    root = world
    verdicts = read_table(spark, AUDIT_LOG, root).filter(F.col("snapshot_date") == SNAPSHOT)
    assert sorted(r["table_name"] for r in verdicts.filter("passed").collect()) == sorted(
        s.name for s in GOLD)
    results = read_table(spark, VALIDATION_RESULTS, root)
    validated = {r["table_name"] for r in results.select("table_name").distinct().collect()}
    assert validated == {"bronze/events", "bronze/orders", "bronze/users", "silver/events",
                         "silver/orders", "silver/user_daily", "staging/user_profile",
                         "staging/segment_membership", "staging/segment_summary",
                         "staging/segment_breakdown"}
    assert results.filter(~F.col("success") & (F.col("severity") == "critical")).count() == 0
    for spec in GOLD:
        staged_rows = read_table(spark, staged(spec), root).filter(
            F.col("snapshot_date") == SNAPSHOT)
        published_rows = read_table(spark, spec, root).filter(F.col("snapshot_date") == SNAPSHOT)
        assert staged_rows.count() > 0
        assert_df_equality(published_rows, staged_rows, ignore_row_order=True,
                           ignore_nullable=True)
    index = Path(root) / DOCS_INDEX
    assert "gold_segment_summary" in index.read_text()


def test_every_gold_table_reads_with_delta_rs_as_with_spark(spark, world):
    root = Path(world) / "gold"
    tables = sorted(p for p in root.iterdir() if (p / "_delta_log").is_dir())
    assert {p.name for p in tables} >= {s.name for s in GOLD}
    for path in tables:
        arrow = deltalake.DeltaTable(str(path)).to_pyarrow_table()
        frame = spark.read.format("delta").load(str(path))
        assert arrow.column_names == frame.columns, path.name
        read_by_spark = sorted(repr(plain(r.asDict(recursive=True)[c] for c in frame.columns))
                               for r in frame.collect())  # a few thousand rows at most
        read_by_delta_rs = sorted(repr(plain(r[c] for c in frame.columns))
                                  for r in arrow.to_pylist())
        assert read_by_delta_rs == read_by_spark, path.name


def plain(value):
    """A value as both readers' Python objects agree on: arrays as lists, structs and maps
    as key-sorted [key, value] pairs (Spark gives a map as a dict, pyarrow as a list of
    (key, value) tuples)."""
    if isinstance(value, dict):
        return sorted([k, plain(v)] for k, v in value.items())
    if isinstance(value, list) and value and all(
            isinstance(v, tuple) and len(v) == 2 for v in value):
        return sorted([k, plain(v)] for k, v in value)
    if isinstance(value, list | tuple) or hasattr(value, "__next__"):
        return [plain(v) for v in value]
    return value


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: `make browser` installs it (Debian)")
def test_the_data_docs_open_in_a_headless_browser(world, tmp_path):
    site = (Path(world) / DOCS_INDEX).parent
    (page,) = sorted((site / "validations/gold_segment_summary").glob(
        f"gold_segment_summary {SNAPSHOT} */**/*.html"))    # the validation of D
    assert quote(page.relative_to(site).as_posix()) in (site / "index.html").read_text()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--window-size=1280,1400"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    for text in ("Expectation Validation Result", "gold_segment_summary", "Succeeded",
                 "Evaluated Expectations"):
        assert text in dom
    shot = tmp_path / "data_docs.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page.as_uri()], check=True,
                   capture_output=True, timeout=120)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page of results, not a blank one

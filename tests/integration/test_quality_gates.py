"""Write-audit-publish on a real pipeline run: a snapshot that passes its gates is published
and readable by delta-rs; one corruption at a time stops publication, names the failing
expectation, and leaves gold at its previous version."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import deltalake
import pytest
from chispa import assert_df_equality
from delta.tables import DeltaTable
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from jobs.audit import main as audit
from jobs.common.delta import read_table, replace_where, staged
from jobs.demo.main import earliest_landing_date
from jobs.pipeline import main as pipeline
from jobs.profile.schemas import USER_PROFILE
from jobs.publish import main as publish
from jobs.quality.gate import QualityGateError
from jobs.quality.schemas import AUDIT_LOG, VALIDATION_RESULTS
from jobs.quality.targets import GOLD_TABLES
from jobs.segments.schemas import SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.silver.schemas import SILVER_EVENTS
from tests.integration.conftest import KEY_HEX, SNAPSHOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
RAW_ID = "u000000001"                      # a user of the generated data set
DOCS_INDEX = "quality/gx/uncommitted/data_docs/local_site/index.html"
GOLD = GOLD_TABLES  # every table write-audit-publish moves, the BI breakdown included


@pytest.fixture(scope="module")
def published(spark, generated: Path, small_cfg, tmp_path_factory):
    """History loaded, then the T+1 run of SNAPSHOT through audit and publish."""
    root = tmp_path_factory.mktemp("wap") / "lakehouse"
    shutil.copytree(generated, root / "landing")
    cfg = small_cfg.with_overrides({"lakehouse.root": str(root)})
    previous = os.environ.get("SEG_PSEUDONYM_KEY")
    os.environ["SEG_PSEUDONYM_KEY"] = KEY_HEX
    try:
        before = SNAPSHOT - dt.timedelta(days=1)
        first = earliest_landing_date(spark, str(root), SNAPSHOT)
        pipeline.run(spark, cfg, first, before, "history",
                     ("ingest", "quality", "silver", "rollup"))
        pipeline.run(spark, cfg, SNAPSHOT, SNAPSHOT, "daily")
    finally:
        if previous is None:
            os.environ.pop("SEG_PSEUDONYM_KEY", None)
        else:
            os.environ["SEG_PSEUDONYM_KEY"] = previous
    return cfg


@pytest.fixture
def copy(published, tmp_path):
    """A private copy of the published lakehouse for a test to corrupt."""
    root = tmp_path / "lakehouse"
    shutil.copytree(published.lakehouse_root, root)
    return published.with_overrides({"lakehouse.root": str(root)})


def gold_versions(spark, root: str) -> dict[str, int]:
    return {s.name: DeltaTable.forPath(spark, s.path(root)).history(1).first()["version"]
            for s in GOLD}


def test_the_snapshot_passed_every_gate_and_was_published(spark, published):
    root = published.lakehouse_root
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


def test_every_gold_table_reads_with_delta_rs_as_with_spark(spark, published):
    root = Path(published.lakehouse_root) / "gold"
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


def corrupt_staged(spark, cfg, spec, change) -> None:
    """Rewrite the staged snapshot the way a faulty segments job would."""
    root = cfg.lakehouse_root
    rows = read_table(spark, staged(spec), root).filter(F.col("snapshot_date") == SNAPSHOT)
    replace_where(change(rows), staged(spec), root, f"snapshot_date = DATE'{SNAPSHOT}'",
                  "faulty")


def null_key(rows):
    first = rows.limit(1).withColumn("user_key", F.lit(None).cast("string"))
    return rows.exceptAll(rows.limit(1)).unionByName(first)


def duplicate_user(rows):
    return rows.unionByName(rows.limit(1))


def unknown_segment(rows):
    flagged = F.row_number().over(Window.orderBy("user_key", "family", "segment")) == 1
    return rows.withColumn("segment", F.when(flagged, F.lit("silentt")).otherwise(
        F.col("segment"))).withColumn("family", F.when(flagged, F.lit("behaviour")).otherwise(
            F.col("family")))


def share_above_one(rows):
    return rows.withColumn("share", F.when(F.col("segment") == F.lit(
        rows.orderBy("family", "segment").first()["segment"]), F.lit(1.5)).otherwise(
            F.col("share")))


def raw_user_id(rows):
    """A raw user id from bronze copied into a free-text profile column."""
    return rows.withColumn("occupation", F.when(
        F.col("user_key") == F.lit(rows.agg(F.min("user_key")).first()[0]),
        F.lit(RAW_ID)).otherwise(F.col("occupation")))


CORRUPTIONS = {
    "null key": (SEGMENT_MEMBERSHIP, null_key, "expect_column_values_to_not_be_null(user_key)"),
    "duplicated user": (USER_PROFILE, duplicate_user,
                        "expect_compound_columns_to_be_unique(snapshot_date,user_key)"),
    "unknown segment": (SEGMENT_MEMBERSHIP, unknown_segment,
                        "expect_column_values_to_match_regex(segment)"),
    "share of 1.5": (SEGMENT_SUMMARY, share_above_one,
                     "expect_column_values_to_be_between(share)"),
    "raw user id": (USER_PROFILE, raw_user_id,
                    "leak scan: staging/user_profile.occupation holds 1 raw_user_id"),
}


def assert_blocked(spark, cfg, named: str, observed: str) -> None:
    root = cfg.lakehouse_root
    versions = gold_versions(spark, root)
    counts = {s.name: read_table(spark, s, root).count() for s in GOLD}
    with pytest.raises(QualityGateError) as failed:
        audit.run(spark, cfg, SNAPSHOT, SNAPSHOT, "audit-after-fault")
    assert named in str(failed.value)
    assert observed in str(failed.value)
    with pytest.raises(QualityGateError, match="the audit failed, gold is left as it was"):
        publish.run(spark, cfg, SNAPSHOT, SNAPSHOT, "publish-after-fault")
    assert gold_versions(spark, root) == versions
    assert {s.name: read_table(spark, s, root).count() for s in GOLD} == counts


@pytest.mark.parametrize("fault", CORRUPTIONS)
def test_a_corrupted_snapshot_is_not_published(spark, copy, fault):
    spec, change, named = CORRUPTIONS[fault]
    corrupt_staged(spark, copy, spec, change)
    observed = {"null key": "[null]", "duplicated user": "unexpected",
                "unknown segment": "silentt", "share of 1.5": "1.5",
                "raw user id": RAW_ID[:3] + "***"}[fault]
    assert_blocked(spark, copy, named, observed)


def test_a_phone_column_in_silver_stops_publication(spark, copy):
    root = copy.lakehouse_root
    planted = (read_table(spark, SILVER_EVENTS, root).filter(F.col("ingest_date") == SNAPSHOT)
               .limit(1).withColumn("event_id", F.lit("planted"))
               .withColumn("phone", F.lit("13800138000")))
    (planted.write.format("delta").mode("append").option("mergeSchema", "true")
     .save(SILVER_EVENTS.path(root)))
    assert_blocked(spark, copy, "expect_table_columns_to_match_set", "phone")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium: `make browser` installs it (Debian)")
def test_the_data_docs_open_in_a_headless_browser(published, tmp_path):
    site = (Path(published.lakehouse_root) / DOCS_INDEX).parent
    (page,) = sorted((site / "validations/gold_segment_summary").rglob("*.html"))
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

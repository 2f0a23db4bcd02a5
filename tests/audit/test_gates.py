"""Write-audit-publish as stages, on the tiny hand-built lakehouse (tests/tiny.py): the good
snapshot passes the audit and is published exactly as staged; a staged snapshot with five
faults (each caught by another expectation or gate) stops publication, and the failure
names every failing expectation and what it saw; a fault in silver alone stops it too;
gold stays at its previous version. (Every expectation of a suite is evaluated whatever
the others find, so one audit of all five faults shows each one caught: an audit of the
tiny lakehouse is about a minute of fixed cost.)"""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from chispa import assert_df_equality
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from jobs.audit import main as audit
from jobs.common.delta import read_table, replace_where, staged
from jobs.profile.schemas import USER_PROFILE
from jobs.publish import main as publish
from jobs.quality.gate import QualityGateError
from jobs.quality.schemas import AUDIT_LOG, VALIDATION_RESULTS
from jobs.quality.targets import GOLD_TABLES
from jobs.segments.schemas import SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.silver.schemas import SILVER_EVENTS
from tests import tiny
from tests.tiny import IDS, D

pytestmark = pytest.mark.stage
RAW_ID = IDS[0]


@pytest.fixture(scope="module")
def good(spark, cfg, tmp_path_factory):
    """The tiny lakehouse, audited and published once: gold holds snapshot D."""
    root = tmp_path_factory.mktemp("gates") / "lakehouse"
    tiny.write_lakehouse(spark, str(root))
    conf = cfg.with_overrides({"lakehouse.root": str(root)})
    with pytest.MonkeyPatch.context() as env:
        env.delenv("LAKEHOUSE_ROOT", raising=False)
        audit.run(spark, conf, D, D, "audit-good")
        publish.run(spark, conf, D, D, "publish-good")
    return conf


@pytest.fixture
def copy(good, tmp_path, monkeypatch):
    """A private copy of the published tiny lakehouse for a test to corrupt."""
    monkeypatch.delenv("LAKEHOUSE_ROOT", raising=False)
    root = tmp_path / "lakehouse"
    shutil.copytree(good.lakehouse_root, root)
    return good.with_overrides({"lakehouse.root": str(root)})


def test_the_good_snapshot_passed_every_gate_and_was_published_as_staged(spark, good):
    root = good.lakehouse_root
    verdicts = read_table(spark, AUDIT_LOG, root).filter(F.col("snapshot_date") == D)
    assert sorted(r["table_name"] for r in verdicts.filter("passed").collect()) == sorted(
        s.name for s in GOLD_TABLES)
    results = read_table(spark, VALIDATION_RESULTS, root)
    validated = {r["table_name"] for r in results.select("table_name").distinct().collect()}
    assert validated == {"silver/events", "silver/orders", "silver/user_daily",
                         "staging/user_profile", "staging/segment_membership",
                         "staging/segment_summary", "staging/segment_breakdown"}
    assert results.filter(~F.col("success") & (F.col("severity") == "critical")).count() == 0
    for spec in GOLD_TABLES:
        staged_rows = read_table(spark, staged(spec), root)
        assert_df_equality(read_table(spark, spec, root), staged_rows, ignore_row_order=True,
                           ignore_nullable=True)
    summary = read_table(spark, SEGMENT_SUMMARY, root)
    assert summary.filter("suppressed").count() == 1  # behaviour/silent: 3 < k members


def gold_versions(spark, root: str) -> dict[str, int]:
    return {s.name: DeltaTable.forPath(spark, s.path(root)).history(1).first()["version"]
            for s in GOLD_TABLES}


def corrupt_staged(spark, cfg, spec, change) -> None:
    """Rewrite the staged snapshot the way a faulty segments job would."""
    root = cfg.lakehouse_root
    rows = read_table(spark, staged(spec), root).filter(F.col("snapshot_date") == D)
    replace_where(change(rows).localCheckpoint(), staged(spec), root,
                  f"snapshot_date = DATE'{D}'", "faulty")


def null_key(rows):
    first = (F.col("user_key") == F.lit(tiny.KEYS[1])) & (F.col("family") == "lifecycle")
    return rows.withColumn("user_key", F.when(first, None).otherwise(F.col("user_key")))


def duplicate_user(rows):
    return rows.unionByName(rows.filter(F.col("user_key") == F.lit(tiny.KEYS[1])))


def unknown_segment(rows):
    first = (F.col("user_key") == F.lit(tiny.KEYS[0])) & (F.col("family") == "lifecycle")
    return rows.withColumn("segment", F.when(first, F.lit("silentt")).otherwise(
        F.col("segment")))


def share_above_one(rows):
    return rows.withColumn("share", F.when(F.col("segment") == "mature", F.lit(1.5)).otherwise(
        F.col("share")))


def raw_user_id(rows):
    """A raw user id from bronze copied into a free-text profile column."""
    first = F.col("user_key") == F.lit(tiny.KEYS[0])
    return rows.withColumn("occupation", F.when(first, F.lit(RAW_ID)).otherwise(
        F.col("occupation")))


# Each fault on its own rows (null key and duplicate on the second user, the others on the
# first), so that no fault hides or multiplies another.
CORRUPTIONS = {
    "null key": (SEGMENT_MEMBERSHIP, null_key,
                 "expect_column_values_to_not_be_null(user_key)", "[null]"),
    "duplicated user": (USER_PROFILE, duplicate_user,
                        "expect_compound_columns_to_be_unique(snapshot_date,user_key)",
                        "unexpected"),
    "unknown segment": (SEGMENT_MEMBERSHIP, unknown_segment,
                        "expect_column_values_to_match_regex(segment)", "silentt"),
    "share of 1.5": (SEGMENT_SUMMARY, share_above_one,
                     "expect_column_values_to_be_between(share)", "1.5"),
    "raw user id": (USER_PROFILE, raw_user_id,
                    "leak scan: staging/user_profile.occupation holds 1 raw_user_id",
                    RAW_ID[:3] + "***"),
}


def assert_blocked(spark, cfg, found: dict[str, tuple[str, str]]) -> None:
    """The audit fails naming each fault's expectation and what it saw (on one line),
    publish refuses, and no gold table gets a commit (a Delta version is immutable: the
    same version, the same rows)."""
    versions = gold_versions(spark, cfg.lakehouse_root)
    with pytest.raises(QualityGateError) as failed:
        audit.run(spark, cfg, D, D, "audit-after-fault")
    lines = str(failed.value).splitlines()
    for fault, (named, observed) in found.items():
        assert [line for line in lines if named in line and observed in line], (fault, lines)
    with pytest.raises(QualityGateError, match="the audit failed, gold is left as it was"):
        publish.run(spark, cfg, D, D, "publish-after-fault")
    assert gold_versions(spark, cfg.lakehouse_root) == versions


def test_a_corrupted_snapshot_is_not_published_and_every_fault_is_named(spark, copy):
    faults = {}
    for spec, change, _, _ in CORRUPTIONS.values():
        faults.setdefault(spec.name, (spec, []))[1].append(change)
    for spec, changes in faults.values():
        corrupt_staged(spark, copy, spec, lambda rows, changes=changes: functools.reduce(
            lambda frame, change: change(frame), changes, rows))
    assert_blocked(spark, copy, {fault: (named, observed) for fault, (_, _, named, observed)
                                 in CORRUPTIONS.items()})


def test_a_phone_column_in_silver_stops_publication(spark, copy):
    root = copy.lakehouse_root
    planted = (read_table(spark, SILVER_EVENTS, root).limit(1)
               .withColumn("event_id", F.lit("planted"))
               .withColumn("phone", F.lit(tiny.PHONES[0])))
    (planted.write.format("delta").mode("append").option("mergeSchema", "true")
     .save(SILVER_EVENTS.path(root)))
    assert_blocked(spark, copy, {"phone": ("expect_table_columns_to_match_set", "phone")})


def test_the_data_docs_index_lists_the_validations(good):
    index = Path(good.lakehouse_root) / "quality/gx/uncommitted/data_docs/local_site/index.html"
    assert "gold_segment_summary" in index.read_text()

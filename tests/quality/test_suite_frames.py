"""Every suite of expectations/ on real Great Expectations: the tiny hand-built frame of its
table passes, and the same frame spoiled in one way fails, naming the expectation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.common.delta import TableSpec, staged
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.profile.schemas import USER_PROFILE
from jobs.quality.gate import Gate
from jobs.quality.targets import domain_parameters
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.schemas import SEGMENT_BREAKDOWN, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.silver.schemas import SILVER_EVENTS, SILVER_ORDERS
from tests import tiny
from tests.tiny import D, K

pytestmark = pytest.mark.unit


def first_user(column: str, value) -> callable:
    """Set ``column`` to ``value`` on the first row (by key), leave the rest alone."""
    def spoil(rows: DataFrame) -> DataFrame:
        key = "user_key" if "user_key" in rows.columns else "user_id"
        first = F.col(key) == F.lit(rows.agg(F.min(key)).first()[0])
        return rows.withColumn(column, F.when(first, F.lit(value)).otherwise(F.col(column)))
    return spoil


def repeated_row(rows: DataFrame) -> DataFrame:
    return rows.unionByName(rows.limit(1))


# suite -> (the table it validates, how to spoil its frame, the expectation that fails)
CASES = {
    "bronze_events": (BRONZE_TABLES["events"], first_user("event_type", "teleport"),
                      "expect_column_values_to_be_in_set(event_type)"),
    "bronze_orders": (BRONZE_TABLES["orders"], first_user("amount", Decimal("-1.00")),
                      "expect_column_values_to_be_between(amount)"),
    "bronze_users": (BRONZE_TABLES["users"], first_user("city_tier", 9),
                     "expect_column_values_to_be_between(city_tier)"),
    "silver_events": (SILVER_EVENTS, repeated_row,
                      "expect_column_values_to_be_unique(event_id)"),
    "silver_orders": (SILVER_ORDERS, first_user("status", "stolen"),
                      "expect_column_values_to_be_in_set(status)"),
    "silver_user_daily": (USER_DAILY, repeated_row,
                          "expect_compound_columns_to_be_unique(activity_date,user_key)"),
    "gold_user_profile": (USER_PROFILE, first_user("rfm_r_score", 6),
                          "expect_column_values_to_be_between(rfm_r_score)"),
    "gold_segment_membership": (SEGMENT_MEMBERSHIP, first_user("user_key", "u000000001"),
                                "expect_column_values_to_match_regex(user_key)"),
    "gold_segment_summary": (SEGMENT_SUMMARY, lambda rows: rows.withColumn(
        "suppressed", F.lit(False)), "expect_column_values_to_not_be_null(members)"),
    "gold_segment_breakdown": (SEGMENT_BREAKDOWN, lambda rows: rows.withColumn(
        "members", F.lit(K - 1).cast("long")), "expect_column_values_to_be_between(members)"),
}


@pytest.fixture(scope="module")
def frames(spark) -> dict[str, DataFrame]:
    """The tiny tables, each computed once: a suite runs ~20 queries over its frame, and
    the summary and breakdown are joins and aggregations (as the audit validates frames
    made by jobs/quality/targets.computed, not their plans)."""
    made = tiny.bronze(spark) | tiny.silver(spark) | tiny.snapshot(spark)
    return {name: rows.localCheckpoint() for name, rows in made.items()}


@pytest.fixture(scope="module")
def gate(spark, cfg, tmp_path_factory) -> Gate:
    """A gate whose GX project (files, no table) lives in a temp folder."""
    root = tmp_path_factory.mktemp("suites") / "lakehouse"
    return Gate(spark, cfg.with_overrides({"lakehouse.root": str(root)}))


def parameters(cfg, spec: TableSpec, frames: dict) -> dict:
    """What jobs/quality/targets.py would pass, computed from the tiny frames."""
    counts = {"bronze_rows": 12 if spec is SILVER_EVENTS else 2,
              "silver_events": frames["silver/events"].count(),
              "registered_users": tiny.USERS, "summary_members": tiny.USERS + tiny.SILENT,
              "run_year": D.year, "k_anonymity": K}
    return domain_parameters(cfg) | {"declared_columns": list(spec.columns)} | counts


@pytest.mark.parametrize("suite", CASES)
def test_the_tiny_frame_passes_and_the_spoiled_one_fails(spark, cfg, gate, frames, suite):
    spec, spoil, named = CASES[suite]
    rows = frames[tiny.table(staged(spec))]
    params = parameters(cfg, spec, frames)
    good = gate.validate(rows, spec.name, suite, D, params, "suite-good")
    assert good.passed, good.report()
    assert not good.failed("warning"), good.report()

    bad = gate.validate(spoil(rows), spec.name, suite, D, params, "suite-bad")
    failed = [c.describe() for c in bad.failed("critical")]
    assert any(named in line for line in failed), bad.report()

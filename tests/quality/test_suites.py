"""The suite files load completely, and an invalid entry fails loudly instead of vanishing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobs.ingest.schemas import BRONZE_TABLES
from jobs.profile.schemas import USER_PROFILE
from jobs.quality.suites import SuiteError, build_expectations, load_suite, suite_parameters
from jobs.quality.targets import domain_parameters
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.schemas import SEGMENT_BREAKDOWN, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.silver.schemas import SILVER_TABLES

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
SUITES = sorted((REPO / "expectations").glob("*.json"))
VALIDATED = ("bronze_events", "bronze_orders", "bronze_users", "silver_events",
             "silver_orders", "silver_user_daily", "gold_user_profile",
             "gold_segment_membership", "gold_segment_summary", "gold_segment_breakdown")
# The parameters a target adds to domain_parameters + declared_columns (jobs/quality/targets.py).
RUN_PARAMETERS = {"bronze_rows", "silver_events", "registered_users", "summary_members",
                  "run_year", "declared_columns", "k_anonymity"}
IDENTIFIERS = {"user_id", "phone", "nickname", "ip", "city", "friend_id"}


@pytest.fixture(scope="module")
def gx_context():
    import great_expectations as gx
    return gx.get_context(mode="ephemeral")


def test_one_suite_per_validated_table():
    assert sorted(p.stem for p in SUITES) == sorted(VALIDATED)


@pytest.mark.parametrize("path", SUITES, ids=lambda p: p.stem)
def test_every_entry_of_every_suite_loads(gx_context, path):
    entries = json.loads(path.read_text())["expectations"]
    assert len(load_suite(path).expectations) == len(entries)


@pytest.mark.parametrize("path", SUITES, ids=lambda p: p.stem)
def test_every_suite_parameter_is_provided(cfg, path):
    provided = set(domain_parameters(cfg)) | RUN_PARAMETERS
    assert suite_parameters(path) <= provided


def write_suite(tmp_path: Path, entries: list) -> Path:
    path = tmp_path / "gold_example.json"
    path.write_text(json.dumps({"name": "gold_example", "expectations": entries}))
    return path


@pytest.mark.parametrize("entry, named", [
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"colum": "user_key"}},
     "colum"),
    ({"type": "expect_column_values_to_be_nul", "kwargs": {"column": "user_key"}},
     "expect_column_values_to_be_nul"),
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "user_key"},
      "severity": "blocker"}, "severity"),
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "user_key"},
      "sevrity": "warning"}, "sevrity"),
    ({"kwargs": {"column": "user_key"}}, "'type'"),
])
def test_an_invalid_entry_fails_naming_the_file_and_the_entry(tmp_path, entry, named):
    valid = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "user_key"}}
    path = write_suite(tmp_path, [valid, entry])
    with pytest.raises(SuiteError) as raised:
        build_expectations(path, [valid, entry])
    assert str(path) in str(raised.value)
    assert "#1" in str(raised.value)
    assert named in str(raised.value)


def test_a_suite_named_unlike_its_file_is_refused(gx_context, tmp_path):
    path = tmp_path / "gold_other.json"
    path.write_text(json.dumps({"name": "gold_example", "expectations": []}))
    with pytest.raises(SuiteError, match="not the file name"):
        load_suite(path)


def test_great_expectations_alone_would_have_skipped_the_entry(gx_context):
    """Why the strict loader exists: GX logs an invalid entry and drops it."""
    import great_expectations as gx
    suite = gx.ExpectationSuite(name="lenient", expectations=[
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "user_key"}},
        {"type": "expect_column_values_to_be_nul", "kwargs": {"column": "user_key"}},
    ])
    assert len(suite.expectations) == 1


@pytest.mark.parametrize("spec", [*SILVER_TABLES.values(), USER_DAILY, USER_PROFILE,
                                  SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY, SEGMENT_BREAKDOWN],
                         ids=lambda s: s.name)
def test_no_declared_silver_or_gold_table_holds_a_direct_identifier(spec):
    assert not IDENTIFIERS & set(spec.columns)


def test_bronze_is_where_the_identifiers_are():
    assert {"user_id", "phone", "nickname"} <= set(BRONZE_TABLES["users"].columns)

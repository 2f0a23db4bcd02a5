"""k-anonymous publication: a cell of exactly k users is published, one of k-1 is suppressed
(summary) or coarsened along device -> city tier -> gender -> age band (breakdown), and
the audit's gate refuses a BI aggregate that still holds a cell under k."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.audit.main import k_anonymity_lines
from jobs.privacy.k_anonymity import small_cell_lines
from jobs.quality.targets import Target
from jobs.segments.base import MEMBERSHIP_SCHEMA
from jobs.segments.schemas import SEGMENT_BREAKDOWN, SEGMENT_SUMMARY
from jobs.segments.transforms import breakdown, summary

D = dt.date(2026, 6, 30)
K = 10
PROFILE = T.StructType([T.StructField("snapshot_date", T.DateType()),
                        T.StructField("user_key", T.StringType()),
                        T.StructField("age_band", T.StringType()),
                        T.StructField("gender", T.StringType()),
                        T.StructField("city_tier", T.IntegerType()),
                        T.StructField("dominant_device", T.StringType()),
                        T.StructField("consent_marketing", T.BooleanType())])
# Membership as staged (every column nullable), so that a null row can be part of the input.
STAGED_MEMBERSHIP = T.StructType([T.StructField(f.name, f.dataType)
                                  for f in MEMBERSHIP_SCHEMA.fields])


def users(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def membership(spark, segments: dict[str, list[str]]):
    rows = [(D, user, "rfm", segment) for segment, keys in segments.items() for user in keys]
    return spark.createDataFrame(rows + [(None, None, None, None)], STAGED_MEMBERSHIP)


@pytest.mark.unit
def test_a_segment_of_k_is_published_and_one_of_k_minus_1_suppressed(spark):
    exactly_k, one_short = users("a", K), users("b", K - 1)
    profile = spark.createDataFrame(
        [(D, u, None, None, None, None, True) for u in exactly_k + one_short + users("c", 1)]
        + [(None,) * 7], PROFILE)
    rows = membership(spark, {"champions": exactly_k, "lost": one_short})
    want = spark.createDataFrame([
        (D, "rfm", "champions", K, K / 20, True, False),
        (D, "rfm", "lost", None, None, True, True),
    ], SEGMENT_SUMMARY.schema)
    assert_df_equality(summary(rows, profile, 50, K), want, ignore_row_order=True,
                       ignore_nullable=True, ignore_metadata=True)


@pytest.mark.unit
def test_small_cells_roll_up_device_then_city_tier_then_gender_then_age_band(spark):
    k = 3
    cells = {
        "kept": ([("25_34", "female", 1, "phone")] * k),                 # exactly k: as is
        "device": ([("25_34", "female", 1, "pc")] * (k - 1)              # k-1 and 1: together
                   + [("25_34", "female", 1, "tablet")]),                # k under device 'all'
        "tier": ([("18_24", "male", 2, "phone")] * (k - 1) + [("18_24", "male", 3, "pc")]),
        "gone": [(None, None, None, None), ("60_plus", "female", 5, "pc")],   # 2 < k in all
    }
    rows, keys = [], []
    for group, values in cells.items():
        for i, (band, gender, tier, device) in enumerate(values):
            rows.append((D, f"{group}{i}", band, gender, tier, device, True))
            keys.append(f"{group}{i}")
    profile = spark.createDataFrame(rows + [(None,) * 7], PROFILE)
    want = spark.createDataFrame([
        (D, "rfm", "lost", "25_34", "female", "1", "phone", 0, k),
        (D, "rfm", "lost", "25_34", "female", "1", "all", 1, k),
        (D, "rfm", "lost", "18_24", "male", "all", "all", 2, k),
    ], SEGMENT_BREAKDOWN.schema)
    got = breakdown(membership(spark, {"lost": keys}), profile, k)
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True,
                       ignore_metadata=True)


@pytest.mark.unit
def test_a_small_remainder_rolls_up_to_all_and_is_kept_at_k(spark):
    k = 3
    values = [("45_59", "male", 4, "pc"), (None, "female", None, "phone"),
              ("lt_18", None, 2, None)]                                    # unknowns are values
    profile = spark.createDataFrame([(D, f"u{i}", *v, False) for i, v in enumerate(values)],
                                    PROFILE)
    want = spark.createDataFrame([(D, "rfm", "lost", "all", "all", "all", "all", 4, k)],
                                 SEGMENT_BREAKDOWN.schema)
    got = breakdown(membership(spark, {"lost": ["u0", "u1", "u2"]}), profile, k)
    assert_df_equality(got, want, ignore_nullable=True, ignore_metadata=True)


def staged_summary(spark, members: list[int | None]):
    names = ("champions", "loyal", "lost", "at_risk")          # RFM groups of the conf
    rows = [(D, "rfm", names[i], m, None if m is None else m / 100, True, m is None)
            for i, m in enumerate(members)]
    return spark.createDataFrame(rows, SEGMENT_SUMMARY.schema)


def target(table: str, frame) -> Target:
    return Target(table=table, suite=table.replace("staging/", "gold_"), run_date=D,
                  frame=frame, parameters={})


@pytest.mark.unit
def test_the_gate_refuses_a_staged_summary_with_a_cell_of_k_minus_1(spark, cfg):
    k = int(cfg.get("privacy.k_anonymity.k"))
    refused = staged_summary(spark, [k, k - 1, None])        # None: a suppressed cell
    passing = staged_summary(spark, [k, k + 1, None])
    breakdown_rows = spark.createDataFrame(
        [(D, "rfm", "s0", "all", "all", "all", "all", 4, k - 1)], SEGMENT_BREAKDOWN.schema)
    lines = k_anonymity_lines(cfg, [target("staging/segment_summary", refused),
                                    target("staging/segment_breakdown", breakdown_rows),
                                    target("staging/segment_membership", refused)])
    assert lines == [
        f"k-anonymity: staging/segment_summary has 1 cell(s) under k={k} users (members < {k});"
        " suppress or coarsen them before publication",
        f"k-anonymity: staging/segment_breakdown has 1 cell(s) under k={k} users "
        f"(members < {k}); suppress or coarsen them before publication",
    ]
    assert k_anonymity_lines(cfg, [target("staging/segment_summary", passing)]) == []


@pytest.mark.unit
def test_the_gate_counts_every_small_cell(spark):
    lines = small_cell_lines([("gold/example", staged_summary(spark, [1, 2, 3, None]), "members")],
                             3)
    assert lines == ["k-anonymity: gold/example has 2 cell(s) under k=3 users (members < 3); "
                     "suppress or coarsen them before publication"]


@pytest.mark.stage
def test_the_suites_refuse_a_k_minus_1_cell_and_accept_suppressed_ones(spark, cfg, root):
    """The same bound in the gold suites, through Great Expectations (a file project)."""
    from jobs.quality.gate import Gate
    from jobs.quality.targets import domain_parameters

    local = cfg.with_overrides({"lakehouse.root": root})
    gate = Gate(spark, local)
    k = int(cfg.get("privacy.k_anonymity.k"))
    base = domain_parameters(local) | {"k_anonymity": k}
    summary_columns = {"declared_columns": list(SEGMENT_SUMMARY.columns)}
    refused = gate.validate(staged_summary(spark, [k, k - 1, None]), "staging/segment_summary",
                            "gold_segment_summary", D, base | summary_columns, "test")
    assert [(c.expectation, c.column, c.unexpected_count)
            for c in refused.failed("critical")] == [
        ("expect_column_values_to_be_between", "members", 1)]
    rows = [(D, "rfm", "s0", "25_34", "female", "1", "all", 1, k),
            (D, "rfm", "s0", "all", "all", "all", "all", 4, k + 5)]
    breakdown_rows = spark.createDataFrame(rows, SEGMENT_BREAKDOWN.schema)
    passed = gate.validate(breakdown_rows, "staging/segment_breakdown", "gold_segment_breakdown",
                           D, base | {"declared_columns": list(SEGMENT_BREAKDOWN.columns)}, "test")
    assert passed.failed("critical") == []

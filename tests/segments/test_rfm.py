"""Family rfm: exact quintile scores with ties, the group grid, and partition independence."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.errors import ConfigError
from jobs.segments.base import MEMBERSHIP_SCHEMA, PROFILE_FEATURES
from jobs.segments.rfm import fm_score, rfm_group, rfm_memberships, with_rfm_columns

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
FEATURES = ("rfm_recency_days", "rfm_frequency", "rfm_monetary")
PROFILE = T.StructType([T.StructField(c, PROFILE_FEATURES[c][0])
                        for c in ("snapshot_date", "user_key", *FEATURES)])
SCORES = T.StructType([T.StructField("user_key", T.StringType()),
                       T.StructField("rfm_r_score", T.IntegerType()),
                       T.StructField("rfm_f_score", T.IntegerType()),
                       T.StructField("rfm_m_score", T.IntegerType()),
                       T.StructField("rfm_group", T.StringType())])

# Ten purchasers, n = 10, so score = 1 + floor(5 * worse / 10) = 1 + floor(worse / 2), where
# worse = purchasers with a strictly worse value (more days; fewer orders; less money).
#   days  1  1  3  5  5  5 10 20 30 40 -> worse 8 8 7 4 4 4 3 2 1 0 -> R 5 5 4 3 3 3 2 2 1 1
#   F     1 x5, 2 x2, 3, 5, 8          -> worse 0, 5, 7, 8, 9       -> F 1, 3, 4, 5, 5
#   M     10, 20 x2, 35.50, 50 x3, 120, 300, 999.99
#                                      -> worse 0, 1, 3, 4, 7, 8, 9 -> M 1, 1, 2, 3, 4, 5, 5
# Ties share a score: the three 5-day users are all R 3, the five one-order users all F 1.
# FM = (F + M) / 2 rounded half up; the group is the cell of the conf grid.
PURCHASERS = [
    # user, days, F, M,                 R, F, M, group
    ("u01", 1, 8, "999.99", 5, 5, 5, "champions"),
    ("u02", 1, 1, "10.00", 5, 1, 1, "new_customer"),
    ("u03", 3, 1, "20.00", 4, 1, 1, "promising"),
    ("u04", 5, 2, "50.00", 3, 3, 3, "need_attention"),
    ("u05", 5, 5, "300.00", 3, 5, 5, "loyal"),
    ("u06", 5, 1, "50.00", 3, 1, 3, "about_to_sleep"),      # FM = 2
    ("u07", 10, 3, "120.00", 2, 4, 4, "at_risk"),
    ("u08", 20, 1, "35.50", 2, 1, 2, "hibernating"),        # FM = 2 (1.5 rounded up)
    ("u09", 30, 2, "50.00", 1, 3, 3, "at_risk"),
    ("u10", 40, 1, "20.00", 1, 1, 1, "lost"),
]
NON_PURCHASERS = [("n_zero", None, 0, Decimal("0.00")), ("n_null", None, None, None)]

# The classic R-vs-FM grid the conf table must encode: GRID[fm - 1][r - 1].
GRID = [
    ["lost", "hibernating", "about_to_sleep", "promising", "new_customer"],
    ["hibernating", "hibernating", "about_to_sleep", "potential_loyalist", "potential_loyalist"],
    ["at_risk", "at_risk", "need_attention", "potential_loyalist", "potential_loyalist"],
    ["at_risk", "at_risk", "loyal", "loyal", "champions"],
    ["cannot_lose", "cannot_lose", "loyal", "loyal", "champions"],
]


def example(spark, snapshot=D):
    rows = [(snapshot, u, days, f, Decimal(m)) for u, days, f, m, *_ in PURCHASERS]
    rows += [(snapshot, *row) for row in NON_PURCHASERS]
    return spark.createDataFrame(rows, PROFILE)


def scores(frame, cfg):
    """The derived columns of snapshot D."""
    return frame.transform(with_rfm_columns(cfg)).filter(F.col("snapshot_date") == D).select(
        "user_key", "rfm_r_score", "rfm_f_score", "rfm_m_score", "rfm_group")


def expected_scores(spark):
    rows = [(u, r, f, m, group) for u, _, _, _, r, f, m, group in PURCHASERS]
    rows += [(u, None, None, None, None) for u, *_ in NON_PURCHASERS]
    return spark.createDataFrame(rows, SCORES)


def test_scores_and_groups_on_a_hand_computed_example_with_ties(spark, cfg):
    assert_df_equality(scores(example(spark), cfg), expected_scores(spark),
                       ignore_row_order=True, ignore_nullable=True)


def test_memberships_hold_each_purchaser_in_its_group_only(spark, cfg):
    held = example(spark).transform(rfm_memberships(cfg))
    want = spark.createDataFrame([(D, u, "rfm", group) for u, *_, group in PURCHASERS],
                                 MEMBERSHIP_SCHEMA)
    assert_df_equality(held, want, ignore_row_order=True, ignore_nullable=True)


def test_scores_do_not_depend_on_partitioning_or_other_snapshots(spark, cfg):
    # A daily run (one snapshot) and a backfill (several snapshots, other partitioning)
    # must agree; the other snapshot has very different values.
    other = example(spark, D - dt.timedelta(days=1)).withColumn(
        "rfm_monetary", (F.col("rfm_monetary") * 100).cast("decimal(18,2)")).withColumn(
        "rfm_recency_days", F.col("rfm_recency_days") + 200)
    daily = scores(example(spark).repartition(1), cfg)
    backfill = scores(example(spark).unionByName(other).repartition(5, "user_key"), cfg)
    both = daily.unionByName(backfill)
    want = expected_scores(spark).unionByName(expected_scores(spark))
    assert_df_equality(both, want, ignore_row_order=True, ignore_nullable=True)


def reference_score(value, values, q=5):
    """score = 1 + #{k in 1..q-1 : q * worse >= k * n}, straight from the definition."""
    worse = sum(1 for other in values if other < value)
    return 1 + sum(1 for k in range(1, q) if q * worse >= k * len(values))


def test_scores_match_the_definition_on_many_tied_values(spark, cfg):
    # 300 purchasers over few distinct values (heavy ties) and a wide money range, so that
    # the work is split over many value buckets.
    rng = random.Random(7)
    users = [(f"u{i:03d}", rng.choice([0, 1, 2, 2, 3, 7, 30, 200, 364]),
              rng.choice([1, 1, 1, 1, 2, 2, 3, 4, 9, 40]),
              Decimal(rng.choice(["0.01", "9.90", "9.90", "99.00", "1234.56", "88888.88"])
                      if rng.random() < 0.5 else f"{rng.randint(1, 10**7) / 100:.2f}"))
             for i in range(300)]
    days, freq, money = ([row[i] for row in users] for i in (1, 2, 3))
    want = spark.createDataFrame(
        [(u, reference_score(-d, [-x for x in days]), reference_score(f, freq),
          reference_score(m, money)) for u, d, f, m in users],
        "user_key string, rfm_r_score int, rfm_f_score int, rfm_m_score int")
    frame = spark.createDataFrame([(D, *row) for row in users], PROFILE).repartition(3)
    actual = scores(frame, cfg).drop("rfm_group")
    assert_df_equality(actual, want, ignore_row_order=True, ignore_nullable=True)


def test_the_group_table_gives_every_score_combination_exactly_its_grid_cell(spark, cfg):
    combos = [(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]
    frame = spark.createDataFrame(combos, "r int, f int, m int")
    actual = frame.withColumn("group", rfm_group(
        F.col("r"), fm_score(F.col("f"), F.col("m")), cfg.get("segments.rfm.groups")))
    # FM is the mean rounded half up: (1, 2) -> 2, (2, 3) -> 3, (1, 4) -> 3, (4, 5) -> 5.
    want = spark.createDataFrame(
        [(r, f, m, GRID[(f + m + 1) // 2 - 1][r - 1]) for r, f, m in combos],
        "r int, f int, m int, group string")
    assert_df_equality(actual, want, ignore_row_order=True, ignore_nullable=True)
    named = {group["name"] for group in cfg.get("segments.rfm.groups")}
    assert named == {cell for row in GRID for cell in row}
    assert len(named) == 11


def test_a_group_table_with_an_uncovered_cell_fails_when_built(cfg):
    groups = [g for g in cfg.get("segments.rfm.groups") if g["name"] != "lost"]
    groups = [g for g in groups if g["name"] != "hibernating"]
    with pytest.raises(ConfigError, match=r"\(1, 1\)"):
        with_rfm_columns(cfg.with_overrides({"segments.rfm.groups": groups}))


@pytest.mark.parametrize("groups", [
    [{"name": "all", "r": [3, 1], "fm": [1, 5]}],                 # lo > hi
    [{"name": "all", "r": [1, 5]}],                               # no fm range
    [{"name": "All Users", "r": [1, 5], "fm": [1, 5]}],           # not a segment name
    [{"name": "a", "r": [1, 5], "fm": [1, 5]}, {"name": "a", "r": [1, 5], "fm": [1, 5]}],
    [],
])
def test_a_malformed_group_table_is_rejected_by_the_conf_schema(cfg, groups):
    with pytest.raises(ConfigError, match="segments.rfm.groups"):
        cfg.with_overrides({"segments.rfm.groups": groups})

"""gold/rule_log: a re-run adds nothing, a changed rule adds a version row, old rows stay."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.common.delta import read_table, replace_where
from jobs.common.errors import InputError
from jobs.profile.schemas import PROFILE_COLUMNS
from jobs.rules import main as rules_stage
from jobs.rules.library import load_library
from jobs.rules.schemas import RULE_LOG
from jobs.rules.transforms import library_frame
from jobs.segments.schemas import SEGMENT_MEMBERSHIP
from jobs.segments.transforms import all_memberships
from tests.rules.helpers import rule, write_rules

pytestmark = pytest.mark.stage

D1 = dt.date(2026, 6, 29)
PROFILE = T.StructType([T.StructField(c, PROFILE_COLUMNS[c][0])
                        for c in ("snapshot_date", "user_key", "age", "consent_marketing")])
LOGGED = T.StructType([T.StructField("snapshot_date", T.DateType()),
                       T.StructField("rule_id", T.StringType()),
                       T.StructField("version", T.IntegerType()),
                       T.StructField("expression", T.StringType()),
                       T.StructField("members", T.LongType())])


def custom_rows(spark, cfg, day):
    """What the segments stage computes for the custom family of one date."""
    ages = [("u20", 20), ("u30", 30), ("u40", 40), ("u_null", None)]
    profile = spark.createDataFrame([(day, user, age, True) for user, age in ages],
                                    PROFILE)   # all consenting: custom is a marketing family
    return all_memberships(profile, cfg, ("custom",))


def log_day(spark, cfg, day, run_id):
    """The rule stage's work for one date, on the membership computed in memory."""
    library = library_frame(spark, load_library(spark, cfg))
    rules_stage.record(library, custom_rows(spark, cfg, day), day, cfg.lakehouse_root, run_id)


def test_a_rule_change_adds_a_version_and_keeps_the_old_rows(spark, cfg, root, tmp_path):
    folder = tmp_path / "rules"
    conf = cfg.with_overrides({"rules.library": str(folder), "lakehouse.root": root})
    write_rules(folder, rule("over_25", "age > 25"), rule("teen", "age < 20"))
    log_day(spark, conf, D1, "rules-1")
    # over_25 changes (version 2); teen does not, so this is also a re-run of teen's row.
    write_rules(folder, rule("over_25", "age > 35", version=2), rule("teen", "age < 20"))
    log_day(spark, conf, D1, "rules-1-v2")

    want = spark.createDataFrame([
        (D1, "over_25", 1, "age > 25", 2), (D1, "over_25", 2, "age > 35", 1),
        (D1, "teen", 1, "age < 20", 0),
    ], LOGGED)
    got = read_table(spark, RULE_LOG, root)
    assert_df_equality(got.select(*LOGGED.fieldNames()), want, ignore_row_order=True,
                       ignore_nullable=True, ignore_metadata=True)
    assert sorted(r["rule_version"][:2] for r in got.filter("rule_id = 'over_25'")
                  .select("rule_version").distinct().collect()) == ["1@", "2@"]


def test_a_membership_from_another_definition_is_refused(spark, cfg, root, tmp_path):
    folder = tmp_path / "rules"
    conf = cfg.with_overrides({"rules.library": str(folder), "lakehouse.root": root})
    write_rules(folder, rule("over_25", "age > 25"))
    replace_where(custom_rows(spark, conf, D1), SEGMENT_MEMBERSHIP, root,
                  f"snapshot_date = DATE'{D1}'", "segments")
    write_rules(folder, rule("over_25", "age > 26"))             # edited, version not bumped
    with pytest.raises(InputError, match=r"of 2026-06-29 holds custom rules the library no "
                                         r"longer defines \(over_25 1@"):
        rules_stage.run(spark, conf, D1, D1, "rules-stale")

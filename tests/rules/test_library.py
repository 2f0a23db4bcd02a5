"""The rule library fails at load, before any data, naming the rule and what is wrong."""

from __future__ import annotations

import pytest

from jobs.common.errors import RuleError
from jobs.rules.library import library_path, load_library, load_rules, rewritten
from tests.rules.helpers import ARTICLE, rule, write_rules

pytestmark = pytest.mark.unit


def test_the_repository_library_loads_in_reference_order(spark, cfg):
    ids = [r.id for r in load_library(spark, cfg)]
    assert library_path(cfg).name == "rules"
    assert ids.index("beauty_test_group") < ids.index("beauty_test_champions")
    assert "prime_evening_mid_spender" in ids


def test_an_unknown_column_names_the_rule_the_column_and_the_known_columns(spark, tmp_path):
    # The article spells the 30-day spend "spend_30d"; the profile calls it paid_30d.
    folder = write_rules(tmp_path, rule("article_example", ARTICLE.replace("paid_30d",
                                                                           "spend_30d")))
    with pytest.raises(RuleError) as failure:
        load_rules(spark, folder)
    message = str(failure.value)
    assert message.startswith("rule article_example (rules.yaml): unknown column 'spend_30d' "
                              "(did you mean paid_30d,")
    assert "known columns: snapshot_date, user_key," in message
    assert ", paid_30d," in message and ", dominant_slot," in message


def test_a_syntax_error_names_the_rule(spark, tmp_path):
    folder = write_rules(tmp_path, rule("fine", "age > 30"),
                         rule("broken", "age between 25 and and paid_30d > 0"))
    with pytest.raises(RuleError, match=r"^rule broken \(rules.yaml\): syntax error in "
                                        r"`age between 25 and and paid_30d > 0`"):
        load_rules(spark, folder)


def test_an_expression_must_be_boolean(spark, tmp_path):
    folder = write_rules(tmp_path, rule("counted", "events_30d + 1"))
    with pytest.raises(RuleError, match="rule counted .* is of type bigint, not boolean"):
        load_rules(spark, folder)


def test_an_aggregate_is_not_a_per_user_rule(spark, tmp_path):
    folder = write_rules(tmp_path, rule("crowd", "count(1) > 10"))
    with pytest.raises(RuleError, match="rule crowd .* does not analyse"):
        load_rules(spark, folder)


def test_rules_referencing_rules_are_ordered_and_a_cycle_fails(spark, tmp_path):
    ordered = load_rules(spark, write_rules(
        tmp_path / "ok",
        rule("c", "in_segment('custom', 'b') and not in_segment('custom', 'a')"),
        rule("b", "in_segment('custom', 'a') or in_segment('rfm', 'champions')"),
        rule("a", "age > 30")))
    assert [r.id for r in ordered] == ["a", "b", "c"]
    cyclic = write_rules(tmp_path / "cycle", rule("a", "in_segment('custom', 'b')"),
                         rule("b", "age > 1 and in_segment('custom', 'a')"))
    with pytest.raises(RuleError, match=r"^rule a: references form a cycle: a -> b -> a$"):
        load_rules(spark, cyclic)


@pytest.mark.parametrize(("expression", "error"), [
    ("in_segment('custom', 'nope')", r"in_segment\('custom', 'nope'\) names no rule"),
    ("in_segment('gossip', 'x')", r"in_segment\('gossip', 'x'\) names an unknown family"),
    ("in_segmnt('rfm', 'lost')", r"rule r .* does not analyse"),
])
def test_a_bad_reference_names_the_rule(spark, tmp_path, expression, error):
    with pytest.raises(RuleError, match=error):
        load_rules(spark, write_rules(tmp_path, rule("r", expression)))


def test_layout_errors_name_the_file_and_rule(spark, tmp_path):
    bad_version = rule("v", "age > 1", version=0)
    with pytest.raises(RuleError, match=r"rules.yaml: rule 'v': 'version' = 0"):
        load_rules(spark, write_rules(tmp_path / "v", bad_version))
    with pytest.raises(RuleError, match="rule d is defined twice"):
        load_rules(spark, write_rules(tmp_path / "d", rule("d", "age > 1"),
                                      rule("d", "age > 2")))
    no_owner = {k: v for k, v in rule("x", "age > 1").items() if k != "owner"}
    with pytest.raises(RuleError, match=r"rule 'x': missing \['owner'\]"):
        load_rules(spark, write_rules(tmp_path / "m", no_owner))


def test_references_are_rewritten_to_columns():
    assert rewritten("in_segment('custom', 'a') and IN_SEGMENT( 'rfm' , 'lost' )") == (
        "`_rule_a` and coalesce(array_contains(`_segments`, 'rfm.lost'), false)")


@pytest.mark.parametrize("rule_id", ["Upper", "trailing_", "two__underscores", "9lives", ""])
def test_an_id_must_be_a_segment_name(spark, tmp_path, rule_id):
    with pytest.raises(RuleError, match="'id' must be words of lower-case letters"):
        load_rules(spark, write_rules(tmp_path, rule(rule_id, "age > 1")))

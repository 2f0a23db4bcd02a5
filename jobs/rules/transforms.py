"""Family ``custom``: the rule library evaluated over the profile, and the rule log rows.

``custom_memberships(cfg)`` is the family's transform, as for every built-in family; the
segment engine (``jobs.segments.transforms.all_memberships``) hands it the built-in
membership it already computed, so that ``in_segment('rfm', 'champions')`` reads the
same rows the snapshot publishes. Membership rows carry ``rule_version``
(``<version>@<hash12>``, see ``jobs.rules.library.Rule``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import reduce

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.config import Config
from jobs.common.errors import RuleError
from jobs.rules.library import (
    CUSTOM,
    SEGMENTS_COLUMN,
    Rule,
    load_library,
    rewritten,
    rule_column,
)
from jobs.rules.schemas import RULE_LOG
from jobs.segments.base import Transform, memberships

FamilyRows = Callable[[str], DataFrame]
KEY = ("snapshot_date", "user_key")
OUTPUT = ("snapshot_date", "user_key", "family", "segment", "rule_version")


def levels(rules: Sequence[Rule]) -> list[list[Rule]]:
    """Rules grouped by depth (0: references no rule); ``rules`` in topological order."""
    depth: dict[str, int] = {}
    for rule in rules:
        depth[rule.id] = 1 + max((depth[r] for r in rule.rule_references), default=-1)
    return [[r for r in rules if depth[r.id] == d] for d in range(max(depth.values()) + 1)]


def with_rule_columns(rules: Sequence[Rule]) -> Transform:
    """Adds ``_rule_<id>`` (boolean, never null) per rule, one withColumns per depth."""
    def transform(frame: DataFrame) -> DataFrame:
        for level in levels(rules) if rules else []:
            frame = frame.withColumns({
                rule_column(r.id): F.coalesce(F.expr(rewritten(r.expression)), F.lit(False))
                for r in level})
        return frame
    return transform


def held_segments(membership: DataFrame, references: Sequence[tuple[str, str]]) -> DataFrame:
    """(snapshot_date, user_key, _segments): the referenced segments each user holds."""
    names = sorted({f"{family}.{segment}" for family, segment in references})
    label = F.concat_ws(".", F.col("family"), F.col("segment"))
    return (membership.filter(label.isin(names)).groupBy(*KEY)
            .agg(F.collect_set(label).alias(SEGMENTS_COLUMN)))


def rule_memberships(profile: DataFrame, rules: Sequence[Rule],
                     held: DataFrame | None = None) -> DataFrame:
    """Membership rows of the custom family: a user is in rule r's segment where r holds."""
    if not rules:
        return profile.filter(F.lit(False)).select(
            *KEY, F.lit(CUSTOM).alias("family"), F.lit("").alias("segment"),
            F.lit(None).cast("string").alias("rule_version"))
    frame = (profile.join(held, on=list(KEY), how="left") if held is not None
             else profile.withColumn(SEGMENTS_COLUMN,
                                     F.lit(None).cast(T.ArrayType(T.StringType()))))
    versions = F.create_map(*[F.lit(v) for r in rules for v in (r.id, r.rule_version)])
    return (memberships(frame.transform(with_rule_columns(rules)), CUSTOM,
                        [(r.id, F.col(rule_column(r.id))) for r in rules])
            .withColumn("rule_version", versions[F.col("segment")])
            .select(*OUTPUT))


def built_in_references(rules: Sequence[Rule]) -> list[tuple[str, str]]:
    return sorted({ref for r in rules for ref in r.references if ref[0] != CUSTOM})


def _family_rows(profile: DataFrame, cfg: Config, given: FamilyRows | None) -> FamilyRows:
    """The given rows of a built-in family, else computed here (custom on its own)."""
    from jobs.segments.transforms import BUILT_IN  # the engine imports this module

    def rows(family: str) -> DataFrame:
        if family not in BUILT_IN or family == CUSTOM:
            raise RuleError(f"a rule references family {family}, which the segment engine "
                            f"does not compute; computed: {', '.join(BUILT_IN)}")
        return given(family) if given else profile.transform(BUILT_IN[family](cfg))
    return rows


def custom_memberships(cfg: Config, family_rows: FamilyRows | None = None) -> Transform:
    """The custom family's transform. The library is loaded and validated here, when the
    transform is built, before any data is read. ``family_rows(family)`` gives a built-in
    family's membership rows (by default they are computed from the profile)."""
    rules = load_library(SparkSession.active(), cfg)
    references = built_in_references(rules)

    def transform(profile: DataFrame) -> DataFrame:
        held = None
        if references:
            rows = _family_rows(profile, cfg, family_rows)
            families = sorted({family for family, _ in references})
            held = held_segments(reduce(DataFrame.unionByName, [rows(f) for f in families]),
                                 references)
        return rule_memberships(profile, rules, held)

    return transform


def library_frame(spark: SparkSession, rules: Sequence[Rule]) -> DataFrame:
    """The library as rows (rule-sized): id, version, hash, rule_version and the texts."""
    schema = T.StructType([
        T.StructField("rule_id", T.StringType(), nullable=False),
        T.StructField("version", T.IntegerType(), nullable=False),
        T.StructField("expression_hash", T.StringType(), nullable=False),
        T.StructField("rule_version", T.StringType(), nullable=False),
        T.StructField("expression", T.StringType(), nullable=False),
        T.StructField("name", T.StringType(), nullable=False),
        T.StructField("owner", T.StringType(), nullable=False),
        T.StructField("description", T.StringType(), nullable=False),
        T.StructField("source", T.StringType(), nullable=False),
    ])
    rows = [(r.id, r.version, r.expression_hash, r.rule_version, r.normalized, r.name,
             r.owner, r.description, r.source) for r in rules]
    return spark.createDataFrame(rows, schema)


def rule_log_rows(library: DataFrame, custom_membership: DataFrame,
                  snapshot: dt.date) -> DataFrame:
    """One row per rule of the library for the snapshot: its definition and member count
    (0 for a rule without members). ``custom_membership``: the custom family's rows."""
    counts = (custom_membership.filter(F.col("snapshot_date") == F.lit(snapshot))
              .groupBy(F.col("segment").alias("rule_id"), "rule_version")
              .agg(F.count(F.lit(1)).alias("members")))
    return (library.join(counts, on=["rule_id", "rule_version"], how="left")
            .withColumns({"snapshot_date": F.lit(snapshot),
                          "members": F.coalesce(F.col("members"), F.lit(0).cast("long"))})
            .select(*RULE_LOG.columns))


def unknown_versions(library: DataFrame, custom_membership: DataFrame) -> DataFrame:
    """(segment, rule_version) pairs of the membership that the library does not hold now:
    the membership was computed from another definition (rule-sized)."""
    held = custom_membership.select(F.col("segment").alias("rule_id"), "rule_version").distinct()
    return held.join(library, on=["rule_id", "rule_version"], how="left_anti")

"""The rule library: custom segments (family ``custom``) kept in ``conf/rules/*.yaml``.

A rule file holds ``rules:``, a list of

    - id: beauty_test_group          # the segment name: lower-case words joined by '_'
      name: Beauty product test group
      owner: growth-team
      description: Tier-1 city women aged 25-35 (the article's beauty test group).
      version: 1                     # a positive integer; bump it when the expression changes
      expression: city_tier = 1 and gender = 'female' and age between 25 and 35

``expression`` is a Spark SQL boolean expression over the ``gold/user_profile`` columns
(``jobs.profile.schemas.USER_PROFILE``). It may reference membership of any segment with
``in_segment('<family>', '<segment>')``: a built-in segment computed for the same
snapshot (``in_segment('rfm', 'champions')``) or another rule (``in_segment('custom',
'beauty_test_group')``). Rules referencing rules are evaluated in topological order; a
cycle fails. A null result is no membership.

``load_library`` validates everything before any data is read: the YAML layout, unique
ids, the references, the cycles, and the expression itself, analysed by Spark against
an empty frame with the profile's schema. A syntax error or an unknown column raises a
``RuleError`` naming the rule id, the column and the known columns.

How a reference is evaluated (``rewritten``): ``in_segment('custom', 'x')`` becomes the
boolean column ``_rule_x`` (computed earlier in the order, never null);
``in_segment('<family>', 's')`` becomes ``coalesce(array_contains(_segments,
'<family>.s'), false)``, ``_segments`` being the user's referenced built-in segments.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pyspark.errors import AnalysisException, ParseException
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.common.config import Config
from jobs.common.errors import RuleError
from jobs.profile.schemas import USER_PROFILE
from jobs.segments.base import FAMILIES

CUSTOM = "custom"
FIELDS = ("id", "name", "owner", "description", "version", "expression")
# Words of lower-case letters and digits joined by single '_': what the segment catalogue
# (jobs/segments/catalogue.py) accepts for a custom segment name.
ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
REFERENCE = re.compile(r"in_segment\s*\(\s*'([^']*)'\s*,\s*'([^']*)'\s*\)", re.IGNORECASE)
SEGMENTS_COLUMN = "_segments"  # array<string> of '<family>.<segment>' held (referenced only)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    owner: str
    description: str
    version: int
    expression: str
    source: str  # the file it came from

    @property
    def normalized(self) -> str:
        """The expression with runs of whitespace collapsed: what is hashed and logged."""
        return " ".join(self.expression.split())

    @property
    def expression_hash(self) -> str:
        return hashlib.sha256(self.normalized.encode("utf-8")).hexdigest()

    @property
    def rule_version(self) -> str:
        """``<version>@<first 12 hex of the hash>``: names the exact definition even if
        someone edits an expression and forgets to bump the version."""
        return f"{self.version}@{self.expression_hash[:12]}"

    @property
    def references(self) -> tuple[tuple[str, str], ...]:
        return tuple((family.lower(), segment) for family, segment
                     in REFERENCE.findall(self.expression))

    @property
    def rule_references(self) -> tuple[str, ...]:
        return tuple(seg for family, seg in self.references if family == CUSTOM)


def rule_column(rule_id: str) -> str:
    return f"_rule_{rule_id}"


def rewritten(expression: str) -> str:
    """The expression with every in_segment(...) replaced by what evaluates it."""
    def replace(match: re.Match[str]) -> str:
        family, segment = match.group(1).lower(), match.group(2)
        if family == CUSTOM:
            return f"`{rule_column(segment)}`"
        return f"coalesce(array_contains(`{SEGMENTS_COLUMN}`, '{family}.{segment}'), false)"
    return REFERENCE.sub(replace, expression)


def library_path(cfg: Config) -> Path:
    """conf ``rules.library``: a folder (every *.yaml in it) or one file; relative to conf/."""
    path = Path(str(cfg.get("rules.library")))
    return path if path.is_absolute() else cfg.conf_dir / path


def _parse_rule(entry: Any, source: str, position: int) -> Rule:
    if not isinstance(entry, Mapping):
        raise RuleError(f"{source}: rule #{position} is not a mapping of {', '.join(FIELDS)}")
    rule_id = entry.get("id")
    label = f"{source}: rule {rule_id!r}" if rule_id else f"{source}: rule #{position}"
    if not isinstance(rule_id, str) or not ID_PATTERN.match(rule_id):
        raise RuleError(f"{label}: 'id' must be words of lower-case letters and digits "
                        "joined by single '_', starting with a letter")
    missing = [f for f in FIELDS if f not in entry]
    unknown = sorted(set(entry) - set(FIELDS))
    if missing or unknown:
        raise RuleError(f"{label}: missing {missing} / unknown {unknown} keys; "
                        f"a rule has exactly {', '.join(FIELDS)}")
    version = entry["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RuleError(f"{label}: 'version' = {version!r} is not a positive integer")
    texts = {f: entry[f] for f in ("name", "owner", "description", "expression")}
    empty = [f for f, v in texts.items() if not isinstance(v, str) or not v.strip()]
    if empty:
        raise RuleError(f"{label}: {', '.join(empty)} must be non-empty text")
    return Rule(id=rule_id, version=version, source=source,
                **{f: str(v).strip() for f, v in texts.items()})


def read_rules(path: Path) -> list[Rule]:
    """Every rule of a file, or of every *.yaml file of a folder (sorted by name)."""
    if not path.exists():
        raise RuleError(f"rule library {path} not found (conf key 'rules.library')")
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    rules: list[Rule] = []
    for file in files:
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RuleError(f"{file}: not valid YAML: {exc}") from exc
        entries = data.get("rules", []) if isinstance(data, Mapping) else None
        if not isinstance(entries, list):
            raise RuleError(f"{file}: expected 'rules:' holding a list of rules")
        rules += [_parse_rule(e, file.name, i) for i, e in enumerate(entries, start=1)]
    return rules


def check_references(rules: Sequence[Rule]) -> None:
    ids = {r.id for r in rules}
    for rule in rules:
        for family, segment in rule.references:
            if family not in FAMILIES:
                raise RuleError(f"rule {rule.id}: in_segment('{family}', '{segment}') names an "
                                f"unknown family; known: {', '.join(FAMILIES)}")
            if family == CUSTOM and segment not in ids:
                raise RuleError(f"rule {rule.id}: in_segment('custom', '{segment}') names no "
                                f"rule of the library; rules: {', '.join(sorted(ids))}")


def topological(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """Rules ordered so that each comes after the rules it references; a cycle fails."""
    by_id = {r.id: r for r in rules}
    ordered: list[Rule] = []
    state: dict[str, str] = {}  # id -> "visiting" | "done"

    def visit(rule_id: str, path: tuple[str, ...]) -> None:
        if state.get(rule_id) == "done":
            return
        if state.get(rule_id) == "visiting":
            cycle = " -> ".join((*path[path.index(rule_id):], rule_id))
            raise RuleError(f"rule {rule_id}: references form a cycle: {cycle}")
        state[rule_id] = "visiting"
        for ref in by_id[rule_id].rule_references:
            visit(ref, (*path, rule_id))
        state[rule_id] = "done"
        ordered.append(by_id[rule_id])

    for rule in rules:
        visit(rule.id, ())
    return tuple(ordered)


def analysis_schema(rules: Sequence[Rule]) -> T.StructType:
    """What an expression is analysed against: the profile, the referenced segments and
    the rules' own columns."""
    return T.StructType([
        *USER_PROFILE.schema.fields,
        T.StructField(SEGMENTS_COLUMN, T.ArrayType(T.StringType())),
        *(T.StructField(rule_column(r.id), T.BooleanType()) for r in rules),
    ])


def _unknown_column(exc: AnalysisException) -> tuple[str, str] | None:
    """(column, Spark's suggestions) of an unresolved column, else None."""
    condition = exc.getCondition() or ""
    if condition.startswith("UNRESOLVED_COLUMN") or condition.startswith("UNRESOLVED_FIELD"):
        params = exc.getMessageParameters() or {}
        name = params.get("objectName", "").replace("`", "")
        return (name, params.get("proposal", "").replace("`", "")) if name else None
    return None


def check_expression(spark: SparkSession, rule: Rule, schema: T.StructType) -> None:
    """Analyse the expression against an empty frame: nothing is read, nothing is run."""
    known = ", ".join(USER_PROFILE.columns)
    empty = spark.createDataFrame([], schema)
    try:
        analysed = empty.select("user_key", F.expr(rewritten(rule.expression)).alias("_m"))
        result = analysed.schema["_m"].dataType
    except ParseException as exc:
        raise RuleError(f"rule {rule.id} ({rule.source}): syntax error in "
                        f"`{rule.normalized}`: {exc.getMessage()}") from exc
    except AnalysisException as exc:
        unknown = _unknown_column(exc)
        if unknown is not None:
            column, proposal = unknown
            hint = f" (did you mean {proposal}?)" if proposal else ""
            raise RuleError(f"rule {rule.id} ({rule.source}): unknown column '{column}'{hint} "
                            f"in `{rule.normalized}`; known columns: {known}; membership: "
                            "in_segment('<family>', '<segment>')") from exc
        raise RuleError(f"rule {rule.id} ({rule.source}): `{rule.normalized}` does not "
                        f"analyse: {exc.getMessage()}") from exc
    if not isinstance(result, T.BooleanType):
        raise RuleError(f"rule {rule.id} ({rule.source}): `{rule.normalized}` is of type "
                        f"{result.simpleString()}, not boolean")


def load_rules(spark: SparkSession, path: Path) -> tuple[Rule, ...]:
    """The validated library, in evaluation (topological) order."""
    rules = read_rules(path)
    seen: dict[str, str] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"rule {rule.id} is defined twice ({seen[rule.id]}, {rule.source})")
        seen[rule.id] = rule.source
    check_references(rules)
    ordered = topological(rules)
    schema = analysis_schema(ordered)
    for rule in ordered:
        check_expression(spark, rule, schema)
    return ordered


def load_library(spark: SparkSession, cfg: Config) -> tuple[Rule, ...]:
    return load_rules(spark, library_path(cfg))

"""The quality gate: a suite file validated on a Spark DataFrame with Great Expectations 1.x.

The DataFrame is validated where it is (GX's Spark data source over the running
session: no restart, no pandas). Every validation runs a GX Checkpoint of the project
under ``<lakehouse>/quality/gx``; its results are kept as rows of
``quality/validation_results`` and rendered as Data Docs pages once per stage
(``Gate.build_docs``). ``Outcome`` says what failed on what.

Lean by construction: a first pass computes what each expectation needs to pass or fail
(observed values, unexpected counts) and collects no examples; only a suite with a
failed expectation runs again for up to five unexpected values each. The context, suites,
validation definitions and checkpoints are made once per process and lakehouse.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from jobs.common.config import Config
from jobs.common.delta import replace_where
from jobs.common.errors import ConfigError, SegmentationError
from jobs.quality.schemas import VALIDATION_RESULTS
from jobs.quality.suites import load_suite, suite_parameters

DATASOURCE = "lakehouse"
FIRST_PASS = {"result_format": "BASIC", "partial_unexpected_count": 0}
EXAMPLES = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
EXAMPLES_SUFFIX = ".examples"
MAX_TEXT = 1000
SAFE = str.maketrans({"/": "_", ":": "_", "\\": "_"})  # run names become directory names


class QualityGateError(SegmentationError):
    """A critical expectation failed: the data does not move on (exit code 2)."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str,
                                                           ensure_ascii=False)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "..."


@dataclass(frozen=True)
class Check:
    """The result of one expectation."""

    index: int
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed_value: str | None
    unexpected_count: int | None
    unexpected_examples: str | None
    kwargs: str
    element_count: int | None

    def describe(self) -> str:
        target = f"({self.column})" if self.column else ""
        text = f"[{self.severity}] {self.expectation}{target}"
        if self.observed_value is not None:
            text += f" observed {self.observed_value}"
        if self.unexpected_count:
            text += f"; {self.unexpected_count} unexpected, e.g. {self.unexpected_examples}"
        return text + f"; expected {self.kwargs}"


@dataclass(frozen=True)
class Outcome:
    """Every check of one suite on one table for one run date."""

    table: str
    suite: str
    run_date: dt.date
    checks: tuple[Check, ...]
    # The stored GX validation result, for its Data Docs page.
    result_id: Any = field(default=None, compare=False, repr=False)

    def failed(self, severity: str) -> list[Check]:
        return [c for c in self.checks if not c.success and c.severity == severity]

    @property
    def passed(self) -> bool:
        return not self.failed("critical")

    def summary_line(self) -> str:
        return (f"{self.table} {self.run_date}: {'PASS' if self.passed else 'FAIL'} "
                f"({sum(c.success for c in self.checks)}/{len(self.checks)} expectations; "
                f"{len(self.failed('critical'))} critical, {len(self.failed('warning'))} "
                "warning failed)")

    def report(self) -> str:
        lines = [self.summary_line()]
        lines += [f"  {c.describe()}" for c in self.failed("critical") + self.failed("warning")]
        return "\n".join(lines)


def _check(index: int, result: Any) -> Check:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    column = kwargs.get("column") or ",".join(kwargs.get("column_list") or []) or None
    detail = result.result or {}
    if result.exception_info and result.exception_info.get("raised_exception"):
        detail = {"observed_value": result.exception_info.get("exception_message")}
    severity = getattr(config, "severity", "critical")
    mismatched = (detail.get("details") or {}).get("mismatched")
    if mismatched:  # a column set: the difference says more than 100 column names
        detail = {**detail, "observed_value": mismatched}
    return Check(
        index=index,
        expectation=config.type,
        column=column,
        severity=getattr(severity, "value", str(severity)),
        success=bool(result.success),
        observed_value=_text(detail.get("observed_value")),
        unexpected_count=detail.get("unexpected_count"),
        unexpected_examples=_text(detail.get("partial_unexpected_list") or None),
        kwargs=_text(kwargs) or "{}",
        element_count=detail.get("element_count"),
    )


@dataclass
class _Project:
    """One lakehouse's GX project in this process: the context, and the validation
    definitions and checkpoints made, keyed by (name, suite file content)."""

    context: Any
    source: Any
    definitions: dict[tuple[str, str], Any] = field(default_factory=dict)
    checkpoints: dict[tuple[str, str], Any] = field(default_factory=dict)


_PROJECTS: dict[str, _Project] = {}


def _project(project_dir: Path) -> _Project:
    """The GX project under ``project_dir``, opened once per process."""
    key = str(project_dir.resolve())
    if key not in _PROJECTS:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="file", project_root_dir=key)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.save()
        source = context.data_sources.add_or_update_spark(name=DATASOURCE, persist=False)
        _PROJECTS[key] = _Project(context, source)
    return _PROJECTS[key]


class Gate:
    """One Great Expectations project per lakehouse; validates DataFrames against suites."""

    def __init__(self, spark: SparkSession, cfg: Config) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx

        self._gx = gx
        self.spark = spark
        self.cfg = cfg
        self.suites_dir = Path(str(cfg.get("quality.suites_dir")))
        if not self.suites_dir.is_dir():
            raise ConfigError(f"quality.suites_dir {self.suites_dir.resolve()} is not a directory")
        self.project_dir = Path(f"{cfg.lakehouse_root}/quality")
        self._project = _project(self.project_dir)
        self.context = self._project.context
        self._results: list[Any] = []   # validated since the last build_docs

    @property
    def docs_index(self) -> str:
        return str(self.project_dir / "gx/uncommitted/data_docs/local_site/index.html")

    def suite_path(self, suite: str) -> Path:
        return self.suites_dir / f"{suite}.json"

    def _checkpoint(self, suite_name: str, examples: bool) -> Any:
        """The suite's checkpoint (first pass or examples), made once per process: the
        key holds the suite file's content, so an edited file makes a new one. Both
        checkpoints of a suite share one validation definition (re-adding it would leave
        the other checkpoint holding a stale copy)."""
        text = self.suite_path(suite_name).read_text()
        name = suite_name + (EXAMPLES_SUFFIX if examples else "")
        made = self._project.checkpoints.get((name, text))
        if made is None:
            definition = self._project.definitions.get((suite_name, text))
            if definition is None:
                definition = self._make_definition(suite_name)
                self._project.definitions[(suite_name, text)] = definition
            made = self.context.checkpoints.add_or_update(self._gx.Checkpoint(
                name=name, validation_definitions=[definition],
                result_format=EXAMPLES if examples else FIRST_PASS))
            self._project.checkpoints[(name, text)] = made
        return made

    def _make_definition(self, suite_name: str) -> Any:
        gx, context = self._gx, self.context
        suite = context.suites.add_or_update(load_suite(self.suite_path(suite_name)))
        try:
            asset = self._project.source.get_asset(suite_name)
        except LookupError:
            asset = self._project.source.add_dataframe_asset(name=suite_name)
        try:
            batch = asset.get_batch_definition("whole")
        except KeyError:
            batch = asset.add_batch_definition_whole_dataframe("whole")
        return context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite_name, data=batch, suite=suite))

    def validate(self, df: DataFrame, table: str, suite: str, run_date: dt.date,
                 parameters: Mapping[str, Any], run_id: str) -> Outcome:
        """Validate ``df`` (already scoped to the run) against ``expectations/<suite>.json``.

        The suite runs ~20 queries over ``df`` as given: a frame read from a table is
        best computed once by the caller first (``jobs.quality.targets.computed``)."""
        needed = suite_parameters(self.suite_path(suite))
        missing = needed - set(parameters)
        if missing:
            raise ConfigError(f"suite {suite} needs parameter(s) {', '.join(sorted(missing))}")
        from great_expectations.core.run_identifier import RunIdentifier

        run = RunIdentifier(run_name=f"{suite} {run_date} {run_id}".translate(SAFE))
        result = self._checkpoint(suite, examples=False).run(
            batch_parameters={"dataframe": df},
            expectation_parameters=dict(parameters), run_id=run)
        (validation,) = result.run_results.values()
        if not validation.success or any(not r.success for r in validation.results):
            # Something failed: the same suite again, with examples of what failed.
            result = self._checkpoint(suite, examples=True).run(
                batch_parameters={"dataframe": df},
                expectation_parameters=dict(parameters), run_id=run)
        (identifier,) = result.run_results
        (validation,) = result.run_results.values()
        self._results.append(identifier)
        checks = tuple(_check(i, r) for i, r in enumerate(validation.results))
        return Outcome(table=table, suite=suite, run_date=run_date, checks=checks,
                       result_id=identifier)

    def validate_all(self, targets: Iterable[Any], run_id: str) -> list[Outcome]:
        """Every target (``jobs.quality.targets.Target``) validated, in order. One at a
        time: Great Expectations' file-backed stores are not safe for concurrent runs (a
        checkpoint's freshness check read a config file another thread was rewriting)."""
        return [self.validate(t.frame, t.table, t.suite, t.run_date, t.parameters, run_id)
                for t in targets]

    def build_docs(self) -> str:
        """The Data Docs pages of what this gate validated, and the index; returns its path.
        (An UpdateDataDocsAction on the Checkpoint leaves the validation pages unbuilt in
        GX 1.24, hence the explicit build.)"""
        if self._results:
            self.context.build_data_docs(resource_identifiers=self._results)
            self._results = []
        return self.docs_index

    def record(self, outcomes: Iterable[Outcome], run_id: str) -> None:
        """Keep the checks in quality/validation_results, replacing the same run date and table."""
        outcomes = list(outcomes)
        if not outcomes:
            return
        rows = [(o.run_date, o.table, o.suite, c.index, c.expectation, c.column, c.severity,
                 c.success, c.observed_value, c.unexpected_count, c.unexpected_examples,
                 c.kwargs, c.element_count, run_id) for o in outcomes for c in o.checks]
        frame = self.spark.createDataFrame(rows, VALIDATION_RESULTS.schema)
        dates: dict[str, set[dt.date]] = {}
        for o in outcomes:
            dates.setdefault(o.table, set()).add(o.run_date)
        # One term per table, whatever the number of dates (an audit of a year: 365).
        scope = " OR ".join(f"(table_name = '{table}' AND run_date IN ({date_list(days)}))"
                            for table, days in dates.items())
        replace_where(frame, VALIDATION_RESULTS, self.cfg.lakehouse_root, scope, run_id)


def date_list(days: Iterable[dt.date]) -> str:
    """SQL date literals, comma-separated, in date order."""
    return ", ".join(f"DATE'{day}'" for day in sorted(days))


def enforce(outcomes: Iterable[Outcome], what: str) -> None:
    """Print every outcome; raise QualityGateError naming each failed critical expectation."""
    outcomes = list(outcomes)
    for outcome in outcomes:
        print(outcome.report(), flush=True)
    failed = [o for o in outcomes if not o.passed]
    if failed:
        details = "\n".join(f"  {o.table} {o.run_date}: {c.describe()}"
                            for o in failed for c in o.failed("critical"))
        raise QualityGateError(f"{what} stopped by the quality gate:\n{details}")

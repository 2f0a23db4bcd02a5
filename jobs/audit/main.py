"""Audit of a run before publication: silver suites, the staged gold suites, the leak scan
(jobs/privacy/leak_scan.py) over both, the k-anonymity gate over the BI aggregates
(jobs/privacy/k_anonymity.py), segment drift.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/audit/main.py \
        --run-date 2026-06-30 [--env local] [--fail-on-drift]

Write-audit-publish: profile and segments wrote snapshot D to staging/; this job
validates those rows at the staging version they have now and records the verdict per
gold table in quality/audit_log. jobs/publish publishes exactly the audited versions
and nothing that failed. A failed critical expectation (or drift, when blocking) exits
2 and names the expectation and what was observed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.audit.drift import segment_drift
from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, staged, table_exists, table_version
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.privacy.k_anonymity import small_cell_lines
from jobs.privacy.leak_scan import known_identifiers, leak_hits
from jobs.quality.gate import Gate, Outcome, QualityGateError
from jobs.quality.schemas import AUDIT_LOG
from jobs.quality.targets import (
    BI_AGGREGATES,
    GOLD_TABLES,
    Target,
    computed,
    gold_targets,
    silver_targets,
)
from jobs.rollup.main import touched_dates
from jobs.segments.schemas import SEGMENT_SUMMARY


def previous_summary(spark: SparkSession, cfg: Config, day: dt.date) -> DataFrame | None:
    """The published summary of the latest snapshot before ``day``, if any."""
    root = cfg.lakehouse_root
    if not table_exists(spark, SEGMENT_SUMMARY, root):
        return None
    published = read_table(spark, SEGMENT_SUMMARY, root).filter(F.col("snapshot_date") < day)
    latest = published.agg(F.max("snapshot_date")).first()[0]
    return None if latest is None else published.filter(F.col("snapshot_date") == latest)


def drift_lines(spark: SparkSession, cfg: Config, day: dt.date, summary: DataFrame) -> list[str]:
    """One line per drifted segment (a segment-sized list, never user-sized)."""
    previous = previous_summary(spark, cfg, day)
    if previous is None:
        return []
    drifted = segment_drift(summary, previous, float(cfg.get("quality.drift.max_share")),
                            int(cfg.get("quality.drift.min_members")))
    return [f"drift {r['family']}/{r['segment']}: {r['previous_members']} -> {r['members']}"
            + (f" ({r['change']:+.0%})" if r["change"] is not None else " (new or gone)")
            for r in drifted.orderBy("family", "segment").collect()]


def verdict_rows(day: dt.date, versions: dict[str, int], outcomes: list[Outcome],
                 upstream: list[str], drift: list[str], drift_blocks: bool,
                 run_id: str) -> list[tuple]:
    """An audit_log row per gold table: passed only when it, silver and drift all pass."""
    rows = []
    for spec, outcome in zip(GOLD_TABLES, outcomes, strict=True):
        failures = [c.describe() for c in outcome.failed("critical")] + upstream
        warnings = [c.describe() for c in outcome.failed("warning")]
        (failures if drift_blocks else warnings).extend(drift)
        rows.append((day, spec.name, versions[spec.name], not failures,
                     "\n".join(failures) or None, "\n".join(warnings) or None, run_id))
    return rows


def leak_lines(spark: SparkSession, cfg: Config, targets: list[Target]) -> list[str]:
    """The leak scan's hits in the targets' rows: one line per (table, column, kind)."""
    root = cfg.lakehouse_root
    users = BRONZE_TABLES["users"]
    if not table_exists(spark, users, root):
        return []
    hits = leak_hits([(t.table, t.frame) for t in targets],
                     known_identifiers(read_table(spark, users, root)))
    return [f"leak scan: {r['table_name']}.{r['column']} holds {r['rows']} {r['kind']} "
            f"value(s), e.g. {r['example']}"
            for r in hits.orderBy("table_name", "column", "kind").collect()]  # a few rows


def k_anonymity_lines(cfg: Config, targets: list[Target]) -> list[str]:
    """The BI aggregates among the targets that publish a cell under k (the gate)."""
    bi_tables = {f"{staged(spec).layer}/{spec.name}" for spec in BI_AGGREGATES}
    return small_cell_lines([(t.table, t.frame, "members") for t in targets
                             if t.table in bi_tables], int(cfg.get("privacy.k_anonymity.k")))


def audit_silver(spark: SparkSession, cfg: Config, gate: Gate, first: dt.date, last: dt.date,
                 run_id: str) -> tuple[list[Outcome], list[str]]:
    """The silver suites and the leak scan over what the run landed and the dates its
    rollup touched; returns the outcomes and the critical failures."""
    with computed(silver_targets(spark, cfg, first, last,
                                 touched_dates(cfg, first, last))) as targets:
        outcomes = gate.validate_all(targets, run_id)
        leaks = leak_lines(spark, cfg, targets)
    for outcome in outcomes:
        print(outcome.report(), flush=True)
    for line in leaks:
        print(f"  [critical] {line}", flush=True)
    return outcomes, [f"{o.table}: {c.describe()}" for o in outcomes
                      for c in o.failed("critical")] + leaks


def audit_snapshot(spark: SparkSession, cfg: Config, gate: Gate, day: dt.date,
                   upstream: list[str], run_id: str) -> tuple[list[Outcome], list[tuple]]:
    """The staged gold suites and drift of one snapshot: their outcomes, and the verdict
    rows for quality/audit_log."""
    root = cfg.lakehouse_root
    drift_blocks = bool(cfg.get("quality.drift.blocking"))
    versions = {s.name: table_version(spark, staged(s), root) for s in GOLD_TABLES}
    with computed(gold_targets(spark, cfg, day, versions)) as targets:
        outcomes = gate.validate_all(targets, run_id)
        leaks = leak_lines(spark, cfg, targets) + k_anonymity_lines(cfg, targets)
        (summary,) = [t.frame for t in targets
                      if t.table == f"staging/{SEGMENT_SUMMARY.name}"]
        drift = drift_lines(spark, cfg, day, summary)
    rows = verdict_rows(day, versions, outcomes, upstream + leaks, drift, drift_blocks, run_id)
    for outcome in outcomes:
        print(outcome.report(), flush=True)
    for line in leaks:
        print(f"  [critical] {line}", flush=True)
    for line in drift:
        print(f"  [{'critical' if drift_blocks else 'warning'}] {line}", flush=True)
    return outcomes, rows


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    """Every check and verdict of the range is kept in one commit per table at the end
    (quality/validation_results, quality/audit_log), not one per suite group and day."""
    gate = Gate(spark, cfg)
    outcomes, upstream = audit_silver(spark, cfg, gate, first, last, run_id)
    verdicts: list[tuple] = []
    day = first
    while day <= last:
        checked, rows = audit_snapshot(spark, cfg, gate, day, upstream, run_id)
        outcomes += checked
        verdicts += rows
        day += dt.timedelta(days=1)
    gate.record(outcomes, run_id)
    replace_where(spark.createDataFrame(verdicts, AUDIT_LOG.schema), AUDIT_LOG,
                  cfg.lakehouse_root,
                  f"snapshot_date BETWEEN DATE'{first}' AND DATE'{last}'", run_id)
    print(f"Data Docs: {gate.build_docs()}", flush=True)
    problems = [f"  {row[0]} {row[1]}: {line}" for row in verdicts if not row[3]
                for line in row[4].splitlines()]
    if problems:
        raise QualityGateError(f"audit {first}..{last} failed; nothing of it will be "
                               "published:\n" + "\n".join(dict.fromkeys(problems)))


def add_drift_option(parser: argparse.ArgumentParser) -> None:
    """``--fail-on-drift``: this stage's option, also taken by jobs/pipeline."""
    parser.add_argument("--fail-on-drift", action="store_true",
                        help="segment drift blocks publication (default: quality.drift.blocking)")


def drift_overrides(args: argparse.Namespace) -> dict[str, bool] | None:
    """The conf overrides ``--fail-on-drift`` stands for."""
    return {"quality.drift.blocking": True} if args.fail_on_drift else None


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Audit the staged gold tables of a date or a range.")
    add_drift_option(parser)
    args = parser.parse_args(argv)
    cli.run_stage("audit", run, args, overrides=drift_overrides(args))


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

"""Publication: the audited staging versions of a snapshot become gold, one commit per table.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/publish/main.py \
        --run-date 2026-06-30 [--env local]

Reads quality/audit_log for each date; publishes only when every gold table of the date
passed, copying exactly the staging version the audit judged with one replaceWhere
commit per gold table. Anything else (no audit, a failed one) leaves gold as it was
and exits 2, saying why.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, staged, table_exists
from jobs.quality.gate import QualityGateError
from jobs.quality.schemas import AUDIT_LOG
from jobs.quality.targets import GOLD_TABLES, read_version


def audited_versions(spark: SparkSession, cfg: Config, day: dt.date) -> dict[str, int]:
    """gold table -> the staging version that passed its audit for ``day``; raises otherwise."""
    root = cfg.lakehouse_root
    verdicts = {}
    if table_exists(spark, AUDIT_LOG, root):
        rows = read_table(spark, AUDIT_LOG, root).filter(F.col("snapshot_date") == day).collect()
        verdicts = {r["table_name"]: r for r in rows}  # three rows per date at most
    missing = [s.name for s in GOLD_TABLES if s.name not in verdicts]
    if missing:
        raise QualityGateError(f"{day}: no audit of {', '.join(missing)}; run jobs/audit first")
    failed = [f"  {name}: {row['failures']}" for name, row in verdicts.items()
              if not row["passed"]]
    if failed:
        raise QualityGateError(f"{day}: the audit failed, gold is left as it was:\n"
                                + "\n".join(failed))
    return {name: int(row["staged_version"]) for name, row in verdicts.items()}


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    root = cfg.lakehouse_root
    day = first
    while day <= last:
        versions = audited_versions(spark, cfg, day)
        for spec in GOLD_TABLES:
            rows = read_version(spark, staged(spec), root, versions[spec.name]).filter(
                F.col("snapshot_date") == day)
            metrics = replace_where(rows, spec, root, f"snapshot_date = DATE'{day}'", run_id,
                                    metrics=True)
            print(f"published {spec.path(root)} {day}: staging version "
                  f"{versions[spec.name]} -> gold version {metrics['version']}", flush=True)
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Publish the audited snapshot(s) to gold.").parse_args(argv)
    cli.run_stage("publish", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

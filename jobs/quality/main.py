"""Quality of what landed: the bronze suites over the run's ingest dates.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/quality/main.py \
        --run-date 2026-06-30 [--env local]

Runs after ingest and before anything reads bronze: a failed critical expectation
stops the run here (exit 2) with what failed on which data. Results go to
quality/validation_results and to the Data Docs under <lakehouse>/quality/gx.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

from pyspark.sql import SparkSession

from jobs.common import cli
from jobs.common.config import Config
from jobs.quality.gate import Gate, Outcome, enforce
from jobs.quality.targets import bronze_targets, computed


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date,
        run_id: str) -> list[Outcome]:
    gate = Gate(spark, cfg)
    with computed(bronze_targets(spark, cfg, first, last)) as targets:
        outcomes = gate.validate_all(targets, run_id)
    gate.record(outcomes, run_id)
    print(f"Data Docs: {gate.build_docs()}", flush=True)
    enforce(outcomes, f"bronze {first}..{last}")
    return outcomes


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Validate the bronze tables of the run's ingest dates.").parse_args(argv)
    cli.run_stage("quality", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

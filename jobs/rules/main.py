"""The rule log of a date or a range: gold/rule_log from the published custom membership.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/rules/main.py \
        --run-date 2026-06-30 [--env local]

Loads and validates the library (conf ``rules.library``) before reading anything, reads
the custom family's rows of gold/segment_membership for each date and writes one row per
(date, rule, definition) into gold/rule_log, replacing only the date's rows of the
definitions the library holds now: a re-run rewrites its own rows, a changed rule adds a
row, rows of older definitions stay.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, table_exists
from jobs.common.errors import InputError
from jobs.rules.library import CUSTOM, load_library
from jobs.rules.schemas import RULE_LOG
from jobs.rules.transforms import library_frame, rule_log_rows, unknown_versions
from jobs.segments.schemas import SEGMENT_MEMBERSHIP


def record(library: DataFrame, custom: DataFrame, day: dt.date, root: str,
           run_id: str) -> dict[str, Any]:
    """Write the rule log rows of one date; ``custom``: that date's custom membership.

    Replaces exactly the rows of (D, a definition the library holds now): a re-run
    rewrites its own rows, a changed rule adds a row, rows of older definitions stay.
    """
    stale = unknown_versions(library, custom).collect()  # rule-sized
    if stale:
        listed = ", ".join(f"{r['rule_id']} {r['rule_version']}" for r in stale)
        raise InputError(f"gold/segment_membership of {day} holds custom rules the library "
                         f"no longer defines ({listed}): re-run segments for {day}")
    definitions = [f"'{r['rule_id']}/{r['rule_version']}'"
                   for r in library.select("rule_id", "rule_version").collect()]  # rule-sized
    if not definitions:
        return {"numOutputRows": 0}
    condition = (f"snapshot_date = DATE'{day}' AND concat_ws('/', rule_id, rule_version) "
                 f"IN ({', '.join(definitions)})")
    return replace_where(rule_log_rows(library, custom, day), RULE_LOG, root, condition, run_id)


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    root = cfg.lakehouse_root
    library = library_frame(spark, load_library(spark, cfg))
    if not table_exists(spark, SEGMENT_MEMBERSHIP, root):
        raise InputError(f"{SEGMENT_MEMBERSHIP.path(root)} does not exist: run segments first")
    day = first
    while day <= last:
        snapshot = read_table(spark, SEGMENT_MEMBERSHIP, root).filter(
            F.col("snapshot_date") == day)
        if not snapshot.limit(1).count():
            raise InputError(f"gold/segment_membership has no rows for {day}: run segments first")
        record(library, snapshot.filter(F.col("family") == CUSTOM), day, root, run_id)
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Record the custom rules behind each date's audiences.").parse_args(argv)
    cli.run_stage("rules", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

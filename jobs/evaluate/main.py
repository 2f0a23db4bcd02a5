"""Evaluation of a date or a range: history, events, overlap and the effect of segments.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/evaluate/main.py \
        --run-date 2026-06-30 [--env local]

For each date D, in order, over the published gold tables:

- gold/segment_history (MERGE) and gold/segment_events (D's partition) from the history
  up to D-1 and gold/segment_membership of D (jobs/evaluate/history.py);
- gold/segment_overlap of D (replaced);
- gold/segment_effect of the snapshot D - N, whose follow-up window D-N+1..D ends on D
  (silver/user_daily, silver/orders; replaced); skipped when that snapshot has no
  membership.

Then it prints the report: segments under the minimum size, the most redundant pairs and
the effect of the snapshot (aggregate rows only).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import (
    commit_metadata,
    commit_metrics_since,
    ensure_table,
    read_table,
    replace_where,
    table_exists,
)
from jobs.common.errors import InputError
from jobs.evaluate import report
from jobs.evaluate.effect import follow_up, segment_effect, user_outcomes
from jobs.evaluate.history import ONE_DAY, day_events, processed_through, touched
from jobs.evaluate.holdout import with_holdout
from jobs.evaluate.overlap import segment_overlap
from jobs.evaluate.schemas import (
    SEGMENT_EFFECT,
    SEGMENT_EVENTS,
    SEGMENT_HISTORY,
    SEGMENT_OVERLAP,
)
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.schemas import SEGMENT_MEMBERSHIP
from jobs.silver.schemas import SILVER_ORDERS

HISTORY_MATCH = " AND ".join(f"t.{k} = s.{k}" for k in
                             ("user_key", "family", "segment", "entered_date"))


def membership_of(spark: SparkSession, root: str, day: dt.date) -> DataFrame:
    return read_table(spark, SEGMENT_MEMBERSHIP, root).filter(F.col("snapshot_date") == day)


def check_order(history: DataFrame, day: dt.date) -> None:
    """The history must have seen D-1 (or nothing: a cold start)."""
    through = processed_through(history).first()["through"]  # one row
    if through is not None and through < day - ONE_DAY:
        raise InputError(f"gold/segment_history is processed through {through}: run evaluate "
                         f"for {through + ONE_DAY}..{day - ONE_DAY} first (history runs go "
                         "in date order)")
    if through is not None and through >= day:
        print(f"evaluate: re-running {day} resets the history to {day}; re-run the dates "
              f"after it, in order", flush=True)


def update_history(spark: SparkSession, root: str, day: dt.date, run_id: str) -> dict[str, Any]:
    """MERGE the intervals D touches into gold/segment_history and replace D's events."""
    before = ensure_table(spark, SEGMENT_HISTORY, root)
    history = read_table(spark, SEGMENT_HISTORY, root)
    check_order(history, day)
    members = membership_of(spark, root, day).select("user_key", "family", "segment")
    source = touched(history, members, day).localCheckpoint()  # fixed before the MERGE
    with commit_metadata(spark, run_id):
        (DeltaTable.forPath(spark, SEGMENT_HISTORY.path(root)).alias("t")
         .merge(source.alias("s"), HISTORY_MATCH)
         .whenMatchedUpdateAll()
         .whenNotMatchedInsertAll()
         .whenNotMatchedBySourceDelete(condition=f"t.entered_date >= DATE'{day}'")
         .execute())
    metrics = commit_metrics_since(spark, SEGMENT_HISTORY, root, before)
    replace_where(day_events(source, day), SEGMENT_EVENTS, root, f"event_date = DATE'{day}'",
                  run_id)
    return metrics


def write_overlap(spark: SparkSession, cfg: Config, day: dt.date, run_id: str) -> None:
    families = list(cfg.get("evaluation.overlap_families"))
    replace_where(segment_overlap(membership_of(spark, cfg.lakehouse_root, day), families),
                  SEGMENT_OVERLAP, cfg.lakehouse_root, f"snapshot_date = DATE'{day}'", run_id)


def write_effect(spark: SparkSession, cfg: Config, snapshot: dt.date, run_id: str) -> bool:
    """The effect of ``snapshot``; False (nothing written) when it has no membership."""
    root = cfg.lakehouse_root
    members = membership_of(spark, root, snapshot)
    if not members.limit(1).count():
        print(f"evaluate: no membership for {snapshot}, no effect to measure", flush=True)
        return False
    days = int(cfg.get("evaluation.follow_up_days"))
    daily = read_table(spark, USER_DAILY, root)
    complete = bool(daily.filter(F.col("activity_date") == follow_up(snapshot, days)[1])
                    .limit(1).count())
    outcomes = user_outcomes(daily, read_table(spark, SILVER_ORDERS, root), snapshot, days)
    effect = segment_effect(members.transform(with_holdout(cfg)), outcomes, days, complete,
                            float(cfg.get("evaluation.confidence_z")),
                            int(cfg.get("evaluation.min_group_size")))
    replace_where(effect, SEGMENT_EFFECT, root, f"snapshot_date = DATE'{snapshot}'", run_id)
    return True


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str) -> None:
    root = cfg.lakehouse_root
    for spec in (SEGMENT_MEMBERSHIP, USER_DAILY, SILVER_ORDERS):
        if not table_exists(spark, spec, root):
            raise InputError(f"{spec.path(root)} does not exist: run the earlier stages first")
    days = int(cfg.get("evaluation.follow_up_days"))
    day = first
    while day <= last:
        if not membership_of(spark, root, day).limit(1).count():
            raise InputError(f"gold/segment_membership has no rows for {day}: run segments "
                             "(and publish) first")
        update_history(spark, root, day, run_id)
        write_overlap(spark, cfg, day, run_id)
        evaluated = day - dt.timedelta(days=days)
        measured = write_effect(spark, cfg, evaluated, run_id)
        report.print_report(spark, cfg, day, evaluated if measured else None)
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Segment history, overlap and A/B effect.").parse_args(argv)
    cli.run_stage("evaluate", run, args)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

"""States that move one day at a time: state(D) from state(D-1) and the day that became final.

Activity dates at least ``ingest.max_late_days`` before D are final (later records are
quarantined as too_late), so a state built from final days only changes by the day that
joins them. Such a state is kept per ``state_date`` in its own table; ``chained_state``
writes the state of D from D-1's when that exists, else cold from every final day (a first
run, a gap, ``--full-refresh``, or after ``jobs/rollup`` dropped the states that had
counted a day it rewrote: ``invalidate``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.common.delta import TableSpec, delete_where, read_table, replace_where, table_exists
from jobs.common.errors import InputError

log = logging.getLogger("jobs.chain")


def late_days(cfg: Config) -> int:
    """ingest.max_late_days: a day is final once this many more have landed."""
    days = int(cfg.get("ingest.max_late_days"))
    if not 1 <= days < 365:
        raise InputError(f"ingest.max_late_days is {days}: the windows need 1 <= it < 365")
    return days


def chained_state(spark: SparkSession, cfg: Config, spec: TableSpec, snapshot: dt.date,
                  run_id: str, *, moved: Callable[[DataFrame], DataFrame],
                  cold: Callable[[], DataFrame], full_refresh: bool = False) -> DataFrame:
    """Write ``spec``'s state of D — ``moved(state of D-1)`` when that exists and no full
    refresh is asked, else ``cold()`` — drop the states older than
    ``windows.state_keep_days``, and return the state of D as written."""
    root = cfg.lakehouse_root
    before = snapshot - dt.timedelta(days=1)
    previous = None
    if table_exists(spark, spec, root) and not full_refresh:
        previous = read_table(spark, spec, root).filter(F.col("state_date") == before)
        if not previous.limit(1).count():
            previous = None
    state = cold() if previous is None else moved(previous.drop("state_date"))
    # One commit: the state of D replaces its date and the states past the keep window
    # go with it (the rows written satisfy the condition, as replaceWhere requires).
    keep_from = snapshot - dt.timedelta(days=int(cfg.get("windows.state_keep_days")))
    replace_where(state.withColumn("state_date", F.lit(snapshot)), spec, root,
                  f"state_date = DATE'{snapshot}' OR state_date < DATE'{keep_from}'", run_id)
    log.info("%s %s: %s", spec.name, snapshot,
             "cold, from every final day" if previous is None else f"moved from {before}")
    return read_table(spark, spec, root).filter(F.col("state_date") == snapshot).drop(
        "state_date")


def invalidate(spark: SparkSession, specs: tuple[TableSpec, ...], root: str,
               first_rewritten: dt.date, late: int, run_id: str) -> None:
    """Drop the states that counted activity date ``first_rewritten`` (or a later one) as
    final: those of ``first_rewritten + late`` on."""
    since = first_rewritten + dt.timedelta(days=late)
    for spec in specs:
        delete_where(spark, spec, root, f"state_date >= DATE'{since}'", run_id)

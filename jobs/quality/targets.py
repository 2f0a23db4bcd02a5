"""What each suite validates: the table's rows of the run, and the parameters of its suite.

A target is scoped to what the run wrote (bronze: the ingest dates; silver: rows first
landed in them and the activity dates the rollup touched; gold: the staged snapshot),
so the cost of a check follows the day, not the history. Reconciliation parameters are
counts of the layer below over the same scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.common.delta import TableSpec, read_table, staged
from jobs.common.spark import computed_once
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.profile.schemas import USER_PROFILE
from jobs.rollup.schemas import USER_DAILY
from jobs.segments.base import FAMILIES
from jobs.segments.catalogue import LIFECYCLE_STAGES, segment_patterns
from jobs.segments.schemas import SEGMENT_BREAKDOWN, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY
from jobs.silver.schemas import SILVER_EVENTS, SILVER_ORDERS, SILVER_USERS

GOLD_TABLES: tuple[TableSpec, ...] = (USER_PROFILE, SEGMENT_MEMBERSHIP, SEGMENT_SUMMARY,
                                      SEGMENT_BREAKDOWN)
# The aggregates BI reads: no cell under privacy.k_anonymity.k (jobs/privacy/k_anonymity.py).
BI_AGGREGATES: tuple[TableSpec, ...] = (SEGMENT_SUMMARY, SEGMENT_BREAKDOWN)


@dataclass(frozen=True)
class Target:
    """One table's rows of a run, the suite that judges them and the suite's parameters."""

    table: str
    suite: str
    run_date: dt.date
    frame: DataFrame
    parameters: dict[str, Any]


@contextmanager
def computed(targets: Sequence[Target]) -> Iterator[list[Target]]:
    """The targets with each frame computed once (``computed_once``) for the block: a
    suite's ~20 queries, the leak scan and the k-anonymity gate then all read those rows,
    instead of each planning and reading the Delta table again."""
    with ExitStack() as stack:
        yield [replace(t, frame=stack.enter_context(computed_once(t.frame))) for t in targets]


def domain_parameters(cfg: Config) -> dict[str, Any]:
    """Value sets and bounds every suite may use, from the conf and the segment catalogue."""
    params: dict[str, Any] = {
        key: list(cfg.get(f"ingest.{key}")) for key in
        ("event_types", "content_types", "device_types", "networks", "order_statuses", "genders")
    }
    params |= {"max_duration_s": cfg.get("ingest.max_duration_s"),
               "max_order_amount": cfg.get("ingest.max_order_amount"),
               "families": list(FAMILIES), "lifecycle_stages": list(LIFECYCLE_STAGES)}
    params |= {f"segments_{family}": pattern
               for family, pattern in segment_patterns(cfg).items()}
    return params


def _between(column: str, first: dt.date, last: dt.date) -> F.Column:
    return F.col(column).between(F.lit(first), F.lit(last))


def _target(spec: TableSpec, frame: DataFrame, run_date: dt.date, cfg: Config,
            **parameters: Any) -> Target:
    declared = {"declared_columns": list(spec.columns)}
    return Target(table=f"{spec.layer}/{spec.name}", suite=f"{spec.layer}_{spec.name}"
                  .replace("staging_", "gold_"), run_date=run_date, frame=frame,
                  parameters=domain_parameters(cfg) | declared | parameters)


def bronze_targets(spark: SparkSession, cfg: Config, first: dt.date,
                   last: dt.date) -> list[Target]:
    """bronze/events, orders, users: the partitions of the run's ingest dates."""
    root = cfg.lakehouse_root
    targets = []
    for name in ("events", "orders", "users"):
        spec = BRONZE_TABLES[name]
        rows = read_table(spark, spec, root).filter(_between("ingest_date", first, last))
        targets.append(_target(spec, rows, last, cfg, run_year=last.year))
    return targets


def silver_targets(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date,
                   touched: tuple[dt.date, dt.date]) -> list[Target]:
    """silver/events and orders first landed in the run; user_daily over the touched dates."""
    root = cfg.lakehouse_root
    targets = []
    for spec, source in ((SILVER_EVENTS, "events"), (SILVER_ORDERS, "orders")):
        landed = _between("ingest_date", first, last)
        bronze_rows = read_table(spark, BRONZE_TABLES[source], root).filter(landed).count()
        targets.append(_target(spec, read_table(spark, spec, root).filter(landed), last, cfg,
                               bronze_rows=bronze_rows))
    window = _between("activity_date", *touched)
    silver_events = read_table(spark, SILVER_EVENTS, root).filter(window).count()
    targets.append(_target(USER_DAILY, read_table(spark, USER_DAILY, root).filter(window),
                           last, cfg, silver_events=silver_events))
    return targets


def read_version(spark: SparkSession, spec: TableSpec, root: str, version: int) -> DataFrame:
    return spark.read.format("delta").option("versionAsOf", version).load(spec.path(root))


def gold_targets(spark: SparkSession, cfg: Config, day: dt.date,
                 versions: dict[str, int]) -> list[Target]:
    """The staged gold tables of snapshot ``day``, each read at the version being audited."""
    root = cfg.lakehouse_root

    def staged_rows(spec: TableSpec) -> DataFrame:
        frame = read_version(spark, staged(spec), root, versions[spec.name])
        return frame.filter(F.col("snapshot_date") == F.lit(day))

    users = read_table(spark, SILVER_USERS, root).filter(F.col("registered_date") <= F.lit(day))
    summary = staged_rows(SEGMENT_SUMMARY)
    membership = staged_rows(SEGMENT_MEMBERSHIP)
    k = int(cfg.get("privacy.k_anonymity.k"))
    return [
        _target(staged(USER_PROFILE), staged_rows(USER_PROFILE), day, cfg,
                registered_users=users.count()),
        _target(staged(SEGMENT_MEMBERSHIP), membership, day, cfg,
                summary_members=summary_members(summary, membership)),
        _target(staged(SEGMENT_SUMMARY), summary, day, cfg, k_anonymity=k),
        _target(staged(SEGMENT_BREAKDOWN), staged_rows(SEGMENT_BREAKDOWN), day, cfg,
                k_anonymity=k),
    ]


def summary_members(summary: DataFrame, membership: DataFrame) -> int:
    """The membership rows the summary accounts for: its published members, plus the rows of
    the segments it suppressed. k-anonymity withholds a suppressed segment's count, so
    that part is counted here from the membership itself and reconciles nothing: the
    check is exact for every published segment, and says nothing about suppressed ones."""
    published = summary.agg(F.coalesce(F.sum("members"), F.lit(0))).first()[0]
    withheld = summary.filter(F.coalesce(F.col("suppressed"), F.lit(False))).select(
        "family", "segment")
    suppressed = membership.join(withheld, on=["family", "segment"], how="left_semi").count()
    return int(published) + suppressed

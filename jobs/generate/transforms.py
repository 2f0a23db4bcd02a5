"""The generator as pure DataFrame builders: planned records per source, then landing lines.

Nothing here reads or writes: `planned_sources` returns each source's records (landing
fields, UTC epoch, landing date, row key), `landing_lines` turns one into the lines that
land (ingest_date, value, bad_kind) with the bad records planted.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.generate.corrupt import with_bad_records
from jobs.generate.events import build_events, with_late_landing
from jobs.generate.orders import build_orders
from jobs.generate.settings import Settings
from jobs.generate.social import build_group_members, build_relations
from jobs.generate.users import build_users, users_landing
from jobs.ingest.schemas import LANDING_SCHEMAS, SOURCES


def initial_export_date(s: Settings) -> dt.date:
    """The first landing date: the first day of the order history."""
    return s.snapshot - dt.timedelta(days=s.order_days - 1)


def with_initial_export(df: DataFrame, s: Settings) -> DataFrame:
    """Records created before the landing history starts arrive in one initial export on
    its first day, as an upstream system's first full export would (and not as years of
    one-user daily folders)."""
    first = F.lit(initial_export_date(s))
    return df.withColumn("ingest_date", F.greatest(F.col("ingest_date"), first))


def planned_sources(spark: SparkSession, s: Settings) -> dict[str, DataFrame]:
    """Every source's clean records, derived from one users frame."""
    users = build_users(spark, s)
    return {
        "users": users_landing(users, s).transform(with_initial_export, s),
        "events": build_events(users, s).transform(with_late_landing, s),
        "orders": build_orders(users, s),
        "relations": build_relations(users, s).transform(with_initial_export, s),
        "group_members": build_group_members(users, s).transform(with_initial_export, s),
    }


def landing_lines(planned: DataFrame, s: Settings, source: str) -> DataFrame:
    """(ingest_date, value, bad_kind): one JSON line per record, bad records planted."""
    return with_bad_records(planned, s, source, LANDING_SCHEMAS[source].fieldNames())


def landing_frames(spark: SparkSession, s: Settings) -> dict[str, DataFrame]:
    planned = planned_sources(spark, s)
    return {source: landing_lines(planned[source], s, source) for source in SOURCES}

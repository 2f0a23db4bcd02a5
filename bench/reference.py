"""The reference: the daily rollup and RFM of jobs/ written as SQL for DuckDB.

DuckDB reads the *same* silver Delta tables: delta-rs (``deltalake``) lists each table's
current Parquet files, ``read_parquet([...], hive_partitioning=true)`` reads them (the
partition column comes from the folder names; DuckDB's delta extension cannot be
downloaded here). Benchmark only: nothing under jobs/ imports DuckDB.

rollup(D), as jobs/rollup does for landing date D:
  * user_daily_increments: what D's landed events and orders add per
    (ingest_date, activity_date, user_key), activity dates D-max_late..D;
  * user_daily of those activity dates re-summed from the increments (earlier landings
    read from the Spark table, D's from DuckDB's own result);
  * the same two for the per-category rollup.
rfm(D): R, F, M over paid orders of D-364..D landed by D, and their exact quintile scores
(score = 1 + floor(q * worse / n), worse = purchasers with a strictly worse value).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
from deltalake import DeltaTable

from jobs.common.config import Config
from jobs.rollup.categories import VIEW_EVENT_TYPES
from jobs.rollup.schemas import (
    AMOUNT_COLUMNS,
    CATEGORY_METRICS,
    CONTENT_TYPES,
    COUNT_COLUMNS,
    DEVICE_TYPES,
    EVENT_TYPES,
    LATEST_COLUMNS,
    NETWORK_GROUPS,
    SLOTS,
)

DAILY_COLUMNS = (*COUNT_COLUMNS, *AMOUNT_COLUMNS, "last_event_ts", "last_event_id",
                 *LATEST_COLUMNS)
CATEGORY_KEYS = ("activity_date", "user_key", "content_type", "content_category")
RFM_COLUMNS = ("user_key", "rfm_recency_days", "rfm_frequency", "rfm_monetary",
               "rfm_r_score", "rfm_f_score", "rfm_m_score")


def parquet_files(path: str) -> list[str]:
    """The Parquet files of the Delta table's current version (delta-rs)."""
    return [uri.removeprefix("file://") for uri in DeltaTable(path).file_uris()]


def scan(path: str, partition: str) -> str:
    files = ", ".join(f"'{f}'" for f in parquet_files(path))
    return (f"read_parquet([{files}], hive_partitioning = true, "
            f"hive_types = {{'{partition}': DATE}})")


def lit(value: object) -> str:
    return f"DATE '{value}'" if isinstance(value, dt.date) else repr(value)


def in_list(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def count(condition: str) -> str:
    return f"coalesce({condition}, false)::BIGINT"


def event_fact_columns(cfg: Config) -> dict[str, str]:
    """COUNT_COLUMNS of one event row, as jobs/rollup/transforms.event_facts defines them."""
    slots = cfg.get("segments.scene.time_slots")
    slot = "CASE " + " ".join(
        f"WHEN local_minute >= {slots[s][0]} AND local_minute < {slots[s][1]} THEN '{s}'"
        for s in SLOTS if s != "daytime") + " ELSE 'daytime' END"
    weak = in_list(cfg.get("segments.scene.weak_networks"))
    network = f"CASE WHEN network IN ({weak}) THEN 'weak' ELSE network END"
    evening, morning = (cfg.get(f"segments.scene.{k}") for k in
                        ("weekday_evening_slot", "weekend_morning_slot"))
    weekend = "isodow(activity_date) IN (6, 7)"
    return {
        "events": "1::BIGINT",
        "duration_s": "coalesce(duration_s, 0)::BIGINT",
        **{f"n_{t}": count(f"event_type = '{t}'") for t in EVENT_TYPES},
        **{f"content_{c}": count(f"content_type = '{c}'") for c in CONTENT_TYPES},
        **{f"device_{d}": count(f"device_type = '{d}'") for d in DEVICE_TYPES},
        **{f"net_{n}": count(f"({network}) = '{n}'") for n in NETWORK_GROUPS},
        **{f"slot_{s}": count(f"({slot}) = '{s}'") for s in SLOTS},
        "weekday_evening_slot_events": count(
            f"NOT ({weekend}) AND local_minute >= {evening[0]} AND local_minute < {evening[1]}"),
        "weekend_morning_slot_events": count(
            f"({weekend}) AND local_minute >= {morning[0]} AND local_minute < {morning[1]}"),
        "paid_orders": "0::BIGINT", "refunded_orders": "0::BIGINT",
        "coupon_paid_orders": "0::BIGINT",
    }


def order_fact_columns() -> dict[str, str]:
    counts = {c: "0::BIGINT" for c in COUNT_COLUMNS}
    return counts | {
        "paid_orders": count("status = 'paid'"),
        "refunded_orders": count("status = 'refunded'"),
        "coupon_paid_orders": count("status = 'paid' AND coupon_used"),
    }


def combined(keys: tuple[str, ...], source: str) -> str:
    """jobs/rollup/transforms.combine: sums, the latest event, its device fields."""
    latest_key = ("CASE WHEN last_event_ts IS NOT NULL THEN "
                  "{'ts': last_event_ts, 'id': last_event_id} END")
    latest = "{" + ", ".join(f"'{c}': {c}" for c in LATEST_COLUMNS) + "}"
    return f"""
        SELECT {', '.join(keys)},
               {', '.join(f'sum({c})::BIGINT AS {c}' for c in COUNT_COLUMNS)},
               {', '.join(f'sum({c})::DECIMAL(18,2) AS {c}' for c in AMOUNT_COLUMNS)},
               max({latest_key}) AS _last,
               arg_max({latest}, {latest_key}) AS _latest
        FROM {source} GROUP BY {', '.join(keys)}"""


def flattened(keys: tuple[str, ...], source: str) -> str:
    return f"""
        SELECT {', '.join(keys)}, {', '.join(COUNT_COLUMNS)}, {', '.join(AMOUNT_COLUMNS)},
               _last.ts AS last_event_ts, _last.id AS last_event_id,
               {', '.join(f'_latest.{c} AS {c}' for c in LATEST_COLUMNS)}
        FROM ({combined(keys, source)})"""


def increments_sql(cfg: Config, events: str, orders: str, day: dt.date) -> str:
    start = day - dt.timedelta(days=int(cfg.get("ingest.max_late_days")))
    landed = (f"ingest_date = {lit(day)} AND activity_date BETWEEN {lit(start)} "
              f"AND {lit(day)}")
    ev = event_fact_columns(cfg)
    od = order_fact_columns()
    keys = "ingest_date, activity_date, user_key"
    facts = f"""(
        SELECT {keys}, {', '.join(f'{ev[c]} AS {c}' for c in COUNT_COLUMNS)},
               0::DECIMAL(18,2) AS paid_amount, 0::DECIMAL(18,2) AS refunded_amount,
               event_ts::TIMESTAMP AS last_event_ts, event_id AS last_event_id,
               {', '.join(LATEST_COLUMNS)}
        FROM {events} WHERE {landed}
        UNION ALL
        SELECT {keys}, {', '.join(f'{od[c]} AS {c}' for c in COUNT_COLUMNS)},
               CASE WHEN status = 'paid' THEN amount ELSE 0 END::DECIMAL(18,2),
               CASE WHEN status = 'refunded' THEN amount ELSE 0 END::DECIMAL(18,2),
               NULL::TIMESTAMP, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR
        FROM {orders} WHERE {landed})"""
    return flattened(("ingest_date", "activity_date", "user_key"), facts)


def category_increments_sql(cfg: Config, events: str, day: dt.date) -> str:
    start = day - dt.timedelta(days=int(cfg.get("ingest.max_late_days")))
    fast = cfg.get("segments.interest.fast_exit_max_seconds")
    view = f"event_type IN ({in_list(VIEW_EVENT_TYPES)})"
    values = {
        "views": count(view),
        "dwell_s": f"CASE WHEN {view} THEN coalesce(duration_s, 0) ELSE 0 END::BIGINT",
        "fast_exits": count(f"{view} AND duration_s <= {fast}"),
        "subscribes": count("event_type = 'subscribe'"),
        "favorites": count("event_type = 'favorite'"),
    }
    return f"""
        SELECT ingest_date, activity_date, user_key,
               coalesce(content_type, 'none') AS content_type, content_category,
               {', '.join(f'sum({values[c]})::BIGINT AS {c}' for c in CATEGORY_METRICS)}
        FROM {events}
        WHERE ingest_date = {lit(day)} AND activity_date BETWEEN {lit(start)} AND {lit(day)}
          AND content_category IS NOT NULL
        GROUP BY ALL"""


def rfm_sql(cfg: Config, orders: str, day: dt.date) -> str:
    q = int(cfg.get("segments.rfm.quintiles"))
    oldest = day - dt.timedelta(days=364)

    def scored(metric: str, value: str) -> str:
        worse = f"(rank() OVER (ORDER BY {value}) - 1)"
        return f"(1 + ({q} * {worse}) // count(*) OVER ())::INTEGER AS rfm_{metric}_score"

    return f"""
        WITH rfm AS (
            SELECT user_key,
                   ({lit(day)} - max(activity_date))::INTEGER AS rfm_recency_days,
                   count(*)::BIGINT AS rfm_frequency,
                   sum(amount)::DECIMAL(18,2) AS rfm_monetary
            FROM {orders}
            WHERE status = 'paid' AND ingest_date <= {lit(day)}
              AND activity_date BETWEEN {lit(oldest)} AND {lit(day)}
            GROUP BY user_key)
        SELECT *, {scored('r', '-rfm_recency_days')}, {scored('f', 'rfm_frequency')},
               {scored('m', 'rfm_monetary')}
        FROM rfm"""


class Reference:
    """DuckDB over one lakehouse root; results are written as Parquet under ``out``."""

    def __init__(self, cfg: Config, out: str, threads: int = 2) -> None:
        self.cfg = cfg
        self.root = cfg.lakehouse_root
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.db = duckdb.connect()
        self.db.execute(f"SET threads = {threads}")
        self.db.execute("SET TimeZone = 'UTC'")

    def table(self, layer_name: str, partition: str) -> str:
        return scan(f"{self.root}/{layer_name}", partition)

    def copy(self, query: str, name: str) -> str:
        path = str(self.out / f"{name}.parquet")
        self.db.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")
        return f"read_parquet('{path}')"

    def rollup(self, day: dt.date) -> float:
        """The daily rollup of landing date D; returns DuckDB's wall seconds."""
        started = time.perf_counter()
        events = self.table("silver/events", "activity_date")
        orders = self.table("silver/orders", "activity_date")
        start = day - dt.timedelta(days=int(self.cfg.get("ingest.max_late_days")))
        window = f"activity_date BETWEEN {lit(start)} AND {lit(day)}"
        earlier = f"ingest_date < {lit(day)} AND {window}"
        increments = self.copy(increments_sql(self.cfg, events, orders, day), "increments")
        prior = self.table("silver/user_daily_increments", "activity_date")
        both = (f"(SELECT * EXCLUDE (ingest_date) FROM {prior} WHERE {earlier} UNION ALL BY NAME"
                f" SELECT * EXCLUDE (ingest_date) FROM {increments})")
        self.copy(flattened(("activity_date", "user_key"), both), "user_daily")
        categories = self.copy(category_increments_sql(self.cfg, events, day),
                               "category_increments")
        prior = self.table("silver/user_category_daily_increments", "activity_date")
        sums = ", ".join(f"sum({c})::BIGINT AS {c}" for c in CATEGORY_METRICS)
        self.copy(f"""SELECT {', '.join(CATEGORY_KEYS)}, {sums} FROM (
                        SELECT * EXCLUDE (ingest_date) FROM {prior} WHERE {earlier}
                        UNION ALL BY NAME SELECT * EXCLUDE (ingest_date) FROM {categories})
                      GROUP BY ALL""", "user_category_daily")
        return time.perf_counter() - started

    def rfm(self, day: dt.date) -> float:
        started = time.perf_counter()
        self.copy(rfm_sql(self.cfg, self.table("silver/orders", "activity_date"), day), "rfm")
        return time.perf_counter() - started

    def compare(self, mine: str, spark_query: str, columns: tuple[str, ...]) -> dict:
        """Rows in one result and not the other (both ways), row counts and checksums."""
        # Spark's Parquet timestamps may read as TIMESTAMPTZ: compare and hash one type.
        cols = ", ".join(f"{c}::TIMESTAMP AS {c}" if c.endswith("_ts") else c for c in columns)
        ours = f"(SELECT {cols} FROM read_parquet('{self.out / mine}.parquet'))"
        theirs = f"(SELECT {cols} FROM {spark_query})"

        def one(sql: str) -> int:
            return int(self.db.execute(sql).fetchone()[0])

        names = ", ".join(columns)
        checksum = f"SELECT coalesce(sum(hash({names}) % 1000000007), 0) FROM "
        return {
            "duckdb_rows": one(f"SELECT count(*) FROM {ours}"),
            "spark_rows": one(f"SELECT count(*) FROM {theirs}"),
            "only_duckdb": one(f"SELECT count(*) FROM ({ours} EXCEPT ALL {theirs})"),
            "only_spark": one(f"SELECT count(*) FROM ({theirs} EXCEPT ALL {ours})"),
            "duckdb_checksum": one(checksum + ours),
            "spark_checksum": one(checksum + theirs),
        }

    def check_rollup(self, day: dt.date) -> dict[str, dict]:
        start = day - dt.timedelta(days=int(self.cfg.get("ingest.max_late_days")))
        window = f"activity_date BETWEEN {lit(start)} AND {lit(day)}"
        daily_keys = ("ingest_date", "activity_date", "user_key", *DAILY_COLUMNS)
        category_values = (*CATEGORY_KEYS, *CATEGORY_METRICS)

        def spark(name: str, where: str) -> str:
            return f"(SELECT * FROM {self.table(f'silver/{name}', 'activity_date')} " \
                   f"WHERE {where})"

        landed = f"ingest_date = {lit(day)} AND {window}"
        return {
            "user_daily_increments": self.compare(
                "increments", spark("user_daily_increments", landed), daily_keys),
            "user_daily": self.compare(
                "user_daily", spark("user_daily", window), daily_keys[1:]),
            "user_category_daily_increments": self.compare(
                "category_increments", spark("user_category_daily_increments", landed),
                ("ingest_date", *category_values)),
            "user_category_daily": self.compare(
                "user_category_daily", spark("user_category_daily", window),
                category_values),
        }

    def check_rfm(self, day: dt.date, profile: str = "staging/user_profile") -> dict:
        spark = (f"(SELECT * FROM {scan(f'{self.root}/{profile}', 'snapshot_date')} "
                 f"WHERE snapshot_date = {lit(day)} AND rfm_frequency > 0)")
        return self.compare("rfm", spark, RFM_COLUMNS)

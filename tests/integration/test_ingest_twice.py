"""Bronze ingestion of a generated data set, twice: exact reconciliation, and no change.
The first ingestion is the ingested world's (tests/worlds.py: every landing date up to
D-2, one range run); the second runs the same range again on a copy of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from jobs.common.delta import read_table, table_version
from jobs.demo.main import earliest_landing_date
from jobs.ingest import main as ingest
from jobs.ingest.schemas import BRONZE_TABLES, INGEST_LOG_TABLE, QUARANTINE_TABLE, SOURCES
from jobs.maintain import main as maintain
from tests.worlds import DAY_BEFORE, SNAPSHOT

pytestmark = [pytest.mark.stage, pytest.mark.timeout(1800)]
LAST = DAY_BEFORE - dt.timedelta(days=1)      # the ingested world's last landing date


def landed_lines(landing: Path, source: str, last: dt.date) -> int:
    """Lines in the landing files of dates up to ``last``, counted without Spark."""
    folders = [f for f in (landing / source).glob("ingest_date=*")
               if dt.date.fromisoformat(f.name.split("=", 1)[1]) <= last]
    return sum(len(f.read_bytes().splitlines()) for folder in folders for f in folder.iterdir()
               if f.is_file() and not f.name.startswith(("_", ".")))


def canonical(row: dict) -> tuple:
    return tuple(sorted(row.items()))


def test_ingesting_twice_reconciles_exactly_and_changes_nothing(spark, ingested):
    root = ingested.lakehouse_root
    first = earliest_landing_date(spark, root, SNAPSHOT)
    logged = read_table(spark, INGEST_LOG_TABLE, root)
    rows = [r.asDict() for r in logged.drop("run_id").collect()]  # a row per source and date
    tables = {s: read_table(spark, BRONZE_TABLES[s], root) for s in SOURCES}
    quarantine = read_table(spark, QUARANTINE_TABLE, root)

    assert {r["ingest_date"] for r in rows} <= {first + dt.timedelta(days=n)
                                               for n in range((LAST - first).days + 1)}
    for source in SOURCES:
        mine = [r for r in rows if r["source"] == source]
        read = sum(r["read"] for r in mine)
        loaded = sum(r["loaded"] for r in mine)
        rejected = sum(r["quarantined"] for r in mine)
        duplicates = sum(r["duplicates"] for r in mine)
        assert read == landed_lines(Path(root) / "landing", source, LAST), source
        assert read == loaded + rejected + duplicates, source
        assert tables[source].count() == loaded, source
        assert quarantine.filter(F.col("source") == source).count() == rejected, source

    reasons = {r["reason"] for r in quarantine.select("reason").distinct().collect()}
    planted = {"malformed_record", "missing_user_id", "unknown_user_id",
               "bad_timestamp:event_ts", "future_timestamp:event_ts", "unknown_event_type",
               "negative_amount", "non_numeric_amount"}
    assert planted <= reasons, planted - reasons
    assert sum(r["duplicates"] for r in rows) > 0

    before = {s: t.collect() for s, t in tables.items()}  # a few thousand generated rows
    before_quarantine = quarantine.collect()
    before_log = logged.collect()
    quarantine_version = table_version(spark, QUARANTINE_TABLE, root)
    again = ingest.run(spark, ingested, first, LAST, "history:ingest")

    # Every source's rejects, in one commit.
    assert table_version(spark, QUARANTINE_TABLE, root) == quarantine_version + 1

    assert sorted(map(canonical, again)) == sorted(map(canonical, rows))
    for source in SOURCES:
        table = read_table(spark, BRONZE_TABLES[source], root)
        assert_df_equality(table, spark.createDataFrame(before[source], table.schema),
                           ignore_row_order=True)
    assert_df_equality(read_table(spark, QUARANTINE_TABLE, root),
                       spark.createDataFrame(before_quarantine, QUARANTINE_TABLE.schema),
                       ignore_row_order=True)
    log = read_table(spark, INGEST_LOG_TABLE, root)
    assert_df_equality(log, spark.createDataFrame(before_log, log.schema), ignore_row_order=True)


def test_a_re_ingest_after_compaction_reconciles_and_changes_nothing(spark, lakehouse):
    """maintain compacts a landing date's quarantine rows of every source into one file (the
    table is not partitioned by source); re-ingesting one source of that date rewrites the
    file, copying the other sources' rows, and still counts only its own."""
    root = lakehouse.lakehouse_root
    ingest.run(spark, lakehouse, SNAPSHOT, SNAPSHOT, "ingest-d")
    maintain.run(spark, lakehouse, SNAPSHOT, SNAPSHOT, "maintain-d")
    quarantined = read_table(spark, QUARANTINE_TABLE, root).filter(
        F.col("ingest_date") == SNAPSHOT)
    assert quarantined.select("source").distinct().count() > 1
    assert quarantined.select(F.input_file_name()).distinct().count() == 1
    before = quarantined.collect()

    again = ingest.run(spark, lakehouse, SNAPSHOT, SNAPSHOT, "ingest-d", ["events"])

    assert again[0]["quarantined"] > 0
    after = read_table(spark, QUARANTINE_TABLE, root).filter(F.col("ingest_date") == SNAPSHOT)
    assert_df_equality(after, spark.createDataFrame(before, after.schema), ignore_row_order=True)


def test_garbage_landing_file_is_quarantined_line_by_line(spark, lakehouse):
    root = Path(lakehouse.lakehouse_root)
    garbage = root / "landing" / "events" / f"ingest_date={SNAPSHOT}" / "part-garbage.json"
    lines = ["\x00\x01 binary noise", "{not json", "", '{"event_id": "g1"}', "[]", "42"]
    garbage.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = ingest.run(spark, lakehouse, SNAPSHOT, SNAPSHOT, "garbage", ["users", "events"])
    events = next(r for r in rows if r["source"] == "events")
    assert events["read"] == events["loaded"] + events["quarantined"] + events["duplicates"]
    quarantine = read_table(spark, QUARANTINE_TABLE, str(root)).filter(
        F.col("raw_record").isin(lines))
    got = {(r["raw_record"], r["reason"]) for r in quarantine.collect()}
    assert got == {("\x00\x01 binary noise", "malformed_record"),
                   ("{not json", "malformed_record"), ("", "malformed_record"),
                   ('{"event_id": "g1"}', "missing_user_id"), ("[]", "malformed_record"),
                   ("42", "malformed_record")}

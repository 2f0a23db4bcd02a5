"""Compaction: a table written by several small daily writes has fewer files after the
maintain stage, the same rows, the same protocol, and delta-rs still reads it; only the
partitions that are final are compacted (the run's snapshot; the activity date that late
facts can no longer reach), the others are not touched."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from delta.tables import DeltaTable
from deltalake import DeltaTable as RustTable
from pyspark.sql import types as T

from jobs.common.delta import TableSpec, merge_insert_new, read_table, replace_where
from jobs.maintain import main as maintain

D = dt.date(2026, 6, 30)
FINAL = D - dt.timedelta(days=7)  # ingest.max_late_days: final with the run of D
SCHEMA = T.StructType([
    T.StructField("day", T.DateType(), False),
    T.StructField("user_key", T.StringType(), False),
    T.StructField("value", T.LongType(), True),
])
SNAPSHOTS = TableSpec("gold", "snapshots", SCHEMA, partition_by=("day",))
FACTS = TableSpec("silver", "facts", T.StructType([
    T.StructField("activity_date", T.DateType(), False),
    T.StructField("user_key", T.StringType(), False),
    T.StructField("value", T.LongType(), True),
]), partition_by=("activity_date",))


def rows(spark, day: dt.date, users: range, files: int):
    data = [(day, f"u{i:03d}", None if i % 7 == 0 else i) for i in users]  # nulls included
    return spark.createDataFrame(data, SCHEMA).repartition(files)


def files_of(spec: TableSpec, root: str, column: str, day: dt.date) -> int:
    return len(RustTable(spec.path(root)).file_uris([(column, "=", day.isoformat())]))


def protocol(spark, spec: TableSpec, root: str) -> tuple:
    detail = DeltaTable.forPath(spark, spec.path(root)).detail().first()
    return detail["minReaderVersion"], detail["minWriterVersion"], sorted(
        detail["tableFeatures"] or [])


@pytest.fixture
def written(spark, root):
    """Daily writes as the jobs make them: a replaceWhere per snapshot (several files each),
    insert-only MERGEs of late facts into earlier activity dates."""
    old = D - dt.timedelta(days=30)
    for day in (old, D):
        replace_where(rows(spark, day, range(40), 4), SNAPSHOTS, root, f"day = DATE'{day}'",
                      f"t-{day}")
    for day, batch in ((old, 0), (FINAL, 0), (FINAL, 1), (D - dt.timedelta(days=3), 1),
                       (D - dt.timedelta(days=3), 2), (D, 1), (D, 2)):
        batch_rows = rows(spark, day, range(batch * 20, batch * 20 + 20), 3).withColumnRenamed(
            "day", "activity_date")
        merge_insert_new(batch_rows, FACTS, root, ("activity_date", "user_key"), None,
                         f"m-{day}-{batch}")
    return old


@pytest.mark.stage
def test_compaction_leaves_fewer_files_and_the_same_rows(spark, cfg, root, written,
                                                         monkeypatch):
    old = written
    monkeypatch.setattr(maintain, "COMPACTED", (SNAPSHOTS, FACTS))
    before = {spec.name: read_table(spark, spec, root).collect() for spec in (SNAPSHOTS, FACTS)}
    protocols = {spec.name: protocol(spark, spec, root) for spec in (SNAPSHOTS, FACTS)}
    open_days = (D - dt.timedelta(days=3), D)  # late facts can still reach them
    counts = {"snap_d": files_of(SNAPSHOTS, root, "day", D),
              "snap_old": files_of(SNAPSHOTS, root, "day", old),
              "final": files_of(FACTS, root, "activity_date", FINAL),
              "facts_old": files_of(FACTS, root, "activity_date", old),
              **{day: files_of(FACTS, root, "activity_date", day) for day in open_days}}
    assert counts["snap_d"] == 4 and counts["final"] >= 2
    assert all(counts[day] >= 2 for day in open_days)

    report = maintain.run(spark, cfg.with_overrides({"lakehouse.root": root}), D, D, "maintain")

    assert files_of(SNAPSHOTS, root, "day", D) == 1
    assert files_of(FACTS, root, "activity_date", FINAL) == 1
    for day in open_days:  # compacted once they are final, not at every late arrival
        assert files_of(FACTS, root, "activity_date", day) == counts[day]
    assert files_of(SNAPSHOTS, root, "day", old) == counts["snap_old"]  # outside the window
    assert files_of(FACTS, root, "activity_date", old) == counts["facts_old"]
    assert report["gold/snapshots"]["removed"] == 4 and report["gold/snapshots"]["added"] == 1
    for spec in (SNAPSHOTS, FACTS):
        after = read_table(spark, spec, root)
        assert_df_equality(after, spark.createDataFrame(before[spec.name], after.schema),
                           ignore_row_order=True, ignore_nullable=True)
        assert protocol(spark, spec, root) == protocols[spec.name]
        rust = RustTable(spec.path(root)).to_pandas()
        assert len(rust) == len(before[spec.name])
        assert rust["value"].isna().sum() == sum(r["value"] is None for r in before[spec.name])
    history = DeltaTable.forPath(spark, SNAPSHOTS.path(root)).history(1).first()
    assert (history["operation"], history["userMetadata"]) == ("OPTIMIZE", "maintain")

    again = maintain.run(spark, cfg.with_overrides({"lakehouse.root": root}), D, D, "maintain")
    assert all(m["removed"] == 0 for m in again.values())  # compacted partitions stay as they are


@pytest.mark.unit
def test_the_window_of_activity_dates_is_the_dates_that_became_final():
    assert maintain.partition_window(FACTS, D, D, 7) == ("activity_date", FINAL, FINAL)
    assert maintain.partition_window(FACTS, D - dt.timedelta(days=2), D, 7) == (
        "activity_date", FINAL - dt.timedelta(days=2), FINAL)
    assert maintain.partition_window(SNAPSHOTS, D - dt.timedelta(days=2), D, 7) == (
        "day", D - dt.timedelta(days=2), D)


@pytest.mark.unit
def test_every_date_partitioned_table_is_compacted():
    assert all(spec.partition_by for spec in maintain.COMPACTED)
    names = {f"{s.layer}/{s.name}" for s in maintain.COMPACTED}
    assert {"gold/user_profile", "gold/segment_membership", "gold/segment_summary",
            "silver/events", "silver/user_daily", "bronze/events"} <= names
    assert len(names) == len(maintain.COMPACTED)

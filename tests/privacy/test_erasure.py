"""The right to erasure on real pipeline runs (a copy of the published world,
tests/worlds.py: the history, then the T+1 runs of D-1 and D, every stage). After erasing
one user, no file under the lakehouse holds their raw id, phone or pseudonym (bytes and
decoded Parquet values), the erasure log counts each table's removed rows, other users'
rows are untouched, and re-ingesting the original landing files leaves the user erased
and counted as such."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from jobs.common.delta import read_table, table_exists
from jobs.common.secrets import load_pseudonym_key
from jobs.erasure import main as erasure
from jobs.erasure.catalog import keyed_tables
from jobs.erasure.schemas import ERASURE_LOG
from jobs.erasure.transforms import identifiers, row_condition, targets
from jobs.ingest import main as ingest
from jobs.ingest.schemas import BRONZE_TABLES, INGEST_LOG_TABLE, QUARANTINE_TABLE
from jobs.ingest.transforms import candidate_ids
from jobs.segments.schemas import SEGMENT_MEMBERSHIP
from jobs.silver import main as silver
from jobs.silver.pseudonym import key_frame
from jobs.silver.schemas import SILVER_EVENTS
from tests.worlds import SNAPSHOT

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]
REQUESTED_AT = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)


def victim(spark, root: str) -> str:
    """A user with events landed on D, orders, edges both ways and a quarantined record."""
    bronze = {name: read_table(spark, spec, root) for name, spec in BRONZE_TABLES.items()}
    on_d = bronze["events"].filter(F.col("ingest_date") == SNAPSHOT).select("user_id")
    quarantined = read_table(spark, QUARANTINE_TABLE, root).select(
        F.explode(candidate_ids(F.col("raw_record"))).alias("user_id"))
    chosen = (
        on_d.join(bronze["orders"].select("user_id"), "user_id", "left_semi")
        .join(bronze["relations"].select("user_id"), "user_id", "left_semi")
        .join(bronze["relations"].select(F.col("friend_id").alias("user_id")), "user_id",
              "left_semi")
        .join(quarantined, "user_id", "left_semi")
        .agg(F.min("user_id")).first()[0]
    )
    assert chosen is not None, "no user of the data set is in every bronze table"
    return chosen


def rows_of(spark, root: str, found) -> dict[str, int]:
    """Rows of each existing keyed table that belong to or name the user (before erasure)."""
    counts = {}
    for spec in keyed_tables():
        condition = row_condition(spec)
        if condition is None or not table_exists(spark, spec, root):
            continue
        table = read_table(spark, spec, root).alias("t")
        counts[f"{spec.layer}/{spec.name}"] = table.join(
            F.broadcast(found).alias("s"), condition, "left_semi").count()
    return counts


def files_holding(root: str, needles: list[str]) -> list[str]:
    """Files under root whose bytes, or whose decoded Parquet string values, hold a needle."""
    found = []
    encoded = [n.encode("utf-8") for n in needles]
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        data = path.read_bytes()
        if any(n in data for n in encoded):
            found.append(str(path))
        elif path.suffix == ".parquet":
            text = str(pq.ParquetFile(path).read().to_pylist())  # no partition discovery
            if any(n in text for n in needles):
                found.append(f"{path} (decoded)")
    return found


def test_erasure_removes_a_user_everywhere_and_keeps_them_out(spark, published, generated,
                                                              tmp_path):
    cfg, root = published, published.lakehouse_root

    user_id = victim(spark, root)
    ids_file = tmp_path / "request.txt"
    ids_file.write_text(f"\n  {user_id}  \n\n", encoding="utf-8")   # blanks are ignored
    erased = targets(spark.read.text(str(ids_file)), key_frame(spark, load_pseudonym_key(cfg)))
    erased = erased.localCheckpoint()
    target = erased.first()
    user_key = target["user_key"]
    user = read_table(spark, BRONZE_TABLES["users"], root).filter(F.col("user_id") == user_id)
    phone = user.first()["phone"]
    assert phone
    users_date = user.agg(F.min("ingest_date")).first()[0]
    found = identifiers(erased, read_table(spark, BRONZE_TABLES["users"], root))
    expected = rows_of(spark, root, found.localCheckpoint())
    for table in ("bronze/users", "bronze/events", "bronze/orders", "bronze/relations",
                  "bronze/quarantine", "silver/users", "silver/events",
                  "silver/relations", "gold/user_profile", "gold/segment_membership",
                  "gold/segment_history", "staging/user_profile"):
        assert expected[table] > 0, table
    others = {}
    for spec in (SILVER_EVENTS, SEGMENT_MEMBERSHIP):
        saved = str(tmp_path / f"before_{spec.name}")
        read_table(spark, spec, root).filter(F.col("user_key") != user_key).write.parquet(saved)
        others[spec.name] = saved

    counts = erasure.run(spark, cfg, SNAPSHOT + dt.timedelta(days=1),
                         SNAPSHOT + dt.timedelta(days=1), "erasure-test", str(ids_file),
                         "request-1", REQUESTED_AT)

    # Nothing left, in any file: data, _delta_log JSON and checkpoints, CRCs, landing, GX.
    assert files_holding(root, [user_id, phone, user_key]) == []
    # The log: each table's rows, the request's time and id count, no id in any form.
    log = read_table(spark, ERASURE_LOG, root)
    logged = {r["table_name"]: r["rows_deleted"] for r in log.collect()}
    for table, rows in expected.items():
        assert logged[table] == rows, table
    assert logged["landing/events"] > 0 and logged["landing/users"] > 0
    requests = log.select("request_id", F.col("requested_at").cast("long"), "ids").distinct()
    assert [tuple(r) for r in requests.collect()] == [
        ("request-1", int(REQUESTED_AT.timestamp()), 1)]
    assert counts["bronze/users"][0] == expected["bronze/users"]
    # Other users' rows are exactly as they were.
    for spec in (SILVER_EVENTS, SEGMENT_MEMBERSHIP):
        assert_df_equality(read_table(spark, spec, root), spark.read.parquet(others[spec.name]),
                           ignore_row_order=True, ignore_nullable=True)

    # A re-delivery of the original landing files: the user stays erased and is counted.
    shutil.rmtree(Path(root) / "landing")
    shutil.copytree(generated, Path(root) / "landing")
    rows = ingest.run(spark, cfg, users_date, users_date, "redelivery-users", ("users",))
    rows += ingest.run(spark, cfg, SNAPSHOT, SNAPSHOT, "redelivery-day")
    silver.run(spark, cfg, users_date, users_date, "redelivery-users")
    silver.run(spark, cfg, SNAPSHOT, SNAPSHOT, "redelivery-day")
    erased_lines = {(r["source"], r["ingest_date"]): r["erased"] for r in rows}
    assert erased_lines[("users", users_date)] >= 1
    assert erased_lines[("events", SNAPSHOT)] >= 1
    ingest_log = read_table(spark, INGEST_LOG_TABLE, root).filter(
        (F.col("source") == "events") & (F.col("ingest_date") == SNAPSHOT))
    assert ingest_log.first()["erased"] == erased_lines[("events", SNAPSHOT)]
    for table in ("bronze", "silver"):
        assert files_holding(str(Path(root) / table), [user_id, phone, user_key]) == []

"""A real rotation: silver, staging and gold rows move to the new key in one commit each,
a run that fails half-way finishes when run again, and no old key is left or reused."""

from __future__ import annotations

import hashlib
import hmac
from itertools import chain

import pytest
from chispa import assert_df_equality
from delta.tables import DeltaTable
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.common.delta import read_table, replace_where, staged, table_exists
from jobs.common.errors import SecretError
from jobs.common.secrets import PseudonymKey
from jobs.demo.main import earliest_landing_date
from jobs.erasure import main as erasure
from jobs.erasure.schemas import TOMBSTONES
from jobs.ingest import main as ingest
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.privacy.leak_scan import distinct_values
from jobs.rotate import main as rotate
from jobs.rotate.registry import fingerprint, read_registry, require_current_key
from jobs.rotate.schemas import KEY_REGISTRY
from jobs.rotate.tables import key_columns, keyed_tables
from jobs.segments.schemas import SEGMENT_MEMBERSHIP
from jobs.silver import main as silver
from jobs.social.schemas import USER_SOCIAL
from tests.worlds import KEY_HEX, SNAPSHOT

pytestmark = pytest.mark.stage

NEW_HEX = "a7" * 32
SOURCES = ("users", "relations")  # relations: two key columns per row


def ref(key_hex: str, user_id: str) -> str:
    return hmac.new(bytes.fromhex(key_hex), user_id.encode("utf-8"), hashlib.sha256).hexdigest()


def plant_downstream(spark, root: str) -> None:
    """Rows of three more keyed tables (silver with a key-valued column, staging, gold),
    made from the real silver keys."""
    users = read_table(spark, silver.SILVER_TABLES["users"], root)
    membership = users.select(F.lit(SNAPSHOT).alias("snapshot_date"), "user_key",
                              F.lit("behaviour").alias("family"), F.lit("silent").alias("segment"),
                              F.lit(None).cast("string").alias("rule_version"))
    stray = spark.createDataFrame([(SNAPSHOT, "f" * 64, "rfm", "lost", None)],
                                  SEGMENT_MEMBERSHIP.schema)  # a key from no bronze user
    replace_where(membership, staged(SEGMENT_MEMBERSHIP), root, "true", "plant")
    replace_where(membership.unionByName(stray), SEGMENT_MEMBERSHIP, root, "true", "plant")
    edges = read_table(spark, silver.SILVER_TABLES["relations"], root)
    social = edges.groupBy("user_key").agg(F.min("friend_key").alias("circle")).select(
        F.lit(SNAPSHOT).alias("snapshot_date"), "user_key", F.lit(1).cast("long").alias(
            "followers"), F.lit(1).cast("long").alias("following"),
        F.lit(0).cast("long").alias("mutual_friends"), F.lit(False).alias("degree_capped"),
        F.lit(0).cast("long").alias("circle_friends"),
        F.when(F.col("user_key") < F.col("circle"), None).otherwise(F.col("circle")).alias(
            "tight_circle_id"), F.lit(2).cast("long").alias("tight_circle_size"))
    replace_where(social, USER_SOCIAL, root, "true", "plant")


def versions(spark, root: str) -> dict[str, int]:
    return {f"{s.layer}/{s.name}": DeltaTable.forPath(spark, s.path(root)).history(1).first()[
        "version"] for s in keyed_tables() if table_exists(spark, s, root)}


def expected_rows(spark, root: str, spec, version: int, mapping) -> DataFrame:
    """The table as it was, each key column looked up in the test's own old -> new map."""
    rows = spark.read.format("delta").option("versionAsOf", version).load(spec.path(root))
    for column in key_columns(spec):
        looked_up = F.when(F.col(column).isNotNull(), F.element_at(mapping, F.col(column)))
        rows = rows.withColumn(column, looked_up.alias(column,
                                                       metadata=rows.schema[column].metadata))
    return rows


def test_rotation_rekeys_everything_once_and_restarts(spark, lakehouse, monkeypatch,
                                                        tmp_path):
    cfg, root = lakehouse, lakehouse.lakehouse_root
    first = earliest_landing_date(spark, root, SNAPSHOT)
    ingest.run(spark, cfg, first, SNAPSHOT, "t-ingest", SOURCES)
    silver.run(spark, cfg, first, SNAPSHOT, "t-silver", SOURCES)
    plant_downstream(spark, root)
    ids = [r["user_id"] for r in read_table(spark, BRONZE_TABLES["users"], root)
           .select("user_id").distinct().collect()]  # 300 test users
    pairs = {ref(KEY_HEX, u): ref(NEW_HEX, u) for u in ids}
    mapping = F.create_map(*[F.lit(v) for v in chain.from_iterable(pairs.items())])
    before = versions(spark, root)
    assert set(before) == {"silver/users", "silver/user_consent", "silver/relations",
                           "silver/user_social", "staging/segment_membership",
                           "gold/segment_membership"}  # silver's and the planted tables

    # 1. fails half-way: the stray gold key has no pair; earlier tables are already done
    monkeypatch.setenv("SEG_PSEUDONYM_KEY_NEW", NEW_HEX)
    with pytest.raises(Exception, match="gold/segment_membership.user_key: a key without"):
        rotate.run(spark, cfg, SNAPSHOT, SNAPSHOT, "rotate-t")
    halfway = versions(spark, root)
    assert halfway["gold/segment_membership"] == before["gold/segment_membership"]
    assert all(halfway[t] == before[t] + 1 for t in before if t != "gold/segment_membership")
    with pytest.raises(SecretError, match="rotation to key .* is under way"):
        silver.run(spark, cfg, SNAPSHOT, SNAPSHOT, "t-silver-2", SOURCES)

    # 2. the operator removes the stray row and runs the same rotation again: it finishes
    DeltaTable.forPath(spark, SEGMENT_MEMBERSHIP.path(root)).delete(F.col("user_key") == "f" * 64)
    cleaned = versions(spark, root)["gold/segment_membership"]
    results = rotate.run(spark, cfg, SNAPSHOT, SNAPSHOT, "rotate-t")
    assert [t for t, m in results.items() if m is not None] == ["gold/segment_membership"]
    assert int(results["gold/segment_membership"]["numOutputRows"]) == read_table(
        spark, SEGMENT_MEMBERSHIP, root).count() > 0      # what it prints as re-keyed
    after = versions(spark, root)
    assert after == {**halfway, "gold/segment_membership": cleaned + 1}

    rotation = f"rotate-t:key-{fingerprint(PseudonymKey(bytes.fromhex(NEW_HEX), 't'))[:12]}"
    for spec in keyed_tables():
        if not table_exists(spark, spec, root):
            continue
        name = f"{spec.layer}/{spec.name}"
        source_version = cleaned if name == "gold/segment_membership" else before[name]
        expected = expected_rows(spark, root, spec, source_version, mapping)
        assert_df_equality(read_table(spark, spec, root), expected, ignore_row_order=True,
                           ignore_nullable=True)
        last = DeltaTable.forPath(spark, spec.path(root)).history(1).first()
        assert last["userMetadata"] == rotation, name

    # 3. no old pseudonym is left in any current table but bronze
    old_keys = spark.createDataFrame([(k,) for k in pairs], "value string")
    tables = [f"{s.layer}/{s.name}" for s in keyed_tables() if table_exists(spark, s, root)]
    tables.append("privacy/key_registry")
    values = distinct_values([(t, spark.read.format("delta").load(f"{root}/{t}"))
                              for t in tables])
    stale = values.join(old_keys, "value", "left_semi").select("table_name").distinct()
    assert [r[0] for r in stale.collect()] == []  # the tables holding an old pseudonym

    # 4. the registry: old retired, new current; neither key comes back
    old_fp = fingerprint(PseudonymKey(bytes.fromhex(KEY_HEX), "t"))
    new_fp = fingerprint(PseudonymKey(bytes.fromhex(NEW_HEX), "t"))
    registry = read_registry(spark, root)
    assert registry.rows == {old_fp: ("retired", rotation, None),
                             new_fp: ("current", rotation, old_fp)}
    assert KEY_HEX not in str(read_table(spark, KEY_REGISTRY, root).collect())
    assert rotate.run(spark, cfg, SNAPSHOT, SNAPSHOT, "rotate-again") == {}
    with pytest.raises(SecretError, match="retired key"):
        silver.run(spark, cfg, SNAPSHOT, SNAPSHOT, "t-silver-3", SOURCES)
    monkeypatch.setenv("SEG_PSEUDONYM_KEY", NEW_HEX)
    monkeypatch.setenv("SEG_PSEUDONYM_KEY_NEW", KEY_HEX)
    with pytest.raises(SecretError, match="was used before"):
        rotate.run(spark, cfg, SNAPSHOT, SNAPSHOT, "rotate-back")
    assert require_current_key(spark, root, PseudonymKey(bytes.fromhex(NEW_HEX), "t"),
                               "t") == new_fp

    # 5. an erasure with the retired key is refused before it touches anything (it would
    # delete bronze and landing rows and leave every row keyed by the current pseudonym)
    monkeypatch.setenv("SEG_PSEUDONYM_KEY", KEY_HEX)
    ids_file = tmp_path / "erase.txt"
    ids_file.write_text(ids[0] + "\n", encoding="utf-8")
    untouched = versions(spark, root)
    with pytest.raises(SecretError, match="retired key"):
        erasure.run(spark, cfg, SNAPSHOT, SNAPSHOT, "erase-retired", str(ids_file))
    assert versions(spark, root) == untouched
    assert read_table(spark, BRONZE_TABLES["users"], root).filter(
        F.col("user_id") == ids[0]).count() > 0
    assert not table_exists(spark, TOMBSTONES, root)

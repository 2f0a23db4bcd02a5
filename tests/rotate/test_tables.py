"""Every declared table holding a pseudonym is one the rotation rewrites (no Spark)."""

from __future__ import annotations

import pytest
from pyspark.sql import types as T

from jobs.common.delta import staged
from jobs.rotate.tables import declared_tables, key_columns, keyed_tables

pytestmark = pytest.mark.unit


def holds_a_key(field: T.StructField) -> bool:
    """Independent of tables.py: a string named like a key, or documented as holding one."""
    comment = str(field.metadata.get("comment", ""))
    return isinstance(field.dataType, T.StringType) and (
        field.name.endswith("_key") or "user_key" in comment)


def test_every_declared_keyed_column_is_rewritten():
    rewritten = {(s.layer, s.name): set(key_columns(s)) for s in keyed_tables()}
    missing = [(spec.layer, spec.name, field.name)
               for spec in declared_tables() if spec.layer != "bronze"
               for field in spec.schema.fields if holds_a_key(field)
               and field.name not in rewritten.get((spec.layer, spec.name), set())]
    assert missing == []


def test_gold_keyed_tables_come_with_their_staging_copies():
    keyed = {(s.layer, s.name) for s in keyed_tables()}
    gold = [s for s in keyed_tables() if s.layer == "gold"]
    assert {(staged(s).layer, s.name) for s in gold} <= keyed
    # the tables INTERFACES.md names, and the social edges' second key
    assert {("silver", "users"), ("silver", "user_daily"), ("gold", "user_profile"),
            ("gold", "segment_membership"), ("staging", "user_profile")} <= keyed
    relations = next(s for s in keyed_tables() if (s.layer, s.name) == ("silver", "relations"))
    assert key_columns(relations) == ("user_key", "friend_key")
    assert not [s for s in keyed_tables() if s.layer == "bronze"]

"""Every declared table that can hold a person's identifier is one the erasure job cleans,
and none keeps Delta statistics on such a column. Pure Python: no Spark session."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest
from pyspark.sql import types as T

import jobs
from jobs.common.delta import TableSpec, staged
from jobs.common.identifiers import IDENTIFIER_COLUMNS
from jobs.erasure.catalog import declared_tables, identifier_columns, keyed_tables
from jobs.erasure.transforms import example_columns, label_columns, row_columns
from jobs.ingest.schemas import BRONZE_TABLES, QUARANTINE_TABLE
from jobs.silver.schemas import SILVER_TABLES

pytestmark = pytest.mark.unit

# A column whose name says it may hold a person's identifier.
LOOKS_PERSONAL = re.compile(r"user|friend|member_key|phone|nick|^ip$|email|circle_id|"
                            r"neighbou?r|_key$|raw_|example|observed")
# Columns matching that pattern which hold no identifier (reviewed one by one).
NOT_PERSONAL = {"members", "members_a", "members_b", "shared_members", "treated_users",
                "holdout_users", "tight_circle_size", "circle_friends", "mutual_friends",
                "device_phone", "device_phone_30d"}


def every_spec_in_jobs() -> dict[str, TableSpec]:
    """TableSpec objects anywhere in the jobs package (not only schemas.py), staged too."""
    found: dict[str, TableSpec] = {}
    for module in pkgutil.walk_packages(jobs.__path__, "jobs."):
        if module.name.endswith(".main") or module.name.startswith("jobs.generate"):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            values = value.values() if isinstance(value, dict) else [value]
            for spec in (v for v in values if isinstance(v, TableSpec)):
                for table in (spec, staged(spec)):
                    found[f"{table.layer}/{table.name}"] = table
    return found


def test_the_catalogue_finds_every_declared_table():
    declared = {f"{s.layer}/{s.name}" for s in declared_tables()}
    assert set(every_spec_in_jobs()) <= declared
    assert {"bronze/users", "bronze/quarantine", "silver/user_daily", "gold/segment_history",
            "staging/user_profile", "quality/validation_results"} <= declared


def test_every_table_with_an_identifier_column_is_erased_one_way_or_another():
    keyed = {f"{s.layer}/{s.name}": s for s in keyed_tables()}
    for name, spec in every_spec_in_jobs().items():
        if identifier_columns(spec):
            assert name in keyed, name
    for name, spec in keyed.items():
        handled = (row_columns(spec) or label_columns(spec)
                   or example_columns(spec))
        assert handled, name
    assert {f"bronze/{n}" for n in BRONZE_TABLES} | {"bronze/quarantine"} <= set(keyed)
    assert {f"silver/{n}" for n in SILVER_TABLES} <= set(keyed)


def test_every_column_that_looks_personal_is_a_declared_identifier():
    columns = {c for s in declared_tables() for c in s.columns}
    suspicious = {c for c in columns if LOOKS_PERSONAL.search(c)} - NOT_PERSONAL
    assert suspicious <= IDENTIFIER_COLUMNS, suspicious - IDENTIFIER_COLUMNS


def test_no_identifier_column_keeps_delta_statistics():
    for spec in declared_tables():
        if not identifier_columns(spec):
            continue
        stats = spec.table_properties()["delta.dataSkippingStatsColumns"].split(",")
        assert not set(stats) & IDENTIFIER_COLUMNS, spec.name
        assert not set(stats) & set(spec.partition_by), spec.name
        types = {f.name: f.dataType for f in spec.schema.fields}
        refused = [c for c in stats if isinstance(types[c], (T.ArrayType, T.MapType))]
        assert refused == [], (spec.name, refused)  # Delta fails the write on these
    bronze_users = BRONZE_TABLES["users"].table_properties()["delta.dataSkippingStatsColumns"]
    assert "phone" not in bronze_users.split(",") and "registered_at" in bronze_users
    assert "raw_record" not in QUARANTINE_TABLE.table_properties()[
        "delta.dataSkippingStatsColumns"]

"""Every table that holds pseudonyms, found from the TableSpec declarations themselves.

A keyed column is a string column named ``*_key`` (user_key, friend_key, ...) or one of
``KEY_VALUED_COLUMNS``: columns that hold a user_key value under another name. Every
``jobs/**/schemas.py`` is imported and searched, so a table declared tomorrow is
re-keyed by the next rotation without anyone listing it; gold tables come with their
staging copies (write-audit-publish). Bronze holds raw ids, never pseudonyms.
"""

from __future__ import annotations

from pyspark.sql import types as T

from jobs.common.catalog import declared_tables
from jobs.common.delta import TableSpec, staged

# Columns holding a user_key value without the _key suffix.
KEY_VALUED_COLUMNS = frozenset({"tight_circle_id"})  # a member's user_key (jobs/social)
LAYERS = ("silver", "staging", "gold")


def key_columns(spec: TableSpec) -> tuple[str, ...]:
    return tuple(f.name for f in spec.schema.fields
                 if isinstance(f.dataType, T.StringType)
                 and (f.name.endswith("_key") or f.name in KEY_VALUED_COLUMNS))


def keyed_tables() -> list[TableSpec]:
    """The tables a rotation rewrites, silver first, then staging, then gold."""
    keyed = [spec for spec in declared_tables() if spec.layer != "bronze" and key_columns(spec)]
    unexpected = sorted({spec.layer for spec in keyed} - set(LAYERS))
    if unexpected:
        raise ValueError(f"keyed tables in layers a rotation does not know: {unexpected}")
    with_staging = keyed + [staged(spec) for spec in keyed if spec.layer == "gold"]
    return sorted(with_staging, key=lambda s: (LAYERS.index(s.layer), s.name))

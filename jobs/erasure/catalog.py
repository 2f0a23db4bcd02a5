"""Every table the lakehouse declares, found in the stages' ``schemas.py`` modules.

The erasure job cleans the tables this finds, not a hand-kept list: a table declared
tomorrow with a ``user_key`` column is erased from the day it exists.
"""

from __future__ import annotations

from jobs.common import catalog
from jobs.common.delta import TableSpec, staged
from jobs.common.identifiers import IDENTIFIER_COLUMNS


def declared_tables() -> list[TableSpec]:
    """Each declared table once, gold tables also as their staging copy."""
    found: dict[str, TableSpec] = {}
    for spec in catalog.declared_tables():
        for table in (spec, staged(spec)):
            found.setdefault(f"{table.layer}/{table.name}", table)
    return [found[name] for name in sorted(found)]


def identifier_columns(spec: TableSpec) -> tuple[str, ...]:
    return tuple(c for c in spec.columns if c in IDENTIFIER_COLUMNS)


def keyed_tables() -> list[TableSpec]:
    """The declared tables holding at least one identifier column."""
    return [spec for spec in declared_tables() if identifier_columns(spec)]

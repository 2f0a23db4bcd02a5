"""Every table the lakehouse declares, found in the stages' ``schemas.py`` modules.

The erasure job cleans the tables this finds, not a hand-kept list: a table declared
tomorrow with a ``user_key`` column is erased from the day it exists.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

import jobs
from jobs.common.delta import TableSpec, staged
from jobs.common.identifiers import IDENTIFIER_COLUMNS


def _specs_in(value: object) -> Iterable[TableSpec]:
    if isinstance(value, TableSpec):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _specs_in(item)


def declared_tables() -> list[TableSpec]:
    """Each TableSpec of a ``jobs.<stage>.schemas`` module once, gold tables also staged."""
    found: dict[str, TableSpec] = {}
    for module in pkgutil.iter_modules(jobs.__path__):
        if not module.ispkg:
            continue
        try:
            schemas = importlib.import_module(f"jobs.{module.name}.schemas")
        except ModuleNotFoundError as exc:
            if exc.name != f"jobs.{module.name}.schemas":
                raise
            continue
        for value in vars(schemas).values():
            for spec in _specs_in(value):
                for table in (spec, staged(spec)):
                    found.setdefault(f"{table.layer}/{table.name}", table)
    return [found[name] for name in sorted(found)]


def identifier_columns(spec: TableSpec) -> tuple[str, ...]:
    return tuple(c for c in spec.columns if c in IDENTIFIER_COLUMNS)


def keyed_tables() -> list[TableSpec]:
    """The declared tables holding at least one identifier column."""
    return [spec for spec in declared_tables() if identifier_columns(spec)]

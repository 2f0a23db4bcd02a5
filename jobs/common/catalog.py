"""Every table the lakehouse declares, found in the stages' ``schemas.py`` modules.

Jobs that must reach every table holding a person's data (erasure, key rotation) read
this instead of a hand-kept list: a table declared tomorrow is covered the day it exists.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

import jobs
from jobs.common.delta import TableSpec


def _specs_in(values: Iterable[object]) -> Iterable[TableSpec]:
    for value in values:
        if isinstance(value, TableSpec):
            yield value
        elif isinstance(value, dict):
            yield from _specs_in(value.values())
        elif isinstance(value, tuple | list):
            yield from _specs_in(value)


def declared_tables() -> list[TableSpec]:
    """Each TableSpec of every ``jobs/**/schemas.py``, once per (layer, name), sorted."""
    found: dict[tuple[str, str], TableSpec] = {}
    for module in pkgutil.walk_packages(jobs.__path__, "jobs."):
        if module.name.rsplit(".", 1)[-1] != "schemas":
            continue
        for spec in _specs_in(vars(importlib.import_module(module.name)).values()):
            found.setdefault((spec.layer, spec.name), spec)
    return [found[key] for key in sorted(found)]

"""Expectation suites as reviewed files: ``expectations/<suite>.json``, loaded strictly.

Great Expectations logs and skips an entry it cannot build when a suite is made from a
dict; here every entry must build, or the load fails naming the file, the entry and why.
Nothing else is accepted either: unknown keys, a severity outside critical / warning /
info, a suite name that differs from its file name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobs.common.errors import ConfigError

ENTRY_KEYS = {"type", "kwargs", "meta", "severity", "notes", "description"}
SEVERITIES = ("critical", "warning", "info")


class SuiteError(ConfigError):
    """A suite file that does not load completely."""


def read_suite_file(path: Path) -> dict[str, Any]:
    """The suite's JSON, with its shape checked (not yet its expectations)."""
    if not path.is_file():
        raise SuiteError(f"expectation suite {path} does not exist")
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(suite, dict) or not isinstance(suite.get("expectations"), list):
        raise SuiteError(f"{path}: expected an object with a list 'expectations'")
    if suite.get("name") != path.stem:
        raise SuiteError(f"{path}: suite name {suite.get('name')!r} is not the file name "
                         f"{path.stem!r}")
    return suite


def build_expectations(path: Path, entries: list[Any]) -> list[Any]:
    """Every entry as a Great Expectations Expectation; the first bad one raises SuiteError."""
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    built = []
    for index, entry in enumerate(entries):
        where = f"{path}: expectation #{index}"
        if not isinstance(entry, dict) or "type" not in entry:
            raise SuiteError(f"{where}: expected an object with a 'type'")
        where += f" ({entry['type']})"
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise SuiteError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if entry.get("severity", "critical") not in SEVERITIES:
            raise SuiteError(f"{where}: severity {entry['severity']!r} is not one of "
                             f"{', '.join(SEVERITIES)}")
        try:
            built.append(ExpectationConfiguration(**entry).to_domain_obj())
        except Exception as exc:  # GX raises pydantic and its own errors alike
            message = " ".join(str(exc).split())
            raise SuiteError(f"{where} is not valid: {message}") from exc
    return built


def load_suite(path: Path) -> Any:
    """A ``great_expectations.ExpectationSuite`` holding every entry of the file.

    Needs an active Data Context (``jobs.quality.gate.Gate`` makes one).
    """
    import great_expectations as gx

    document = read_suite_file(path)
    expectations = build_expectations(path, document["expectations"])
    # Given whole, not added one by one: once the project's store holds a suite of that
    # name, each add_expectation rewrites the stored suite (a second per suite file).
    suite = gx.ExpectationSuite(name=document["name"], expectations=expectations,
                                meta=document.get("meta"))
    if len(suite.expectations) != len(document["expectations"]):
        raise SuiteError(f"{path}: {len(document['expectations'])} expectations in the file, "
                         f"{len(suite.expectations)} loaded")
    return suite


def suite_parameters(path: Path) -> set[str]:
    """The ``$PARAMETER`` names a suite file uses."""
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if set(node) == {"$PARAMETER"}:
                names.add(node["$PARAMETER"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(read_suite_file(path)["expectations"])
    return names

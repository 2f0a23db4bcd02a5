"""Rule files written to tmp_path, for the rules tests."""

from __future__ import annotations

from pathlib import Path

import yaml

ARTICLE = ("age between 25 and 35 and paid_30d between 1000 and 3000 "
           "and dominant_slot = 'prime_evening'")


def rule(rule_id: str, expression: str, version: int = 1) -> dict:
    return {"id": rule_id, "name": rule_id.replace("_", " "), "owner": "tests",
            "description": f"test rule {rule_id}", "version": version,
            "expression": expression}


def write_rules(folder: Path, *rules: dict, file: str = "rules.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file).write_text(yaml.safe_dump({"rules": list(rules)}), encoding="utf-8")
    return folder

"""Where a pseudonym secret could leak, searched byte by byte: every spelling of the key and
of its two padded forms (hex, upper-case hex, base64, raw bytes), and the per-file column
statistics Delta keeps in a table's log."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pyarrow as pa

from jobs.silver.pseudonym import padded_keys

# Whole files Spark compresses: the event log, with zstd by default in Spark 4 (standard
# zstd frames). A search of the compressed bytes would find nothing whatever they held.
COMPRESSED = {".zstd": "zstd"}


def needles(key: bytes) -> dict[str, bytes]:
    """Every spelling of the key and of its two padded forms a log could hold."""
    found: dict[str, bytes] = {}
    for name, value in {"key": key, **dict(zip(("ipad", "opad"), padded_keys(key),
                                               strict=True))}.items():
        found |= {f"{name} hex": value.hex().encode(), f"{name} HEX": value.hex().upper().encode(),
                  f"{name} base64": base64.b64encode(value), f"{name} bytes": value}
    found["key base64 of hex"] = base64.b64encode(key.hex().encode())
    return found


def content(path: Path) -> bytes:
    """A file's bytes, decompressed when Spark compressed the whole file."""
    codec = COMPRESSED.get(path.suffix)
    if codec is None:
        return path.read_bytes()
    with pa.input_stream(str(path), compression=codec) as stream:
        return stream.read()


def files_holding(folder: Path, key: bytes) -> list[str]:
    """``<file>: <spelling>`` for every file under ``folder`` holding a spelling of ``key``."""
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = content(path)
        hits += [f"{path.relative_to(folder)}: {name}" for name, needle in needles(key).items()
                 if needle in data]
    return hits


def stats_of(table: Path) -> tuple[list[dict], dict]:
    """(the stats of every added file, the table configuration) from the _delta_log JSON."""
    stats, conf = [], {}
    for commit in sorted((table / "_delta_log").glob("*.json")):
        for line in commit.read_text().splitlines():
            action = json.loads(line)
            if "add" in action and action["add"].get("stats"):
                stats.append(json.loads(action["add"]["stats"]))
            if "metaData" in action:
                conf = action["metaData"].get("configuration", {})
    return stats, conf

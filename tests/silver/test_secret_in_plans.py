"""The pseudonym secret never shows: not in a real run's logs, event log or lakehouse files,
not in a silver plan, not in the Spark conf; bronze keeps no statistics of identifiers."""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql import types as T

from jobs.common.secrets import PseudonymKey
from jobs.ingest.schemas import BRONZE_TABLES, PII_COLUMNS
from jobs.silver.pseudonym import key_frame, padded_keys
from jobs.silver.transforms import CLEANERS
from tests.worlds import DAY_BEFORE, SNAPSHOT

REPO = Path(__file__).resolve().parents[2]
PY = Path(sys.executable)


def needles(key: bytes) -> dict[str, bytes]:
    """Every spelling of the key and of its two padded forms a log could hold."""
    found: dict[str, bytes] = {}
    for name, value in {"key": key, **dict(zip(("ipad", "opad"), padded_keys(key),
                                               strict=True))}.items():
        found |= {f"{name} hex": value.hex().encode(), f"{name} HEX": value.hex().upper().encode(),
                  f"{name} base64": base64.b64encode(value), f"{name} bytes": value}
    found["key base64 of hex"] = base64.b64encode(key.hex().encode())
    return found


def files_holding(folder: Path, key: bytes) -> list[str]:
    hits = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        hits += [f"{path.relative_to(folder)}: {name}" for name, needle in needles(key).items()
                 if needle in data]
    return hits


def spark_submit(tmp_path: Path, root: Path, key_hex: str, first: str) -> Path:
    """ingest + silver from ``first`` to D as the T+1 runs them (spark-submit of the shipped
    package), with the event log on and uncompressed Parquet so bytes are greppable."""
    shutil.make_archive(str(tmp_path / "jobs"), "zip", REPO, "jobs")
    logs = tmp_path / "logs"
    (logs / "events").mkdir(parents=True)
    jars = ",".join(str(p) for p in sorted((REPO / "jars").glob("*.jar")))
    command = [
        str(PY.parent / "spark-submit"), "--master", "local[2]", "--driver-memory", "1g",
        "--jars", jars, "--py-files", str(tmp_path / "jobs.zip"),
        "--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir={logs / 'events'}",
        "--conf", "spark.sql.parquet.compression.codec=uncompressed",
        str(REPO / "jobs" / "pipeline" / "main.py"), "--start-date", first,
        "--end-date", str(SNAPSHOT), "--env", "test", "--conf-dir", str(REPO / "conf"),
        "--stages", "ingest,silver",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEG_PSEUDONYM", "PYSPARK"))}
    env |= {"SEG_PSEUDONYM_KEY": key_hex, "LAKEHOUSE_ROOT": str(root),
            "PYSPARK_PYTHON": str(PY), "SPARK_LOCAL_IP": "127.0.0.1"}
    with open(logs / "stdout.log", "wb") as out, open(logs / "stderr.log", "wb") as err:
        done = subprocess.run(command, cwd=tmp_path, env=env, stdout=out, stderr=err,
                              timeout=900, check=False)
    assert done.returncode == 0, (logs / "stderr.log").read_text()[-3000:]
    return logs


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


@pytest.mark.e2e
def test_a_real_run_never_writes_the_secret(ingested, tmp_path):
    """On a copy of the ingested world (bronze up to D-2, no silver yet, so no pseudonym of
    another key): the last two landing dates ingested and every silver table made under a
    fresh key, then every byte of the logs, event log and lakehouse searched for it."""
    key_hex = secrets.token_hex(32)
    root = Path(ingested.lakehouse_root)
    logs = spark_submit(tmp_path, root, key_hex, str(DAY_BEFORE))

    assert "silver done" in (logs / "stdout.log").read_text()
    assert list((logs / "events").iterdir()), "no event log written"
    assert (root / "silver" / "users" / "_delta_log").is_dir()
    assert files_holding(logs, bytes.fromhex(key_hex)) == []
    assert files_holding(root, bytes.fromhex(key_hex)) == []

    # bronze keeps no min/max of a direct identifier, and still keeps them for the rest
    for source, columns in PII_COLUMNS.items():
        stats, conf = stats_of(root / "bronze" / source)
        assert stats, source
        kept = set(conf["delta.dataSkippingStatsColumns"].split(","))
        assert kept and not kept & set(columns), source
        for file_stats in stats:
            assert not set(columns) & set(file_stats.get("minValues", {})), source
            assert not set(columns) & set(file_stats.get("maxValues", {})), source
        assert any(file_stats.get("minValues") for file_stats in stats), source


USERS = BRONZE_TABLES["users"].schema


@pytest.mark.unit
@pytest.mark.parametrize("mode", ["simple", "extended", "codegen", "cost", "formatted"])
def test_silver_plans_and_spark_conf_hold_no_key(spark, mode, capsys):
    key = secrets.token_bytes(32)
    width = len(USERS.fields)
    rows = [("u000001", *([None] * (width - 1))), tuple([None] * width)]
    bronze = spark.createDataFrame(rows, T.StructType([T.StructField(
        f.name, f.dataType) for f in USERS.fields]))
    batch = CLEANERS["users"](bronze, key_frame(spark, PseudonymKey(key, "t")), "Asia/Shanghai")
    batch.explain(mode=mode)
    batch.collect()  # executed, so the plan is final (AQE) and in the SQL listener
    plan = capsys.readouterr().out + batch._jdf.queryExecution().toString()
    assert "user_key" in plan
    conf = str(spark.sparkContext.getConf().getAll()) + str(spark.conf.getAll)
    for name, needle in needles(key).items():
        if name.endswith("bytes"):
            continue
        assert needle.decode() not in plan, (mode, name)
        assert needle.decode() not in conf, name

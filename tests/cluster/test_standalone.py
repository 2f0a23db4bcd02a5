"""A backfill on a real Spark standalone cluster (a master and two workers on loopback,
infra/spark/standalone) equals the daily runs of a local session, row for row: on a copy
of the history world (tests/worlds.py: everything landed up to D-2), the pipeline runs
D-1..D in one application up to publication; the published world holds the local T+1
runs of D-1 and of D. One run says both things: a range in one application gives what
day-by-day runs give (ingest, silver and rollup in one pass over the range, the later
stages stepping through its dates), and a cluster gives what local[2] gives. The master
lists the application FINISHED and both workers ran one of its executors.

The same run is the one searched for the pseudonym secret: with the event log on and
uncompressed Parquet, no byte of the driver's output, the event log, the master's, the
workers' and the executors' logs, nor of any file of the lakehouse (``_delta_log`` and Data
Docs included) holds the key or either padded key in any spelling; bronze's commits carry
no statistics of a direct identifier and still carry them for the other columns.

    make cluster-test        # this module alone
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from jobs.common.delta import read_table
from jobs.ingest.schemas import PII_COLUMNS
from jobs.pipeline import main as pipeline
from jobs.profile.schemas import USER_PROFILE
from jobs.quality.targets import GOLD_TABLES
from jobs.rollup.schemas import USER_DAILY
from jobs.state.schemas import USER_STATE
from tests.secret_scan import content, files_holding, stats_of
from tests.worlds import DAY_BEFORE, KEY_HEX, SNAPSHOT

REPO = Path(__file__).resolve().parents[2]
STANDALONE = REPO / "infra" / "spark" / "standalone"
SPARK_SUBMIT = REPO / ".venv" / "bin" / "spark-submit"
DAYS = (DAY_BEFORE, SNAPSHOT)
# Up to publication: the compared tables are final there; rules, evaluate and discover
# read the published gold and are tested on their own.
TO_PUBLISH = tuple(pipeline.STAGES)[:tuple(pipeline.STAGES).index("publish") + 1]
# Every gold table (the BI breakdown included), the lifetime state and the rollup.
COMPARED = (*GOLD_TABLES, USER_STATE, USER_DAILY)
# Monday D-1's topic model, which D-1 and D use: the production model, trained once per
# version by the local T+1 run of D-1 and only loaded after that (online LDA adds the
# executors' partial sums in arrival order, so a model trained on the cluster would have
# other topics).
LDA_MODEL = Path("models") / "lda" / DAY_BEFORE.isoformat()
# The BG/NBD fit (jobs/predict) maximises a likelihood over sums of doubles that Spark adds
# in the order shuffle blocks arrive: on a cluster that order is not local[2]'s, and on this
# tiny data set the fit sits at a boundary (a -> 0), so its predictions agree to ~1e-7
# relative, not bit for bit. Those columns are compared with a tolerance, all else exactly.
FITTED = ("p_alive", "predicted_purchases", "predicted_value")
RELATIVE_TOLERANCE = 1e-6

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(2400),
    pytest.mark.skipif(shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
                       reason="no Java: a Spark standalone cluster needs a JVM"),
]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/json/", timeout=10) as response:  # noqa: S310
        return json.load(response)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A master and two workers (1 core, 1g each); stopped whatever the test does."""
    state = tmp_path_factory.mktemp("standalone")
    try:
        started = subprocess.run([str(STANDALONE), "start", str(state), "2"], cwd=REPO,
                                 capture_output=True, text=True, timeout=180)
        assert started.returncode == 0, started.stderr
        yield {"state": state, "url": (state / "master.url").read_text().strip(),
               "webui": (state / "master.webui").read_text().strip(),
               "workers": [(state / f"worker-{i}.webui").read_text().strip()
                           for i in (1, 2)]}
    finally:
        subprocess.run([str(STANDALONE), "stop", str(state)], cwd=REPO, timeout=60)


@pytest.fixture(scope="module")
def jobs_package() -> Path:
    subprocess.run(["make", "-s", "package"], cwd=REPO, check=True, timeout=300)
    return REPO / "dist" / "jobs.zip"


def submit(master: str, root: Path, package: Path, log: Path, events: Path) -> float:
    """spark-submit the pipeline for DAYS into ``root``, its event log into ``events`` (zstd,
    Spark's default: tests/secret_scan.py reads it decompressed; uncompressed, it is ~150 MB
    and slows the run by ~100 s) and its Parquet uncompressed (so that a secret in it would
    show as bytes); returns its wall time in seconds."""
    jars = ",".join(sorted(str(p) for p in (REPO / "jars").glob("*.jar")))
    python = str(REPO / ".venv" / "bin" / "python")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYSPARK_GATEWAY", "PYSPARK_DRIVER"))}
    env.update({"LAKEHOUSE_ROOT": str(root), "SEG_PSEUDONYM_KEY": KEY_HEX,
                "PYSPARK_PYTHON": python, "SPARK_LOCAL_IP": "127.0.0.1"})
    command = [str(SPARK_SUBMIT), "--master", master,
               "--driver-memory", "2g", "--executor-memory", "768m",
               "--conf", f"spark.pyspark.python={python}",
               "--conf", "spark.eventLog.enabled=true", "--conf", f"spark.eventLog.dir={events}",
               "--conf", "spark.sql.parquet.compression.codec=uncompressed",
               "--jars", jars, "--py-files", str(package), str(REPO / "jobs/pipeline/main.py"),
               "--start-date", DAYS[0].isoformat(), "--end-date", DAYS[-1].isoformat(),
               "--env", "test",
               "--stages", ",".join(TO_PUBLISH)]
    started = time.perf_counter()
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = process.wait(timeout=1800)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            raise
    assert code == 0, f"spark-submit --master {master} exited {code}:\n" \
                      + "\n".join(log.read_text().splitlines()[-40:])
    return time.perf_counter() - started


def of_days(spark, spec, root: Path):
    """The rows of DAYS (the rollup: every row, late days rewritten by D's run included)."""
    table = read_table(spark, spec, str(root))
    for column in ("snapshot_date", "state_date"):
        if column in table.columns:
            return table.filter(F.col(column).isin(*DAYS))
    return table


def test_a_backfill_on_a_standalone_cluster_equals_the_local_daily_runs(
        spark, cluster, jobs_package, history, worlds, tmp_path):
    on_cluster = Path(history.lakehouse_root)
    # The daily world (the T+1 run of D-1) holds the model; the published world, needed
    # only for the comparison, may still be in the making by another worker meanwhile.
    shutil.copytree(worlds.root("daily") / LDA_MODEL, on_cluster / LDA_MODEL)
    logs = tmp_path / "logs"
    (logs / "events").mkdir(parents=True)
    cluster_s = submit(cluster["url"], on_cluster, jobs_package, logs / "driver.log",
                       logs / "events")
    print(f"pipeline {DAYS[0]}..{DAYS[-1]} to publish on the cluster: {cluster_s:.0f} s")
    daily = worlds.root("published")

    apps = get_json(cluster["webui"])["completedapps"]  # a fresh master: only this run
    assert len(apps) == 1 and apps[0]["state"] == "FINISHED", apps
    assert apps[0]["name"] == f"pipeline {DAYS[0]}..{DAYS[-1]}"
    # One executor per worker (1 core each): both did the work. A worker lists an executor
    # as finished once it has stopped it, which can trail the application's end.
    for worker in cluster["workers"]:
        assert ran_an_executor_of(worker, apps[0]["id"]), (worker, get_json(worker))

    for spec in COMPARED:
        expected = of_days(spark, spec, daily).drop(*FITTED)
        assert expected.count() > 0, spec.name
        assert_df_equality(of_days(spark, spec, on_cluster).drop(*FITTED), expected,
                           ignore_row_order=True, ignore_nullable=True)
    assert max_relative_difference(of_days(spark, USER_PROFILE, on_cluster),
                                   of_days(spark, USER_PROFILE, daily)) <= RELATIVE_TOLERANCE

    # The secret: nowhere the run wrote, and no statistics of an identifier in bronze.
    event_files = [f for f in (logs / "events").rglob("*") if f.is_file()]
    assert any(b"SparkListenerApplicationStart" in content(f) for f in event_files), \
        "no event log written, or not one the search can read"
    assert list((cluster["state"] / "work").rglob("stderr")), "no executor log kept"
    key = bytes.fromhex(KEY_HEX)
    for folder in (logs, cluster["state"], on_cluster):
        assert files_holding(folder, key) == [], folder
    for source, columns in PII_COLUMNS.items():
        stats, conf = stats_of(on_cluster / "bronze" / source)
        kept = set(conf["delta.dataSkippingStatsColumns"].split(","))
        assert kept and not kept & set(columns), source
        for file_stats in stats:
            assert not set(columns) & set(file_stats.get("minValues", {})), source
            assert not set(columns) & set(file_stats.get("maxValues", {})), source
        assert any(file_stats.get("minValues") for file_stats in stats), source


def ran_an_executor_of(worker: str, app_id: str, wait_s: float = 60) -> bool:
    deadline = time.monotonic() + wait_s
    while True:
        state = get_json(worker)
        if any(e["appid"] == app_id for e in state["finishedexecutors"] + state["executors"]):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(2)


def max_relative_difference(actual, expected) -> float:
    """The largest |a - e| / max(|e|, 1e-9) over the FITTED columns, users matched by key;
    a null on one side only, or a user on one side only, counts as infinite."""
    both = actual.alias("a").join(expected.alias("e"), on=["snapshot_date", "user_key"],
                                  how="full_outer")
    def rel(column: str) -> F.Column:
        a, e = F.col(f"a.{column}").cast("double"), F.col(f"e.{column}").cast("double")
        one_sided = a.isNull() != e.isNull()
        return F.when(one_sided, F.lit(float("inf"))).otherwise(
            F.coalesce(F.abs(a - e) / F.greatest(F.abs(e), F.lit(1e-9)), F.lit(0.0)))
    worst = both.select(F.greatest(*(rel(c) for c in FITTED)).alias("d")).agg(F.max("d"))
    return float(worst.first()[0])

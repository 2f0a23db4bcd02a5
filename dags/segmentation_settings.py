"""What the segmentation DAGs need to know, in plain Python: no Airflow, Spark or I/O.

The DAG files import this at parse time, so it reads only environment variables and does
path arithmetic. The tests import it from the project's Spark virtualenv and check it
against ``jobs/`` and ``conf/`` (stage list, segment families, business time zone), so a
stage appended to the pipeline cannot be silently missing from the DAG.

Deployment settings (environment of the Airflow scheduler, DAG processor and workers):

| variable | default | meaning |
|---|---|---|
| ``SEG_HOME`` | the folder above ``dags/`` | the repository: jobs/, conf/, dist/jobs.zip |
| ``SEG_JARS_DIR`` | ``$SEG_HOME/jars`` | the Delta jars shipped with ``--jars`` |
| ``SEG_ENV`` | ``local`` | the jobs' ``--env`` (``local``, ``test``, ``cluster``) |
| ``SEG_DRIVER_MEMORY`` | ``4g`` | ``spark-submit --driver-memory`` |
| ``LAKEHOUSE_ROOT`` | ``$SEG_HOME/lakehouse`` | where the jobs write; the Assets' URIs |
| ``SEG_BUSINESS_TIMEZONE`` | ``Asia/Shanghai`` | must equal ``business.timezone`` of the conf |
| ``SEG_IMAGE`` | ``segmentation-jobs:latest`` | k8s: the jobs image (infra/docker/) |
| ``SEG_IMAGE_JARS`` | the names in ``SEG_JARS_DIR`` | k8s: the image's jar files |
| ``SEG_K8S_NAMESPACE`` | ``segmentation`` | k8s: the SparkApplications' namespace |
| ``SEG_K8S_SERVICE_ACCOUNT`` | ``segmentation-spark`` | k8s: the driver's account |
| ``SEG_PSEUDONYM_SECRET`` | ``segmentation-pseudonym-key`` | k8s: Secret with ``pseudonym-key`` |

The Spark master is not here: it is the ``spark_default`` Airflow connection.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

DAGS_DIR = os.path.dirname(os.path.abspath(__file__))
SEG_HOME = os.path.abspath(os.environ.get("SEG_HOME") or os.path.join(DAGS_DIR, os.pardir))
JARS_DIR = os.environ.get("SEG_JARS_DIR") or os.path.join(SEG_HOME, "jars")
CONF_DIR = os.path.join(SEG_HOME, "conf")
PY_FILES = os.path.join(SEG_HOME, "dist", "jobs.zip")
SEG_ENV = os.environ.get("SEG_ENV", "local")
DRIVER_MEMORY = os.environ.get("SEG_DRIVER_MEMORY", "4g")
LAKEHOUSE_ROOT = os.environ.get("LAKEHOUSE_ROOT") or os.path.join(SEG_HOME, "lakehouse")
BUSINESS_TIMEZONE = os.environ.get("SEG_BUSINESS_TIMEZONE", "Asia/Shanghai")
# Kubernetes (Spark Operator): one SparkApplication per task, rendered by spark_application.
K8S_TEMPLATE = os.path.join(SEG_HOME, "infra", "k8s", "sparkapplication.yaml.j2")
IMAGE = os.environ.get("SEG_IMAGE", "segmentation-jobs:latest")
IMAGE_HOME = "/opt/segmentation"  # where infra/docker/Dockerfile puts jobs/, conf/, jars/
IMAGE_JARS = os.environ.get("SEG_IMAGE_JARS", "")
K8S_NAMESPACE = os.environ.get("SEG_K8S_NAMESPACE", "segmentation")
K8S_SERVICE_ACCOUNT = os.environ.get("SEG_K8S_SERVICE_ACCOUNT", "segmentation-spark")
PSEUDONYM_SECRET = os.environ.get("SEG_PSEUDONYM_SECRET", "segmentation-pseudonym-key")
SPARK_VERSION = "4.2.0"  # pyspark's pin in pyproject.toml, the image's Spark

# The day D ends at midnight in the business time zone; its run starts then (T+1).
SCHEDULE_CRON = "0 0 * * *"
SPARK_CONN_ID = "spark_default"

# (stage, execution timeout in minutes, what the task does) in pipeline order: the same
# order as jobs/pipeline/main.py STAGES (a test compares them).
STAGES: tuple[tuple[str, int, str], ...] = (
    ("ingest", 120, "Lands `landing/<source>/ingest_date=D/` in `bronze/<source>`; rejects "
                    "go to `bronze/quarantine` with their reason; reconciles read = loaded + "
                    "quarantined + duplicates in `bronze/ingest_log`."),
    ("quality", 60, "Great Expectations bronze suites on the partitions landed on D; a "
                    "critical failure stops the run here, before anything is anonymised."),
    ("silver", 120, "Anonymises bronze into silver: `user_key` = HMAC-SHA256 of `user_id` "
                    "(the key comes from `SEG_PSEUDONYM_KEY` or the key file of the worker, "
                    "never from Airflow); insert-only MERGE of the deduplicated facts."),
    ("rollup", 90, "Per-user per-day rollup `silver/user_daily` and what D added to each "
                   "day (`silver/user_daily_increments`, for late events)."),
    ("state", 60, "Lifetime state of D = state of D-1 plus what landed on D: needs the "
                  "previous date's run, hence depends_on_past."),
    ("social", 60, "Social graph features per user and `gold/group_overlap`."),
    ("interest", 90, "Interest categories per user and the versioned LDA topics."),
    ("predict", 60, "BG/NBD + Gamma-Gamma fit and each customer's predicted value."),
    ("profile", 90, "The wide profile snapshot of D into `staging/user_profile`."),
    ("segments", 60, "Segment membership and summary of D into `staging/` for the "
                     "families chosen in the run's Params."),
    ("audit", 60, "Silver and staged-gold suites plus segment drift against the previous "
                  "published snapshot; a failure stops the run and gold stays as it was."),
    ("publish", 30, "Copies exactly the audited staging versions of D into `gold/` (one "
                    "replaceWhere commit per table); emits the gold Assets."),
    ("rules", 30, "`gold/rule_log`: the custom rules behind the published custom "
                  "audiences of D (MERGE, a re-run updates its own rows)."),
    ("evaluate", 60, "`gold/segment_history`, `segment_events`, `segment_overlap` and "
                     "`segment_effect` over the published gold: builds on the history up "
                     "to D-1, hence depends_on_past."),
    ("discover", 60, "k-means clusters of the published profile of D: "
                     "`gold/discovered_clusters`, `gold/cluster_membership`."),
    ("maintain", 60, "Compaction: Delta OPTIMIZE of the date partitions that became final "
                     "with the run (its snapshot; the activity date late events can no "
                     "longer reach), so daily runs leave no tiny files."),
)
STAGE_NAMES = tuple(name for name, _, _ in STAGES)
STAGE_TIMEOUT = {name: minutes for name, minutes, _ in STAGES}
STAGE_DOC = {name: doc for name, _, doc in STAGES}

# The daily DAG's tasks, one after the other: each is one spark-submit of
# jobs/pipeline/main.py that runs its consecutive stages (--stages) in one Spark
# application. A cold application pays its JVM's start, Delta's class loading and JIT
# warm-up (about 30-40 s of CPU here), more than most stages' own work on a day: four
# applications instead of sixteen, with a gate's failure still failing its own task
# (quality fails ingest_to_rollup before silver; audit fails audit_and_publish before
# publish) and a retry re-running only the failed task's stages (each scoped to its dates).
TASKS: dict[str, tuple[str, ...]] = {
    "ingest_to_rollup": ("ingest", "quality", "silver", "rollup"),
    "state_to_segments": ("state", "social", "interest", "predict", "profile", "segments"),
    "audit_and_publish": ("audit", "publish"),
    "rules_to_maintain": ("rules", "evaluate", "discover", "maintain"),
}
TASK_OF = {stage: task for task, stages in TASKS.items() for stage in stages}


def task_timeout_minutes(task: str) -> int:
    return sum(STAGE_TIMEOUT[stage] for stage in TASKS[task])


# Stages whose result for D builds on earlier days (lifetime state; drift against the last
# published snapshot; segment history): a day runs them only after the previous run did.
DATE_ORDERED = frozenset({"state", "audit", "publish", "evaluate"})
# The tasks holding one of them wait for the previous run's same task (depends_on_past).
TASKS_DATE_ORDERED = frozenset(TASK_OF[stage] for stage in DATE_ORDERED)

# The segment families, as jobs/segments/transforms.py BUILT_IN names them (tested).
FAMILIES = ("behaviour", "attributes", "social", "consumption", "rfm", "interest",
            "lifecycle", "scene", "custom")
GOLD_TABLES = ("user_profile", "segment_membership", "segment_summary")


def application(stage: str) -> str:
    return os.path.join(SEG_HOME, "jobs", stage, "main.py")


PIPELINE = application("pipeline")  # what every task of the daily DAG submits


def delta_jars(jars_dir: str = JARS_DIR) -> str:
    """``--jars``: listed when a task renders its arguments, never at parse time."""
    return ",".join(sorted(os.path.join(jars_dir, name) for name in os.listdir(jars_dir)
                           if name.endswith(".jar")))


def asset_name(table: str) -> str:
    """The name other DAGs subscribe to: ``Asset.ref(name="segmentation.gold.<table>")``."""
    return f"segmentation.gold.{table}"


def asset_uri(table: str) -> str:
    root = LAKEHOUSE_ROOT.rstrip("/")
    return f"{root}/gold/{table}" if "://" in root else f"file://{root}/gold/{table}"


class RunParamsError(ValueError):
    """Params that pass their own schemas but not together (a range ending before it starts)."""


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def scheduled_date(data_interval_start: dt.datetime | None, run_after: dt.datetime,
                   timezone: str = BUSINESS_TIMEZONE) -> dt.date:
    """The business day D a run covers when no run_date is given.

    A scheduled or backfill run covers its data interval, one business day: D is the day
    the interval starts. A run without a data interval (triggered without a logical
    date) covers the last complete day before it was triggered.
    """
    zone = ZoneInfo(timezone)
    if data_interval_start is not None:
        return data_interval_start.astimezone(zone).date()
    return run_after.astimezone(zone).date() - dt.timedelta(days=1)


def date_span(params: Mapping[str, Any], data_interval_start: dt.datetime | None,
              run_after: dt.datetime) -> tuple[dt.date, dt.date]:
    """(first, last) business dates of the run, from the Params and the schedule."""
    day = _date(params.get("run_date")) or scheduled_date(data_interval_start, run_after)
    start = _date(params.get("full_refresh_start"))
    end = _date(params.get("full_refresh_end"))
    if start is None and end is None:
        return day, day
    if start is None:
        raise RunParamsError("full_refresh_end is set but full_refresh_start is not: "
                             "a full refresh needs its first date")
    end = end or day
    if end < start:
        raise RunParamsError(f"full_refresh_end {end} is before full_refresh_start {start}")
    return start, end


def date_args(first: dt.date, last: dt.date) -> list[str]:
    if first == last:
        return ["--run-date", first.isoformat()]
    return ["--start-date", first.isoformat(), "--end-date", last.isoformat()]


def task_args(task: str, params: Mapping[str, Any],
              data_interval_start: dt.datetime | None, run_after: dt.datetime,
              env: str = SEG_ENV, conf_dir: str = CONF_DIR) -> list[str]:
    """The command line of one task (jobs/pipeline/main.py): the same options a data
    engineer types by hand."""
    stages = TASKS[task]
    args = date_args(*date_span(params, data_interval_start, run_after))
    args += ["--stages", ",".join(stages), "--env", env, "--conf-dir", conf_dir]
    families: Sequence[str] = params.get("families") or FAMILIES
    if "segments" in stages and set(families) != set(FAMILIES):
        args += ["--families", ",".join(f for f in FAMILIES if f in families)]
    if "audit" in stages and params.get("fail_on_drift"):
        args.append("--fail-on-drift")
    return args


def spark_profile(name: str = "cluster", conf_dir: str = CONF_DIR) -> dict[str, str]:
    """The Spark properties of a profile of conf/spark/profiles.yaml, as strings."""
    import yaml  # Airflow ships PyYAML; read when a task renders, never at parse time

    with open(os.path.join(conf_dir, "spark", "profiles.yaml"), encoding="utf-8") as handle:
        profiles = yaml.safe_load(handle)
    return {key: str(value) for key, value in (profiles[name] or {}).items()}


def _pod(profile: Mapping[str, str], role: str) -> dict[str, Any]:
    cores = int(profile[f"spark.{role}.cores"])
    pod = {"cores": cores, "core_request": f"{cores * 1000 - 100}m",
           "memory": profile[f"spark.{role}.memory"]}
    if role == "executor":
        pod["instances"] = int(profile["spark.executor.instances"])
    return pod


def image_jars(jars_dir: str = JARS_DIR) -> list[str]:
    """The Delta jars inside the image: the files `make setup` fetches from the same pom."""
    names = [n for n in IMAGE_JARS.split(",") if n] or sorted(
        n for n in os.listdir(jars_dir) if n.endswith(".jar"))
    return [f"local://{IMAGE_HOME}/jars/{name}" for name in names]


def spark_application(task: str, params: Mapping[str, Any],
                      data_interval_start: dt.datetime | None, run_after: dt.datetime, *,
                      image: str = IMAGE, namespace: str = K8S_NAMESPACE,
                      lakehouse_root: str = LAKEHOUSE_ROOT,
                      template: str = K8S_TEMPLATE) -> str:
    """The Spark Operator ``SparkApplication`` (YAML) of one task of the daily DAG for
    this run.

    The same application and arguments as the task's spark-submit (``task_args`` with
    ``--env cluster`` and the image's conf/), the image's package and jars as deps, and the
    ``cluster`` profile as sparkConf and driver/executor sizing.
    """
    import jinja2  # Airflow ships Jinja; used when a task renders, never at parse time

    first, last = date_span(params, data_interval_start, run_after)
    dates = f"{first:%Y%m%d}" if first == last else f"{first:%Y%m%d}-{last:%Y%m%d}"
    profile = spark_profile("cluster")
    with open(template, encoding="utf-8") as handle:
        source = handle.read()
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                                     keep_trailing_newline=True)
    return environment.from_string(source).render(
        name=f"segmentation-{task.replace('_', '-')}-{dates}", namespace=namespace,
        task=task, run_label=dates, spark_version=SPARK_VERSION, image=image,
        main_application_file=f"local://{IMAGE_HOME}/jobs/pipeline/main.py",
        arguments=task_args(task, params, data_interval_start, run_after,
                            env="cluster", conf_dir=f"{IMAGE_HOME}/conf"),
        jars=image_jars(), py_files=[f"local://{IMAGE_HOME}/dist/jobs.zip"],
        spark_conf=profile, driver=_pod(profile, "driver"),
        executor=_pod(profile, "executor"), service_account=K8S_SERVICE_ACCOUNT,
        pseudonym_secret=PSEUDONYM_SECRET, lakehouse_root=lakehouse_root)

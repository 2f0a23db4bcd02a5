"""
### Segmentation: the daily T+1 run

One run per business day D (Asia/Shanghai): when D has ended, the pipeline's sixteen
stages run for D in four `spark-submit` applications, one after the other, each exactly
the command a data engineer types by hand (`jobs/pipeline/main.py --run-date D --stages
... --env ...`, with `dist/jobs.zip` and the Delta jars):

**ingest_to_rollup** (ingest → quality → silver → rollup) → **state_to_segments** (state →
social → interest → predict → profile → segments) → **audit_and_publish** (audit →
publish) → **rules_to_maintain** (rules → evaluate → discover → maintain)

A cold Spark application costs half a minute of JVM start, class loading and warm-up
before it does any work; four of them instead of one per stage keep a day's fixed cost
down while a gate still fails its own task (quality before anything is anonymised, audit
before gold moves) and a retry re-runs only the stages of the task that failed. The
task log shows each stage's start and wall time (`[3/4] silver done in 12.3 s`).

`profile` and `segments` write to `staging/`; `audit` runs the quality suites and the drift
check; only then does `publish` move the snapshot into `gold/` and emit the Assets
`segmentation.gold.user_profile`, `segmentation.gold.segment_membership` and
`segmentation.gold.segment_summary` that downstream DAGs (BI refresh, exports) are scheduled on.

**Trigger a date** (▶ with config): set *Run date*; left empty, a run processes its
schedule's day (the day before it was triggered). **Full refresh** of a range: set its
first date (and last date; empty = the run date); every stage then runs once over the
range, ingest, silver and rollup in one pass, the later stages day by day. **Backfill**
with Airflow: `airflow backfill create --dag-id segmentation_daily --from-date A --to-date B`
creates one run per day, in date order. Every write is scoped to its dates, so re-running
any date or range is safe.

The tasks holding `state`, `audit`, `publish` or `evaluate` wait for the previous run's
same task (`depends_on_past`): lifetime state, drift and segment history build on earlier
days.
A failed gate (quality or audit) fails the run with the failed expectations in the task
log; gold stays as it was.
The Spark master is the `spark_default` connection; the pseudonym key comes from the
workers' environment (`SEG_PSEUDONYM_KEY`) or key file, never from Airflow.
"""

from __future__ import annotations

import datetime as dt

import jinja2
import pendulum
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, chain
from airflow.sdk.exceptions import AirflowFailException

import segmentation_settings as settings

GOLD_ASSETS = [
    Asset(name=settings.asset_name(table), uri=settings.asset_uri(table), group="segmentation")
    for table in settings.GOLD_TABLES
]


@jinja2.pass_context
def task_args(context: jinja2.runtime.Context, task: str) -> list[str]:
    """Macro: the task's command line for this run, from its Params and its schedule."""
    try:
        return settings.task_args(task, context["params"],
                                   context.get("data_interval_start"),
                                   context["dag_run"].run_after)
    except settings.RunParamsError as exc:
        raise AirflowFailException(str(exc)) from exc  # a retry would not fix the Params


DATE = {"type": ["null", "string"], "format": "date"}
PARAMS = {
    "run_date": Param(
        None, **DATE, title="Run date",
        description="Business date D (YYYY-MM-DD). Empty: the schedule's date, i.e. the last "
                    "day that ended (Asia/Shanghai) before the run was triggered."),
    "families": Param(
        list(settings.FAMILIES), type="array", minItems=1, uniqueItems=True,
        items={"type": "string", "enum": list(settings.FAMILIES)},
        examples=list(settings.FAMILIES), title="Segment families",
        description="The families the segments stage computes; the others keep their rows."),
    "full_refresh_start": Param(
        None, **DATE, title="Full refresh: first date",
        description="Re-run every stage over a range of dates, starting here. Empty: no "
                    "refresh, just the run date."),
    "full_refresh_end": Param(
        None, **DATE, title="Full refresh: last date",
        description="Last date of the range, inclusive. Empty: the run date."),
    "fail_on_drift": Param(
        False, type="boolean", title="Fail on drift",
        description="Segment drift beyond quality.drift.max_share blocks publication "
                    "(audit --fail-on-drift)."),
}

with DAG(
    dag_id="segmentation_daily",
    description="Daily T+1 segmentation: ingest to gold in four spark-submits",
    schedule=CronDataIntervalTimetable(settings.SCHEDULE_CRON,
                                       timezone=settings.BUSINESS_TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=settings.BUSINESS_TIMEZONE),
    catchup=False,  # a past range is a deliberate backfill, never a side effect of deploying
    max_active_runs=1,  # days run one after the other, in date order
    dagrun_timeout=dt.timedelta(hours=12),
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=5),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": dt.timedelta(minutes=30),
    },
    params=PARAMS,
    user_defined_macros={"task_args": task_args, "delta_jars": settings.delta_jars},
    render_template_as_native_obj=True,  # application_args renders to a list
    doc_md=__doc__,
    tags=["segmentation", "spark", "delta-lake", "daily"],
) as dag:
    tasks = [
        SparkSubmitOperator(
            task_id=task,
            conn_id=settings.SPARK_CONN_ID,
            application=settings.PIPELINE,
            py_files=settings.PY_FILES,
            jars="{{ delta_jars() }}",
            application_args=f"{{{{ task_args('{task}') }}}}",
            name=f"segmentation-{task}",
            driver_memory=settings.DRIVER_MEMORY,
            depends_on_past=task in settings.TASKS_DATE_ORDERED,
            execution_timeout=dt.timedelta(minutes=settings.task_timeout_minutes(task)),
            outlets=GOLD_ASSETS if "publish" in stages else [],
            doc_md="\n\n".join(
                [f"`spark-submit ... jobs/pipeline/main.py --run-date D --stages "
                 f"{','.join(stages)} --env {settings.SEG_ENV}` (see *Rendered Template*)"]
                + [f"**{stage}** — {settings.STAGE_DOC[stage]}" for stage in stages]),
        )
        for task, stages in settings.TASKS.items()
    ]
    chain(*tasks)

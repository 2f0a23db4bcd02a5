"""
### Segmentation: the daily T+1 run

One run per business day D (Asia/Shanghai): when D has ended, every stage of the
pipeline runs for D as its own `spark-submit` application, exactly the command a data
engineer types by hand (`jobs/<stage>/main.py --run-date D --env ...`, with `dist/jobs.zip`
and the Delta jars). Stages that do not read each other's tables run side by side:

ingest → quality → silver (anonymise) → rollup → {state, interest, predict} → profile;
silver → social → profile; profile → segments → audit → publish → {rules, evaluate,
discover} → maintain

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

`state`, `audit`, `publish` and `evaluate` wait for the previous run's same task
(`depends_on_past`): lifetime state, drift and segment history build on earlier days.
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
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param
from airflow.sdk.exceptions import AirflowFailException

import segmentation_settings as settings

GOLD_ASSETS = [
    Asset(name=settings.asset_name(table), uri=settings.asset_uri(table), group="segmentation")
    for table in settings.GOLD_TABLES
]


@jinja2.pass_context
def stage_args(context: jinja2.runtime.Context, stage: str) -> list[str]:
    """Macro: the stage's command line for this run, from its Params and its schedule."""
    try:
        return settings.stage_args(stage, context["params"],
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
    description="Daily T+1 segmentation: ingest to gold, one spark-submit per stage",
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
    user_defined_macros={"stage_args": stage_args, "delta_jars": settings.delta_jars},
    render_template_as_native_obj=True,  # application_args renders to a list
    doc_md=__doc__,
    tags=["segmentation", "spark", "delta-lake", "daily"],
) as dag:
    stages = {
        stage: SparkSubmitOperator(
            task_id=stage,
            conn_id=settings.SPARK_CONN_ID,
            application=settings.application(stage),
            py_files=settings.PY_FILES,
            jars="{{ delta_jars() }}",
            application_args=f"{{{{ stage_args('{stage}') }}}}",
            name=f"segmentation-{stage}",
            driver_memory=settings.DRIVER_MEMORY,
            depends_on_past=stage in settings.DATE_ORDERED,
            execution_timeout=dt.timedelta(minutes=timeout),
            outlets=GOLD_ASSETS if stage == "publish" else [],
            doc_md=f"**{stage}** — {doc}\n\n`spark-submit ... jobs/{stage}/main.py "
                   f"--run-date D --env {settings.SEG_ENV}` (see *Rendered Template*).",
        )
        for stage, timeout, doc in settings.STAGES
    }
    for stage, upstream in settings.UPSTREAM.items():
        stages[stage].set_upstream([stages[u] for u in upstream])

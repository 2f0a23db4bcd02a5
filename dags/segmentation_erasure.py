"""
### Segmentation: the right to erasure

Triggered by hand (or by the privacy team's tooling through the REST API) for one
erasure request, never on a schedule. One `spark-submit` of `jobs/erasure/main.py`:

1. the request's users get a tombstone in `privacy/tombstones` (a keyed hash, neither the
   id nor the pseudonym), so ingest drops their records if the files are delivered again;
2. their rows leave every declared table with an identifier column — bronze (raw ids,
   friend ids), `bronze/quarantine` (raw text naming them), silver, staging, gold, the
   segment history, `quality/validation_results` examples — and each table is VACUUMed
   with zero retention, so no reachable Delta version or data file holds them;
3. `landing/` files naming them are rewritten without their lines, Great Expectations
   files under `quality/gx` quoting them are redacted;
4. `privacy/erasure_log` records the request id, its time, the number of ids and the rows
   removed per table — never an id, a phone or a pseudonym.

**Trigger** with config: *Ids file* is the path (on the workers' file system or an object
store) of a file with one raw user id per line; the ids never go into the run's conf,
which Airflow keeps in its metadata database. *Request id* is the privacy ticket's
reference. The request time is the run's `run_after`.

Do not run it while `segmentation_daily` runs: VACUUM with zero retention removes files
a concurrent writer may still need. The pseudonym key comes from the workers'
environment (`SEG_PSEUDONYM_KEY`) or key file, never from Airflow; without it the job
stops before reading anything.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import DAG, Param

import segmentation_settings as settings

STAGE = "erasure"
PARAMS = {
    "ids_file": Param(
        type="string", minLength=2, pattern=r"^(/|[a-z][a-z0-9+.-]*://)\S+$",
        title="Ids file",
        description="Absolute path or URI of the request's file: one raw user id per line. "
                    "Never paste ids here."),
    "request_id": Param(
        type="string", pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", title="Request id",
        description="The erasure request's reference (letters, digits, . _ -), recorded in "
                    "privacy/erasure_log. Never a user id."),
}

with DAG(
    dag_id="segmentation_erasure",
    description="Right to erasure: remove users from every layer, Delta history and landing",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz=settings.BUSINESS_TIMEZONE),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=dt.timedelta(hours=6),
    default_args={
        "owner": "privacy",
        "retries": 2,  # every step is re-runnable: a retry finishes what a failure left
        "retry_delay": dt.timedelta(minutes=5),
    },
    params=PARAMS,
    user_defined_macros={"delta_jars": settings.delta_jars},
    doc_md=__doc__,
    tags=["segmentation", "spark", "delta-lake", "privacy"],
) as dag:
    SparkSubmitOperator(
        task_id=STAGE,
        conn_id=settings.SPARK_CONN_ID,
        application=settings.application(STAGE),
        py_files=settings.PY_FILES,
        jars="{{ delta_jars() }}",
        application_args=[
            "--run-date", "{{ dag_run.run_after | ds }}",
            "--requested-at", "{{ dag_run.run_after.isoformat() }}",
            "--ids-file", "{{ params.ids_file }}",
            "--request-id", "{{ params.request_id }}",
            "--run-id", "erasure-{{ params.request_id }}",
            "--env", settings.SEG_ENV, "--conf-dir", settings.CONF_DIR,
        ],
        name="segmentation-erasure",
        driver_memory=settings.DRIVER_MEMORY,
        execution_timeout=dt.timedelta(hours=4),
        doc_md="**erasure** — tombstones, MERGE-delete from every keyed table, VACUUM RETAIN "
               "0 HOURS, landing and GX files rewritten, the erasure log. `spark-submit ... "
               "jobs/erasure/main.py --ids-file F --request-id R` (see *Rendered Template*).",
    )

"""Loads dags/ the way Airflow's DAG processor does and prints what the tests check, as JSON.

Runs in .venv-airflow (``infra/airflow/local-env python tests/dags/dagbag_probe.py``), never
under pytest: the integrity tests in test_dag_integrity.py read its last output line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HEAVY = ("pyspark", "great_expectations", "jobs", "delta")
INVALID_PARAMS = {
    "run_date_not_a_date": {"run_date": "2026-13-45"},
    "run_date_not_a_string": {"run_date": 20260630},
    "unknown_family": {"families": ["behaviour", "astrology"]},
    "no_family": {"families": []},
    "refresh_start_not_a_date": {"full_refresh_start": "yesterday"},
    "fail_on_drift_not_a_boolean": {"fail_on_drift": "yes"},
}
VALID_PARAMS = {
    "defaults": {},
    "a_date_and_two_families": {"run_date": "2026-06-30", "families": ["rfm", "lifecycle"]},
    "a_range": {"full_refresh_start": "2026-06-01", "full_refresh_end": "2026-06-30",
                "fail_on_drift": True},
}

# The erasure DAG's own cases (its Params are not the daily run's).
ERASURE_INVALID_PARAMS = {
    "no_ids_file": {"request_id": "r-1"},
    "ids_file_relative": {"ids_file": "ids.txt", "request_id": "r-1"},
    "request_id_with_space": {"ids_file": "/secure/r-1.txt", "request_id": "r 1"},
}
ERASURE_VALID_PARAMS = {
    "a_path": {"ids_file": "/secure/r-1.txt", "request_id": "r-1"},
    "a_uri": {"ids_file": "s3a://privacy/requests/r-2.txt", "request_id": "TICKET.2"},
}


def param_errors(dag, conf: dict) -> str | None:
    """What Airflow says when a run is triggered with this conf (None: accepted)."""
    from airflow.sdk.definitions.param import ParamsDict

    params = ParamsDict(dag.params)
    try:
        params.update(conf)
        params.validate()
    except Exception as exc:  # ParamValidationError: the message the form and the API show
        return str(exc)
    return None


def describe(dag) -> dict:
    erasure = dag.dag_id == "segmentation_erasure"
    invalid = ERASURE_INVALID_PARAMS if erasure else INVALID_PARAMS
    valid = ERASURE_VALID_PARAMS if erasure else VALID_PARAMS
    return {
        "fileloc": dag.fileloc,
        "tags": sorted(dag.tags),
        "doc_md": dag.doc_md or "",
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "timetable": repr(dag.timetable),
        "params": sorted(dag.params),
        "tasks": {
            task.task_id: {
                "operator": type(task).__name__,
                "retries": task.retries,
                "doc_md": task.doc_md or "",
                "execution_timeout_s": (task.execution_timeout.total_seconds()
                                        if task.execution_timeout else None),
                "depends_on_past": task.depends_on_past,
                "upstream": sorted(task.upstream_task_ids),
                "conn_id": getattr(task, "_conn_id", None),
                "application": getattr(task, "application", None),
                "outlets": sorted(getattr(o, "name", repr(o)) for o in task.outlets),
            }
            for task in dag.tasks
        },
        "invalid_params": {name: param_errors(dag, conf) for name, conf in invalid.items()},
        "valid_params": {name: param_errors(dag, conf) for name, conf in valid.items()},
    }


def main() -> None:
    dags_folder = Path(sys.argv[1]).resolve()
    before = set(sys.modules)
    from airflow.dag_processing.dagbag import BundleDagBag

    started = time.perf_counter()
    bag = BundleDagBag(dag_folder=dags_folder, bundle_path=dags_folder)
    fill_seconds = time.perf_counter() - started
    imported = set(sys.modules) - before
    print(json.dumps({
        "import_errors": {str(k): v for k, v in bag.import_errors.items()},
        "fill_seconds": fill_seconds,
        "file_seconds": {s.file: s.duration.total_seconds() for s in bag.dagbag_stats},
        "heavy_modules": sorted(m for m in imported if m.split(".")[0] in HEAVY),
        "dags": {dag_id: describe(dag) for dag_id, dag in bag.dags.items()},
    }, default=str))


if __name__ == "__main__":
    main()

"""
### Segmentation: refresh BI when gold is published (an Asset-scheduled example)

Runs whenever `segmentation_daily` has published a new snapshot, that is when all three
gold Assets were updated: `segmentation.gold.user_profile`,
`segmentation.gold.segment_membership`, `segmentation.gold.segment_summary`. It
subscribes by Asset *name*, as a DAG of another team or repository would.

The task only reports which tables changed and from which run; replace it with the
dashboard refresh or the export of your team. It reads the tables with any Delta reader
(delta-rs included): gold carries no table feature such readers cannot read.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import DAG, Asset, task

import segmentation_settings as settings

PUBLISHED = [Asset.ref(name=settings.asset_name(table)) for table in settings.GOLD_TABLES]

with DAG(
    dag_id="segmentation_bi_refresh",
    description="Refresh BI extracts when segmentation_daily publishes gold",
    schedule=PUBLISHED[0] & PUBLISHED[1] & PUBLISHED[2],
    start_date=pendulum.datetime(2026, 1, 1, tz=settings.BUSINESS_TIMEZONE),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "bi", "retries": 2, "retry_delay": dt.timedelta(minutes=2),
                  "execution_timeout": dt.timedelta(minutes=15)},
    doc_md=__doc__,
    tags=["segmentation", "bi", "asset-triggered"],
):

    @task(doc_md="Logs each published gold table (URI) and the run that published it.")
    def refresh_bi_extracts(triggering_asset_events=None) -> list[str]:
        refreshed = []
        for asset, events in (triggering_asset_events or {}).items():
            for event in events:
                source = f"{event.source_dag_id}/{event.source_run_id}"
                print(f"refresh extract of {asset.uri} (published by {source})")
                refreshed.append(asset.uri)
        return refreshed

    refresh_bi_extracts()

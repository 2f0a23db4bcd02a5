"""Anonymisation stage, bronze -> silver, for a date or a date range in one application.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/silver/main.py \
        --run-date 2026-06-30 [--env local]

Loads the pseudonym secret first (a missing one stops the job before any read) and
checks it is the lakehouse's current key (privacy/key_registry, jobs/rotate), then
for each source takes the bronze rows landed on the run's dates, replaces ids by
keyed pseudonyms, drops direct identifiers, and MERGEs into silver: events, orders,
edges and memberships are inserted only if their key is new (so a re-run inserts
nothing), users are replaced by a newer landed version; every landed version's
marketing consent is kept in silver/user_consent (valid from its landing date).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Sequence

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from jobs.common import cli
from jobs.common.config import Config
from jobs.common.delta import merge_insert_new, merge_upsert_newer, read_table, table_exists
from jobs.common.secrets import load_pseudonym_key
from jobs.ingest.schemas import BRONZE_TABLES, SOURCES
from jobs.rotate.registry import require_current_key
from jobs.silver.pseudonym import key_frame
from jobs.silver.schemas import MERGE_KEYS, SILVER_TABLES, SILVER_USER_CONSENT
from jobs.silver.transforms import CLEANERS, consent_history

log = logging.getLogger("jobs.silver")
NEWER_USER = ("s.ingest_date > t.ingest_date OR (s.ingest_date = t.ingest_date AND "
              "coalesce(s.updated_at > t.updated_at, false))")
# A landing date's consent row is replaced only when bronze now says something else for it.
CHANGED_CONSENT = ("NOT (s.consent_marketing <=> t.consent_marketing) "
                   "OR NOT (s.updated_at <=> t.updated_at)")


def landed_between(spark: SparkSession, root: str, source: str, first: dt.date,
                   last: dt.date) -> DataFrame | None:
    spec = BRONZE_TABLES[source]
    if not table_exists(spark, spec, root):
        return None
    return read_table(spark, spec, root).filter(F.col("ingest_date").between(first, last))


def activity_window(cfg: Config, first: dt.date, last: dt.date) -> str:
    """The activity dates a landing range can touch: late records go back max_late_days."""
    earliest = first - dt.timedelta(days=int(cfg.get("ingest.max_late_days")))
    return f"t.activity_date >= DATE'{earliest}' AND t.activity_date <= DATE'{last}'"


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str,
        sources: Sequence[str] = SOURCES) -> dict[str, dict]:
    key = load_pseudonym_key(cfg)
    root = cfg.lakehouse_root
    require_current_key(spark, root, key, run_id)  # a stale key would mix pseudonyms
    keys = key_frame(spark, key)
    results: dict[str, dict] = {}
    for source in sources:
        bronze = landed_between(spark, root, source, first, last)
        if bronze is None:
            log.warning("bronze/%s does not exist yet: nothing to anonymise", source)
            continue
        batch = CLEANERS[source](bronze, keys, cfg.timezone)
        spec, merge_keys = SILVER_TABLES[source], MERGE_KEYS[source]
        if source == "users":
            metrics = merge_upsert_newer(batch, spec, root, merge_keys, NEWER_USER, run_id)
            merge_upsert_newer(consent_history(bronze, keys), SILVER_USER_CONSENT, root,
                               ("user_key", "valid_from"), CHANGED_CONSENT, run_id)
        elif source in ("events", "orders"):
            metrics = merge_insert_new(batch, spec, root, merge_keys,
                                       activity_window(cfg, first, last), run_id)
        else:
            metrics = merge_insert_new(batch, spec, root, merge_keys, None, run_id)
        results[source] = metrics
        log.info("silver/%s: %s inserted, %s updated", source,
                 metrics.get("numTargetRowsInserted", 0), metrics.get("numTargetRowsUpdated", 0))
    return results


def main(argv: Sequence[str] | None = None) -> None:
    args = cli.job_parser("Anonymise bronze into silver.").parse_args(argv)
    cli.run_stage("silver", run, args, check=load_pseudonym_key)  # fails before a session


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

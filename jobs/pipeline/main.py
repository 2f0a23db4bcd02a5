"""The whole pipeline in one Spark application: the T+1 run of a date, or a backfill.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/pipeline/main.py \
        --run-date 2026-06-30                                  # T+1 run for D
    ... jobs/pipeline/main.py --start-date 2026-06-01 --end-date 2026-06-30   # backfill
    ... jobs/pipeline/main.py --run-date 2026-06-30 --stages audit,publish  # a part

Airflow's daily DAG runs it as four tasks, each a consecutive run of stages (--stages,
dags/segmentation_settings.py TASKS): one cold application costs about half a minute
before it does any work, so a stage is not an application of its own there.

Stages, in order: ingest -> quality (bronze suites) -> silver -> rollup -> state ->
profile -> segments (both into staging/) -> audit (silver and staged gold suites, drift)
-> publish (the audited staging versions become gold) -> rules (the rule log) -> evaluate
(history, events, overlap, holdout effect) -> discover (k-means), over the published gold
-> maintain (OPTIMIZE of the date partitions that became final: no tiny files pile up).
In a backfill ingest, silver and rollup process the whole range at once (one pass over
its events); the later stages step through the dates. Every write is scoped to its
dates, so re-running any date or range changes nothing; a failed gate stops the run
with exit code 2 before gold moves.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from collections.abc import Callable, Sequence

from pyspark.sql import SparkSession

from jobs.audit import main as audit
from jobs.common import cli
from jobs.common.config import Config
from jobs.common.secrets import load_pseudonym_key
from jobs.discover import main as discover
from jobs.evaluate import main as evaluate
from jobs.ingest import main as ingest
from jobs.interest import main as interest
from jobs.maintain import main as maintain
from jobs.predict import main as predict
from jobs.profile import main as profile
from jobs.publish import main as publish
from jobs.quality import main as quality
from jobs.rollup import main as rollup
from jobs.rules import main as rules
from jobs.segments import main as segments
from jobs.silver import main as silver
from jobs.social import main as social
from jobs.state import main as state

log = logging.getLogger("jobs.pipeline")
Stage = Callable[[SparkSession, Config, dt.date, dt.date, str], object]
STAGES: dict[str, Stage] = {
    "ingest": ingest.run,
    "quality": quality.run,
    "silver": silver.run,
    "rollup": rollup.run,
    "state": state.run,
    "social": social.run,          # silver/user_social, gold/group_overlap
    "interest": interest.run,      # silver/user_interest, gold/interest_topics, models/lda
    "predict": predict.run,        # silver/user_predicted_value, gold/predicted_value_model
    "profile": profile.run,
    "segments": segments.run,
    "audit": audit.run,
    "publish": publish.run,
    "rules": rules.run,            # gold/rule_log from the published custom membership
    "evaluate": evaluate.run,      # gold/segment_history, _events, _overlap, _effect
    "discover": discover.run,      # gold/discovered_clusters, cluster_membership, models/kmeans
    "maintain": maintain.run,      # compaction of the partitions that became final
}


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str,
        stages: Sequence[str] = tuple(STAGES),
        families: Sequence[str] | None = None) -> dict[str, float]:
    """Run the stages in order (``families``: the segments stage's, default all); returns
    each stage's wall time in seconds."""
    timings: dict[str, float] = {}
    for number, name in enumerate(stages, start=1):
        started = time.perf_counter()
        print(f"[{number}/{len(stages)}] {name} {first}..{last}", flush=True)
        extra = (families,) if name == "segments" and families else ()
        STAGES[name](spark, cfg, first, last, f"{run_id}:{name}", *extra)
        timings[name] = time.perf_counter() - started
        print(f"[{number}/{len(stages)}] {name} done in {timings[name]:.1f} s", flush=True)
    return timings


def parse_stages(text: str) -> tuple[str, ...]:
    names = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = sorted(set(names) - set(STAGES))
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(STAGES)}")
    return tuple(s for s in STAGES if s in names)


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Run the segmentation pipeline for a date or a range.")
    parser.add_argument("--stages", default=",".join(STAGES),
                        help="comma-separated subset, run in pipeline order")
    segments.add_families_option(parser)
    audit.add_drift_option(parser)
    args = parser.parse_args(argv)
    stages = parse_stages(args.stages)
    # A missing secret stops the run before anything is read.
    cli.run_stage("pipeline", run, args, stages, segments.parse_families(args.families),
                  overrides=audit.drift_overrides(args),
                  check=load_pseudonym_key if "silver" in stages else None)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

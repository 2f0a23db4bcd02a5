"""Interest features for a date or a range: silver/user_interest, gold/interest_topics and
the LDA model under <root>/models/lda/<version>.

    spark-submit --jars <delta jars> --py-files dist/jobs.zip jobs/interest/main.py \
        --run-date 2026-06-30 [--env local]

Per snapshot D, from the category rollup as of D (never raw events): explicit, implicit
and excluded categories per user, and the user's two heaviest LDA topics. The model
version is the training date: D rounded down to a multiple of
segments.interest.lda_retrain_days counted from Monday 2000-01-03 (7: the Monday of D's
week). A version already saved is loaded, never retrained, so a re-run or a backfill of
any date uses the very model the T+1 run used; a missing one is trained on the
documents as of its training date (Spark MLlib CountVectorizer + LDA, online optimizer,
seeded) and saved with its topics. Fewer users with views than topics: no model, no
topics for that date.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence

from pyspark import StorageLevel
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.clustering import LDA
from pyspark.ml.feature import CountVectorizer
from pyspark.sql import DataFrame, SparkSession

from jobs.common import cli
from jobs.common.chain import chained_state, late_days
from jobs.common.config import Config
from jobs.common.delta import read_table, replace_where, table_exists
from jobs.common.errors import InputError
from jobs.common.fs import path_exists
from jobs.interest.schemas import INTEREST_TOPICS, USER_CATEGORY_STATE, USER_INTEREST
from jobs.interest.transforms import (
    category_interests,
    category_totals,
    lda_documents,
    topic_labels,
    user_interest,
    with_topics,
)
from jobs.interest.window_state import cold_categories, moved_categories, rows_as_of
from jobs.rollup.categories import category_rows_as_of
from jobs.rollup.schemas import USER_CATEGORY_DAILY, USER_CATEGORY_DAILY_INCREMENTS

KEY = "segments.interest"
EPOCH_MONDAY = dt.date(2000, 1, 3)
TOP_TERMS = 5


def model_version(day: dt.date, retrain_days: int) -> dt.date:
    """The training date of the model that D uses."""
    return day - dt.timedelta(days=(day - EPOCH_MONDAY).days % retrain_days)


def model_path(root: str, version: str) -> str:
    return f"{root.rstrip('/')}/models/lda/{version}"


def category_rows(spark: SparkSession, cfg: Config, day: dt.date) -> DataFrame | None:
    root = cfg.lakehouse_root
    if not all(table_exists(spark, s, root)
               for s in (USER_CATEGORY_DAILY, USER_CATEGORY_DAILY_INCREMENTS)):
        return None
    days = max(int(cfg.get(f"{KEY}.window_days")), int(cfg.get(f"{KEY}.explicit_window_days")))
    return category_rows_as_of(read_table(spark, USER_CATEGORY_DAILY, root),
                               read_table(spark, USER_CATEGORY_DAILY_INCREMENTS, root), day,
                               days, int(cfg.get("ingest.max_late_days")))


def documents(spark: SparkSession, cfg: Config, day: dt.date) -> DataFrame | None:
    rows = category_rows(spark, cfg, day)
    return None if rows is None else lda_documents(rows, day, int(cfg.get(f"{KEY}.window_days")))


def topic_rows(model: PipelineModel, labels: list[str], version: str, documents: int,
               path: str) -> list[tuple]:
    vocabulary = model.stages[0].vocabulary
    described = model.stages[1].describeTopics(TOP_TERMS).orderBy("topic").collect()  # k rows
    return [(version, int(r["topic"]), labels[r["topic"]],
             [vocabulary[i] for i in r["termIndices"]], [float(w) for w in r["termWeights"]],
             documents, len(vocabulary), path) for r in described]


def labels_of(model: PipelineModel) -> list[str]:
    """Topic labels from the model itself (a vocabulary x k matrix, small)."""
    return topic_labels(model.stages[1].topicsMatrix().toArray(), model.stages[0].vocabulary)


def lda_model(spark: SparkSession, cfg: Config, day: dt.date,
              run_id: str) -> tuple[PipelineModel, str] | None:
    """The model version D uses: loaded when saved, else trained, saved and described."""
    root = cfg.lakehouse_root
    trained_on = model_version(day, int(cfg.get(f"{KEY}.lda_retrain_days")))
    version = trained_on.isoformat()
    path = model_path(root, version)
    if path_exists(spark, f"{path}/metadata"):
        return PipelineModel.load(path), version
    docs = documents(spark, cfg, trained_on)
    k = int(cfg.get(f"{KEY}.lda_topics"))
    if docs is None:
        return None
    docs = docs.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        count = docs.count()
        if count < k:
            print(f"interest {day}: {count} users with views, fewer than {k} topics: no model",
                  flush=True)
            return None
        pipeline = Pipeline(stages=[
            CountVectorizer(inputCol="terms", outputCol="features"),
            LDA(k=k, maxIter=int(cfg.get(f"{KEY}.lda_max_iter")),
                seed=int(cfg.get(f"{KEY}.lda_seed")), optimizer="online",
                topicDistributionCol="topicDistribution"),
        ])
        model = pipeline.fit(docs)
    finally:
        docs.unpersist()
    rows = topic_rows(model, labels_of(model), version, count, path)
    replace_where(spark.createDataFrame(rows, INTEREST_TOPICS.schema), INTEREST_TOPICS, root,
                  f"model_version = '{version}'", run_id)
    model.write().overwrite().save(path)
    print(f"interest {day}: LDA model {version} trained on {count:,} users, topics "
          + ", ".join(r[2] for r in rows), flush=True)
    return model, version


def rows_of(spark: SparkSession, cfg: Config, day: dt.date, run_id: str, *,
            full_refresh: bool = False) -> DataFrame | None:
    """Category rows equivalent to both windows of D: from the moving
    silver/user_category_state, or with ``full_refresh`` every day of the windows (the
    reference). None when there is no category rollup yet."""
    root, late = cfg.lakehouse_root, late_days(cfg)
    if not all(table_exists(spark, s, root)
               for s in (USER_CATEGORY_DAILY, USER_CATEGORY_DAILY_INCREMENTS)):
        return None
    window, explicit = (int(cfg.get(f"{KEY}.{k}")) for k in ("window_days",
                                                               "explicit_window_days"))
    if not late < min(window, explicit):
        raise InputError(f"ingest.max_late_days ({late}) must be shorter than {KEY}.window_days "
                         f"({window}) and explicit_window_days ({explicit})")
    daily = read_table(spark, USER_CATEGORY_DAILY, root)
    state = chained_state(
        spark, cfg, USER_CATEGORY_STATE, day, run_id, full_refresh=full_refresh,
        moved=lambda previous: moved_categories(previous, daily, day, window, explicit, late),
        cold=lambda: cold_categories(daily, day, window, explicit, late))
    if full_refresh:
        return category_rows(spark, cfg, day)
    return rows_as_of(state, read_table(spark, USER_CATEGORY_DAILY_INCREMENTS, root), day,
                      window, explicit, late)


def interest_rows(spark: SparkSession, cfg: Config, day: dt.date, run_id: str, *,
                  full_refresh: bool = False) -> DataFrame:
    rows = rows_of(spark, cfg, day, run_id, full_refresh=full_refresh)
    if rows is None:
        return spark.createDataFrame([], USER_INTEREST.schema)
    window = int(cfg.get(f"{KEY}.window_days"))
    totals = category_totals(rows, day, window, int(cfg.get(f"{KEY}.explicit_window_days")))
    interests = totals.transform(category_interests(cfg))
    fitted = lda_model(spark, cfg, day, run_id)
    if fitted is None:
        topics = spark.createDataFrame([], USER_INTEREST.schema).select(
            "user_key", "primary_interest", "secondary_interest", "primary_interest_weight",
            "lda_model_version")
    else:
        model, version = fitted
        topics = model.transform(lda_documents(rows, day, window)).transform(
            with_topics(labels_of(model), version))
    return user_interest(interests, topics, day)


def run(spark: SparkSession, cfg: Config, first: dt.date, last: dt.date, run_id: str,
        full_refresh: bool = False) -> None:
    day = first
    while day <= last:
        replace_where(interest_rows(spark, cfg, day, run_id, full_refresh=full_refresh),
                      USER_INTEREST, cfg.lakehouse_root, f"snapshot_date = DATE'{day}'", run_id)
        day += dt.timedelta(days=1)


def main(argv: Sequence[str] | None = None) -> None:
    parser = cli.job_parser("Compute interest categories and LDA topics per user.",
                            full_refresh="scan every day of the interest windows")
    args = parser.parse_args(argv)
    cli.run_stage("interest", run, args, args.full_refresh)


if __name__ == "__main__":
    sys.exit(cli.run_job(main))

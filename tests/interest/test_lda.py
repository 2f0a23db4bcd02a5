"""The interest stage end to end on a tiny lakehouse: an LDA model trained, versioned,
saved beside the tables, described in gold/interest_topics and reused on a re-run."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from jobs.common.delta import read_table, replace_where
from jobs.interest import main as interest
from jobs.interest.schemas import INTEREST_TOPICS, USER_INTEREST
from jobs.rollup.schemas import USER_CATEGORY_DAILY, USER_CATEGORY_DAILY_INCREMENTS

pytestmark = pytest.mark.stage

D = dt.date(2026, 7, 1)          # a Wednesday: the weekly model is Monday's, 2026-06-29
MONDAY = dt.date(2026, 6, 29)


def test_topics_are_trained_once_per_version_and_tag_each_user(spark, cfg, root):
    cfg = cfg.with_overrides({"lakehouse.root": root, "segments.interest.lda_topics": 2,
                              "segments.interest.lda_max_iter": 10})
    cells = []
    for i in range(20):   # sports fans and tech fans, active before and after the Monday
        fan, other = ("sports", "tech") if i % 2 else ("tech", "sports")
        for day in (MONDAY - dt.timedelta(days=1), D):
            cells += [(day, f"u{i:02d}", "video", fan, 9, 900, 0, 0, 0),
                      (day, f"u{i:02d}", "article", fan, 6, 600, 0, 0, 0),
                      (day, f"u{i:02d}", "video", other, 1, 10, 1, 0, 0)]
    frame = spark.createDataFrame(cells, USER_CATEGORY_DAILY.schema)
    replace_where(frame, USER_CATEGORY_DAILY, root, "true", "test")
    increments = frame.select(F.col("activity_date").alias("ingest_date"), "*")
    replace_where(increments, USER_CATEGORY_DAILY_INCREMENTS, root, "true", "test")

    interest.run(spark, cfg, D, D, "first")
    assert (Path(root) / "models" / "lda" / "2026-06-29" / "metadata").is_dir()
    topics = read_table(spark, INTEREST_TOPICS, root)
    assert sorted(r["label"] for r in topics.collect()) == ["sports", "tech"]
    users = read_table(spark, USER_INTEREST, root).filter(F.col("snapshot_date") == D)
    tags = users.select("user_key", "primary_interest", "secondary_interest",
                        "lda_model_version")
    want = spark.createDataFrame(
        [(f"u{i:02d}", *(("sports", "tech") if i % 2 else ("tech", "sports")), "2026-06-29")
         for i in range(20)],
        "user_key string, primary_interest string, secondary_interest string, "
        "lda_model_version string")
    assert_df_equality(tags, want, ignore_row_order=True, ignore_nullable=True,
                       ignore_metadata=True)

    interest.run(spark, cfg, D, D, "again")       # loads the saved version: same rows
    again = read_table(spark, USER_INTEREST, root).filter(F.col("snapshot_date") == D)
    assert_df_equality(again, users.localCheckpoint(), ignore_row_order=True)
    assert read_table(spark, INTEREST_TOPICS, root).count() == 2

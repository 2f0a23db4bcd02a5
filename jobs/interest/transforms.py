"""Family 5 inputs in Spark: explicit, implicit and excluded categories, and LDA documents.

Over the category rollup rows of a snapshot (``jobs.rollup.categories``), per user and
category, with W = conf ``segments.interest.window_days`` (D-(W-1)..D) and E =
``explicit_window_days``:

- **explicit interest**: at least one subscribe or favorite event in the category in E;
- **implicit interest**: dwell(c) >= implicit_dwell_multiple (2) x the user's mean dwell
  per category, the mean taken over the categories the user viewed in W, i.e.
  dwell(c) x viewed_categories >= 2 x total dwell (integers and an exact decimal, no
  division; a user with no dwell has none). The article's "停留时长 ≥ 均值 2 倍" reads as
  the time spent on a kind of content against the user's average per kind;
- **excluded**: views(c) > 0 and fast_exits(c) >= excluded_fast_exit_share (0.8) x views(c);
- **LDA documents**: one per user, the terms ``<content type>:<category>`` of the views in
  W, each repeated as many times as it was viewed (CountVectorizer counts them).

Category lists are sorted arrays; a category can be both explicit and excluded (a
subscription the user keeps skipping): both are reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from pyspark.ml.functions import vector_to_array
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.segments.columns import exact

KEY = "segments.interest"


def category_totals(rows: DataFrame, snapshot: dt.date, window_days: int,
                    explicit_days: int) -> DataFrame:
    """(user_key, content_category, views, dwell_s, fast_exits, explicit) over the windows."""
    ago = F.datediff(F.lit(snapshot), F.col("activity_date"))
    in_window, in_explicit = ago < window_days, ago < explicit_days

    def total(value: Column, condition: Column) -> Column:
        return F.coalesce(F.sum(F.when(condition, value)), F.lit(0)).cast("long")

    return rows.groupBy("user_key", "content_category").agg(
        total(F.col("views"), in_window).alias("views"),
        total(F.col("dwell_s"), in_window).alias("dwell_s"),
        total(F.col("fast_exits"), in_window).alias("fast_exits"),
        total(F.col("subscribes") + F.col("favorites"), in_explicit).alias("explicit"),
    )


def is_implicit(dwell: Column, viewed_categories: Column, total_dwell: Column,
                multiple: float) -> Column:
    return (total_dwell > 0) & (dwell * viewed_categories >= F.lit(exact(multiple)) * total_dwell)


def is_excluded(views: Column, fast_exits: Column, share: float) -> Column:
    return (views > 0) & (fast_exits >= F.lit(exact(share)) * views)


def category_interests(cfg: Config):
    """(user_key, explicit_interests, implicit_interests, excluded_categories) per user."""
    multiple = float(cfg.get(f"{KEY}.implicit_dwell_multiple"))
    share = float(cfg.get(f"{KEY}.excluded_fast_exit_share"))

    def transform(totals: DataFrame) -> DataFrame:
        user = Window.partitionBy("user_key")
        viewed = F.sum((F.col("views") > 0).cast("long")).over(user)
        with_user = totals.select("*", viewed.alias("_viewed"),
                                  F.sum("dwell_s").over(user).alias("_total_dwell"))
        category = F.col("content_category")
        implicit = is_implicit(F.col("dwell_s"), F.col("_viewed"), F.col("_total_dwell"),
                               multiple)
        excluded = is_excluded(F.col("views"), F.col("fast_exits"), share)

        def listed(condition: Column) -> Column:
            return F.array_sort(F.collect_list(F.when(condition, category)))

        return with_user.groupBy("user_key").agg(
            listed(F.col("explicit") > 0).alias("explicit_interests"),
            listed(implicit).alias("implicit_interests"),
            listed(excluded).alias("excluded_categories"),
        )

    return transform


def lda_documents(rows: DataFrame, snapshot: dt.date, window_days: int) -> DataFrame:
    """(user_key, terms): each viewed ``<content type>:<category>`` repeated per view."""
    ago = F.datediff(F.lit(snapshot), F.col("activity_date"))
    term = F.concat_ws(":", F.col("content_type"), F.col("content_category"))
    counts = (rows.filter((ago < window_days) & (F.col("views") > 0))
              .groupBy("user_key", term.alias("term")).agg(F.sum("views").alias("n")))
    return counts.groupBy("user_key").agg(
        F.flatten(F.collect_list(F.array_repeat(F.col("term"), F.col("n").cast("int"))))
        .alias("terms"))


def topic_labels(topics_matrix: np.ndarray, vocabulary: Sequence[str]) -> list[str]:
    """A readable, unique label per topic (columns of the vocabulary x k matrix).

    The label is the category with the largest weight in the topic (weights of its
    content types summed); topics sharing it are told apart by their second category,
    and any still equal by ``_<topic number>``."""
    categories = sorted({term.split(":", 1)[-1] for term in vocabulary})
    by_category = np.zeros((len(categories), topics_matrix.shape[1]))
    for row, term in enumerate(vocabulary):
        by_category[categories.index(term.split(":", 1)[-1])] += topics_matrix[row]
    order = np.argsort(-by_category, axis=0, kind="stable")
    top = [categories[order[0, k]] for k in range(topics_matrix.shape[1])]
    labels = [f"{label}_{categories[order[1, k]]}" if top.count(label) > 1
              and len(categories) > 1 else label for k, label in enumerate(top)]
    return [f"{label}_{k}" if labels.count(label) > 1 else label
            for k, label in enumerate(labels)]


def with_topics(labels: Sequence[str], version: str):
    """From an LDA ``topicDistribution``: primary / secondary interest labels (ties go to
    the lower topic number), the primary topic's weight and the model version."""
    names = F.array(*[F.lit(label) for label in labels])

    def transform(scored: DataFrame) -> DataFrame:
        distribution = F.col("topicDistribution")
        weights = F.when(distribution.isNotNull(), vector_to_array(distribution))
        ranked = F.array_sort(F.transform(
            weights, lambda w, i: F.struct((-w).alias("neg_weight"), i.alias("topic"))))
        return scored.select(
            "user_key",
            F.when(ranked.isNotNull(), F.element_at(names, ranked[0]["topic"] + 1))
            .alias("primary_interest"),
            F.when(ranked.isNotNull(), F.element_at(names, ranked[1]["topic"] + 1))
            .alias("secondary_interest"),
            (-ranked[0]["neg_weight"]).alias("primary_interest_weight"),
            F.lit(version).alias("lda_model_version"),
        )

    return transform


def user_interest(interests: DataFrame, topics: DataFrame, snapshot: dt.date) -> DataFrame:
    """The silver/user_interest rows of D: every user with category rows or a topic."""
    empty = F.array().cast("array<string>")
    return interests.join(topics, on="user_key", how="full").select(
        F.lit(snapshot).alias("snapshot_date"), "user_key",
        *[F.coalesce(F.col(c), empty).alias(c)
          for c in ("explicit_interests", "implicit_interests", "excluded_categories")],
        "primary_interest", "secondary_interest", "primary_interest_weight",
        "lda_model_version")

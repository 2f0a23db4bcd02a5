"""Social graph: mutual friends, common friends at 10 vs 11, tight circles, the degree cap,
group overlap at Jaccard 0.3, on hand-built graphs."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.silver.schemas import SILVER_GROUP_MEMBERS, SILVER_RELATIONS
from jobs.social.graph import connected_components
from jobs.social.transforms import (
    circle_pairs,
    common_friends,
    degrees,
    edges_as_of,
    group_overlap,
    memberships_as_of,
    mutual_edges,
)

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)
LATER = D + dt.timedelta(days=1)
PAIRS = T.StructType([T.StructField("user_a", T.StringType()),
                      T.StructField("user_b", T.StringType())])


def relations(spark, directed, created=D, ingest=D):
    return spark.createDataFrame([(u, v, created, ingest) for u, v in directed],
                                 SILVER_RELATIONS.schema)


def both(u, v):
    return [(u, v), (v, u)]


def test_mutual_friends_need_both_directions_by_d(spark):
    directed = [e for f in ("f1", "f2", "f3", "f4", "f5") for e in both("hub5", f)]
    directed += [e for g in ("g1", "g2", "g3", "g4") for e in both("hub4", g)]
    directed += [("hub4", "g5"), ("hub4", "hub4")]           # one-way; a self-loop
    edges = relations(spark, directed).unionByName(
        relations(spark, [("g5", "hub4")], created=LATER)).unionByName(   # made after D
        relations(spark, [("g5", "hub4")], ingest=LATER))                  # landed after D
    edges = edges_as_of(edges, D)
    got = degrees(edges, mutual_edges(edges), max_degree=4).filter(
        F.col("user_key").isin("hub5", "hub4", "g5", "f1"))
    want = spark.createDataFrame(
        [("hub5", 5, 5, 5, True), ("hub4", 4, 5, 4, False), ("g5", 1, 0, 0, False),
         ("f1", 1, 1, 1, False)],
        "user_key string, followers long, following long, mutual_friends long, "
        "degree_capped boolean")
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True)


def star_pair(u, v, commons):
    """u and v are friends, and each of ``commons`` is a friend of both."""
    return both(u, v) + [e for c in commons for e in both(u, c) + both(v, c)]


def test_tight_circle_pairs_need_strictly_more_than_ten_common_friends(spark):
    directed = star_pair("a", "b", [f"c{i:02d}" for i in range(11)])    # 11 common friends
    directed += star_pair("m", "n", [f"o{i:02d}" for i in range(10)])   # 10 common friends
    mutual = mutual_edges(edges_as_of(relations(spark, directed), D))
    common = common_friends(mutual, max_degree=100)
    counts = common.filter(F.col("user_a").isin("a", "m"))
    want_counts = spark.createDataFrame(
        [("a", "b", 11)] + [("a", f"c{i:02d}", 1) for i in range(11)]
        + [("m", "n", 10)] + [("m", f"o{i:02d}", 1) for i in range(10)],
        "user_a string, user_b string, common long")
    assert_df_equality(counts, want_counts, ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(circle_pairs(common, 10), spark.createDataFrame([("a", "b")], PAIRS),
                       ignore_nullable=True)


def test_the_degree_cap_drops_common_friends_only_through_users_above_it(spark):
    """h has six friends; capped at 3 it is a common friend of (u1, u2) (both among its
    three smallest keys) but no longer of (u5, u6)."""
    directed = [e for u in ("u1", "u2", "u3", "u4", "u5", "u6") for e in both("h", u)]
    directed += both("u1", "u2") + both("u5", "u6")
    mutual = mutual_edges(edges_as_of(relations(spark, directed), D))
    uncapped = common_friends(mutual, max_degree=6).filter(F.col("user_a") != "h")
    capped = common_friends(mutual, max_degree=3).filter(F.col("user_a") != "h")
    schema = "user_a string, user_b string, common long"
    assert_df_equality(uncapped, spark.createDataFrame([("u1", "u2", 1), ("u5", "u6", 1)],
                                                       schema),
                       ignore_row_order=True, ignore_nullable=True)
    assert_df_equality(capped, spark.createDataFrame([("u1", "u2", 1)], schema),
                       ignore_nullable=True)


def test_components_follow_chains_until_no_label_changes(spark):
    """A chain listed from its far end needs several rounds; one round is not enough."""
    chain = [("p5", "p6"), ("p4", "p5"), ("p3", "p4"), ("p2", "p3"), ("p1", "p2"),
             ("q1", "q2")]
    pairs = spark.createDataFrame(chain, PAIRS)
    labels, rounds, converged = connected_components(pairs, max_iterations=10)
    want = spark.createDataFrame([(f"p{i}", "p1") for i in range(1, 7)]
                                 + [("q1", "q1"), ("q2", "q1")],
                                 "node string, component string")
    assert_df_equality(labels, want, ignore_row_order=True, ignore_nullable=True)
    assert converged and 2 <= rounds <= 6
    _, rounds, converged = connected_components(pairs, max_iterations=1)
    assert (rounds, converged) == (1, False)


def test_group_pairs_at_jaccard_exactly_point_three(spark):
    """A, B share 3 of 10 members (0.3: a pair); C, D share 3 of 11 (0.27: not)."""
    shared = ["s1", "s2", "s3"]
    groups = {"A": shared + ["a1", "a2", "a3", "a4"], "B": shared + ["b1", "b2", "b3"],
              "C": ["t1", "t2", "t3", "c1", "c2", "c3", "c4"],
              "D": ["t1", "t2", "t3", "e1", "e2", "e3", "e4"]}
    rows = [(g, u, D, D) for g, users in groups.items() for u in users]
    rows.append(("A", "late", D, LATER))                     # landed after D: not a member
    members = memberships_as_of(spark.createDataFrame(rows, SILVER_GROUP_MEMBERS.schema), D)
    got = group_overlap(members, 0.3, D)
    want = spark.createDataFrame([(D, "A", "B", 7, 6, 3, 0.3)],
                                 "snapshot_date date, group_a string, group_b string, "
                                 "members_a long, members_b long, shared_members long, "
                                 "jaccard double")
    assert_df_equality(got, want, ignore_nullable=True)

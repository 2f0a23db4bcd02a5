"""Social graph features in Spark joins: mutual friends, common friends, group overlap.

Nothing here builds the graph in driver memory. The costly step is counting common
friends: every user w with mutual friends u and v is a common friend of (u, v), so w
contributes deg(w)^2 candidate pairs. To bound a celebrity, each w contributes through
at most ``max_degree`` of its mutual friends, the ones with the smallest user_key (a
keyed hash, so effectively a random sample): a hub's work is max_degree^2 instead of
deg^2. What the cap changes, exactly: for a pair (u, v), a common friend w whose mutual
degree exceeds max_degree is counted only when both u and v are among w's first
max_degree friends, so a count can only be lower than the exact one, and only through
users above the cap (they are flagged ``degree_capped``). Degrees and mutual-friend
counts themselves are never capped.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from jobs.segments.columns import exact


def edges_as_of(relations: DataFrame, snapshot: dt.date) -> DataFrame:
    """(user_key, friend_key) edges created and landed by D, without self-loops."""
    return (relations.filter((F.col("created_date") <= snapshot)
                             & (F.col("ingest_date") <= snapshot)
                             & (F.col("user_key") != F.col("friend_key")))
            .select("user_key", "friend_key").distinct())


def mutual_edges(edges: DataFrame) -> DataFrame:
    """(user_key, friend_key) for every edge followed back: both directions of a pair.

    A join on both columns, so a hub's edges spread over the pair hash, not one task."""
    back = edges.select(F.col("friend_key").alias("user_key"),
                        F.col("user_key").alias("friend_key"))
    return edges.join(back, on=["user_key", "friend_key"], how="inner")


def degrees(edges: DataFrame, mutual: DataFrame, max_degree: int) -> DataFrame:
    """(user_key, followers, following, mutual_friends, degree_capped) of every user with
    an edge."""
    following = edges.groupBy("user_key").agg(F.count(F.lit(1)).alias("following"))
    followers = edges.groupBy(F.col("friend_key").alias("user_key")).agg(
        F.count(F.lit(1)).alias("followers"))
    friends = mutual.groupBy("user_key").agg(F.count(F.lit(1)).alias("mutual_friends"))
    users = following.join(followers, on="user_key", how="full")
    counts = users.join(friends, on="user_key", how="left").fillna(
        0, subset=["followers", "following", "mutual_friends"])
    return counts.select("user_key", "followers", "following", "mutual_friends",
                         (F.col("mutual_friends") > max_degree).alias("degree_capped"))


def capped_friends(mutual: DataFrame, max_degree: int) -> DataFrame:
    """(via, friend): each user's mutual friends, at most max_degree of them (smallest keys)."""
    first = Window.partitionBy("user_key").orderBy("friend_key")
    return (mutual.withColumn("_rank", F.row_number().over(first))
            .filter(F.col("_rank") <= max_degree)
            .select(F.col("user_key").alias("via"), F.col("friend_key").alias("friend")))


def common_friends(mutual: DataFrame, max_degree: int) -> DataFrame:
    """(user_a, user_b, common) for friend pairs (user_a < user_b) with a common friend."""
    capped = capped_friends(mutual, max_degree)
    left = capped.select("via", F.col("friend").alias("user_a"))
    right = capped.select("via", F.col("friend").alias("user_b"))
    wedges = (left.join(right, on="via", how="inner")
              .filter(F.col("user_a") < F.col("user_b"))
              .groupBy("user_a", "user_b").agg(F.count(F.lit(1)).alias("common")))
    pairs = mutual.filter(F.col("user_key") < F.col("friend_key")).select(
        F.col("user_key").alias("user_a"), F.col("friend_key").alias("user_b"))
    return pairs.join(wedges, on=["user_a", "user_b"], how="inner")


def circle_pairs(common: DataFrame, min_common: int) -> DataFrame:
    """(user_a, user_b) friend pairs sharing strictly more than ``min_common`` friends."""
    return common.filter(F.col("common") > min_common).select("user_a", "user_b")


def circle_friend_counts(pairs: DataFrame) -> DataFrame:
    """(user_key, circle_friends): how many circle pairs each user is in."""
    ends = pairs.select(F.col("user_a").alias("user_key")).unionByName(
        pairs.select(F.col("user_b").alias("user_key")))
    return ends.groupBy("user_key").agg(F.count(F.lit(1)).alias("circle_friends"))


def memberships_as_of(group_members: DataFrame, snapshot: dt.date) -> DataFrame:
    """(group_id, user_key) memberships joined and landed by D."""
    return (group_members.filter((F.col("joined_date") <= snapshot)
                                 & (F.col("ingest_date") <= snapshot))
            .select("group_id", "user_key").distinct())


def group_overlap(members: DataFrame, min_jaccard: float, snapshot: dt.date) -> DataFrame:
    """Group pairs (group_a < group_b) whose Jaccard overlap is at least ``min_jaccard``.

    Candidate pairs come from a self-join on the member (only groups sharing someone
    meet); the threshold is compared exactly: shared >= min_jaccard x union."""
    sizes = members.groupBy("group_id").agg(F.count(F.lit(1)).alias("members"))
    left = members.select(F.col("group_id").alias("group_a"), "user_key")
    right = members.select(F.col("group_id").alias("group_b"), "user_key")
    shared = (left.join(right, on="user_key", how="inner")
              .filter(F.col("group_a") < F.col("group_b"))
              .groupBy("group_a", "group_b").agg(F.count(F.lit(1)).alias("shared_members")))
    size_a = sizes.select(F.col("group_id").alias("group_a"), F.col("members").alias("members_a"))
    size_b = sizes.select(F.col("group_id").alias("group_b"), F.col("members").alias("members_b"))
    union = F.col("members_a") + F.col("members_b") - F.col("shared_members")
    return (
        shared.join(size_a, on="group_a", how="inner").join(size_b, on="group_b", how="inner")
        .filter(F.col("shared_members") >= F.lit(exact(min_jaccard)) * union)
        .select(F.lit(snapshot).alias("snapshot_date"), "group_a", "group_b", "members_a",
                "members_b", "shared_members",
                (F.col("shared_members") / union).cast("double").alias("jaccard"))
    )


def user_social(degree_rows: DataFrame, circle_friends: DataFrame, components: DataFrame,
                snapshot: dt.date) -> DataFrame:
    """The silver/user_social rows of D: degrees, circle friends, tight circle and its size."""
    sizes = components.groupBy("component").agg(F.count(F.lit(1)).alias("tight_circle_size"))
    circles = (components.join(sizes, on="component", how="inner")
               .select(F.col("node").alias("user_key"),
                       F.col("component").alias("tight_circle_id"), "tight_circle_size"))
    return (
        degree_rows.join(circle_friends, on="user_key", how="left")
        .join(circles, on="user_key", how="left")
        .select(F.lit(snapshot).alias("snapshot_date"), "user_key", "followers", "following",
                "mutual_friends", "degree_capped",
                F.coalesce(F.col("circle_friends"), F.lit(0)).cast("long").alias(
                    "circle_friends"),
                "tight_circle_id", "tight_circle_size")
    )

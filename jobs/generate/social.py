"""The social graph: directed follow/friend edges and group memberships.

Edges: a Pareto out-degree per user, pointing at nearby ids (acquaintances), anyone, or
a hub (every hub_stride-th id, followed by very many); most non-hub edges are followed
back. Circle members (blocks of circle_size ids) are all mutual friends. Groups: a
skewed choice of base groups, every TWIN_GROUP_EVERY-th with a heavily overlapping twin,
plus one group per circle.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.generate import catalog as C
from jobs.generate.clock import business_date, iso_utc, local_epoch
from jobs.generate.clock import utc_epoch as to_utc_epoch
from jobs.generate.draws import key_hash, padded, pick, uniform
from jobs.generate.settings import Settings
from jobs.generate.users import user_id

DAY_START_SECOND = 7 * 3600   # social actions happen between 07:00 and midnight, local


def _u(s: Settings, salt: str, key: str) -> Column:
    return uniform(s.seed, salt, F.col(key))


def random_edges(users: DataFrame, s: Settings) -> DataFrame:
    """(src, dst, edge_key): power-law out-degree; local, global and hub targets; mutuals."""
    degree = F.least(
        F.lit(C.OUT_DEGREE_CAP),
        F.floor(F.lit(C.OUT_DEGREE_MIN)
                * F.pow(1 - uniform(s.seed, "degree", F.col("id")), -1 / C.OUT_DEGREE_ALPHA)),
    ).cast("int")
    kind = _u(s, "edge_kind", "edge_key")
    step = 1 + F.floor(_u(s, "local_step", "edge_key") * C.LOCAL_SPAN)
    sign = F.when(_u(s, "local_sign", "edge_key") < 0.5, F.lit(-1)).otherwise(F.lit(1))
    local = F.pmod(F.col("id") + sign * step, F.lit(s.users))
    anyone = F.floor(_u(s, "anyone", "edge_key") * s.users)
    hub = F.floor(_u(s, "hub", "edge_key") * s.hub_count) * s.hub_stride
    to_hub = kind < C.HUB_EDGE_SHARE
    target = (F.when(to_hub, hub)
              .when(kind < C.HUB_EDGE_SHARE + C.LOCAL_EDGE_SHARE, local)
              .otherwise(anyone)).cast("long")
    followed_back = ~to_hub & (_u(s, "mutual", "edge_key") < C.MUTUAL_SHARE)
    forward = F.struct(F.col("id").alias("src"), F.col("dst"), F.col("edge_key"))
    backward = F.struct(F.col("dst").alias("src"), F.col("id").alias("dst"),
                        key_hash(s.seed, "follow_back", F.col("edge_key")).alias("edge_key"))
    pairs = F.when(followed_back, F.array(forward, backward)).otherwise(F.array(forward))
    return (
        users.select("id")
        .withColumn("k", F.explode(F.sequence(F.lit(1), degree)))
        .withColumn("edge_key", key_hash(s.seed, "edge", F.col("id"), F.col("k")))
        .withColumn("dst", target)
        .select(F.explode(pairs).alias("edge"))
        .select("edge.src", "edge.dst", "edge.edge_key")
    )


def circle_edges(users: DataFrame, s: Settings) -> DataFrame:
    """Every ordered pair inside each circle block: cliques of mutual friends."""
    return (
        users.filter(F.col("circle_block").isNotNull())
        .withColumn("j", F.explode(F.sequence(F.lit(0), F.lit(s.circle_size - 1))))
        .filter(F.col("j") != F.col("circle_pos"))
        .select(F.col("id").alias("src"),
                (F.col("circle_block") * s.circle_size + F.col("j")).alias("dst"),
                key_hash(s.seed, "circle_edge", F.col("id"), F.col("j")).alias("edge_key"))
    )


def with_creation_time(df: DataFrame, s: Settings, key: str, offsets: list[str],
                       epochs: list[str]) -> DataFrame:
    """A time between the latest signup of the parties and the end of D (07:00-24:00 local),
    never before any party's registration."""
    latest_offset = _least_or_only([F.col(c) for c in offsets])
    offset = F.floor(_u(s, "created_day", key) * (latest_offset + 1)).cast("int")
    day = F.date_sub(F.lit(s.snapshot), offset)
    second = DAY_START_SECOND + F.floor(_u(s, "created_second", key)
                                        * (86400 - DAY_START_SECOND))
    planned = to_utc_epoch(local_epoch(day, second), s.timezone)
    return df.withColumn("ts_epoch", F.greatest(planned, *[F.col(c) for c in epochs]))


def _least_or_only(columns: list[Column]) -> Column:
    return columns[0] if len(columns) == 1 else F.least(*columns)


def build_relations(users: DataFrame, s: Settings) -> DataFrame:
    """Landing fields of every directed edge (deduplicated), UTC epoch, landing date, key."""
    signups = users.select("id", "reg_offset", "reg_epoch")
    edges = (
        random_edges(users, s).unionByName(circle_edges(users, s))
        .filter(F.col("src") != F.col("dst"))
        .groupBy("src", "dst").agg(F.min("edge_key").alias("edge_key"))
    )
    src = signups.select(F.col("id").alias("src"), F.col("reg_offset").alias("src_offset"),
                         F.col("reg_epoch").alias("src_epoch"))
    dst = signups.select(F.col("id").alias("dst"), F.col("reg_offset").alias("dst_offset"),
                         F.col("reg_epoch").alias("dst_epoch"))
    return (
        edges.join(src, on="src", how="inner").join(dst, on="dst", how="inner")
        .transform(with_creation_time, s, "edge_key", ["src_offset", "dst_offset"],
                   ["src_epoch", "dst_epoch"])
        .select(
            user_id(F.col("src")).alias("user_id"), user_id(F.col("dst")).alias("friend_id"),
            iso_utc(F.col("ts_epoch")).alias("created_at"), "ts_epoch",
            business_date(F.col("ts_epoch"), s.timezone).alias("ingest_date"),
            F.col("edge_key").alias("rec_key"),
        )
    )


def base_memberships(users: DataFrame, s: Settings) -> DataFrame:
    """(id, group_id, member_key): a skewed pick of base groups, twins mostly shared."""
    base_groups = max(2, s.users // C.USERS_PER_GROUP)
    count = pick(uniform(s.seed, "group_count", F.col("id")), C.GROUP_COUNT_MIX)
    base = F.floor(F.pow(_u(s, "group", "member_key"), 2) * base_groups).cast("long")
    has_twin = (F.pmod(base, F.lit(C.TWIN_GROUP_EVERY)) == 0) \
        & (_u(s, "twin", "member_key") < C.TWIN_SHARE)
    own = F.struct((base * 2).alias("group_no"), F.col("member_key"))
    twin = F.struct((base * 2 + 1).alias("group_no"),
                    key_hash(s.seed, "twin", F.col("member_key")).alias("member_key"))
    groups = F.when(has_twin, F.array(own, twin)).otherwise(F.array(own))
    return (
        users.select("id", count.alias("n_groups"))
        .filter(F.col("n_groups") > 0)
        .withColumn("k", F.explode(F.sequence(F.lit(1), F.col("n_groups"))))
        .withColumn("member_key", key_hash(s.seed, "member", F.col("id"), F.col("k")))
        .select("id", F.explode(groups).alias("membership"))
        .select("id", padded("g", F.col("membership.group_no"), 7).alias("group_id"),
                F.col("membership.member_key"))
    )


def circle_memberships(users: DataFrame, s: Settings) -> DataFrame:
    """Each circle is also a group."""
    return users.filter(F.col("circle_block").isNotNull()).select(
        "id", padded("c", F.col("circle_block"), 7).alias("group_id"),
        key_hash(s.seed, "circle_member", F.col("id")).alias("member_key"),
    )


def build_group_members(users: DataFrame, s: Settings) -> DataFrame:
    """Landing fields of every (group, user) membership, UTC epoch, landing date, key."""
    members = (
        base_memberships(users, s).unionByName(circle_memberships(users, s))
        .groupBy("group_id", "id").agg(F.min("member_key").alias("member_key"))
        .join(users.select("id", "reg_offset", "reg_epoch"), on="id", how="inner")
    )
    return (
        members.transform(with_creation_time, s, "member_key", ["reg_offset"], ["reg_epoch"])
        .select(
            "group_id", user_id(F.col("id")).alias("user_id"),
            iso_utc(F.col("ts_epoch")).alias("joined_at"), "ts_epoch",
            business_date(F.col("ts_epoch"), s.timezone).alias("ingest_date"),
            F.col("member_key").alias("rec_key"),
        )
    )

"""Connected components by iterative min-label propagation, in Spark.

Every node starts with the smallest key among itself and its neighbours; each round a
node takes the smallest label among its neighbours' labels and its own. Labels only
decrease, so the round in which none changes is the fixed point: every node carries the
smallest key of its component. The labels are checkpointed between rounds (the lineage
stays one round long); the loop stops at convergence or after ``max_iterations`` rounds
(then a component may still carry more than one label: it is reported split, never
merged with another). Nothing but the per-round count of changed labels reaches the
driver.
"""

from __future__ import annotations

import logging

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

log = logging.getLogger("jobs.social")


def both_directions(pairs: DataFrame) -> DataFrame:
    """(src, dst) for each undirected pair (user_a, user_b), both ways."""
    return pairs.select(F.col("user_a").alias("src"), F.col("user_b").alias("dst")).unionByName(
        pairs.select(F.col("user_b").alias("src"), F.col("user_a").alias("dst")))


def propagate(edges: DataFrame, labels: DataFrame) -> DataFrame:
    """One round: each node's label becomes the least of its own and its neighbours'."""
    offered = (edges.join(labels.withColumnRenamed("node", "src"), on="src", how="inner")
               .groupBy(F.col("dst").alias("node")).agg(F.min("label").alias("offered")))
    return (labels.join(offered, on="node", how="left")
            .select("node", F.least("label", F.coalesce("offered", "label")).alias("label")))


def connected_components(pairs: DataFrame, max_iterations: int) -> tuple[DataFrame, int, bool]:
    """(node, component) for every node of the undirected pairs; rounds run; converged."""
    edges = both_directions(pairs).localCheckpoint()
    labels = (edges.groupBy(F.col("src").alias("node"))
              .agg(F.least(F.col("src"), F.min("dst")).alias("label"))
              .localCheckpoint())
    for rounds in range(1, max_iterations + 1):
        updated = propagate(edges, labels).localCheckpoint()
        changed = (updated.join(labels.withColumnRenamed("label", "before"), on="node",
                                how="inner")
                   .filter(F.col("label") != F.col("before")).count())
        labels = updated
        if changed == 0:
            return labels.withColumnRenamed("label", "component"), rounds, True
    log.warning("connected components: not converged after %d rounds", max_iterations)
    return labels.withColumnRenamed("label", "component"), max_iterations, False

"""The daily DAG runs stages with no path between them side by side (UPSTREAM in
dags/segmentation_settings.py). That is safe only while no two of them commit to the same
Delta table: checked on what the stages of a real T+1 run committed (the published world,
tests/worlds.py: every commit carries its run id, ``daily-<D>:<stage>``)."""

from __future__ import annotations

from itertools import combinations

import pytest
from delta.tables import DeltaTable
from pyspark.sql import functions as F

from jobs.common.catalog import declared_tables
from jobs.common.delta import staged
from tests.worlds import SNAPSHOT

import segmentation_settings as settings

pytestmark = pytest.mark.e2e


def committers(spark, path: str, run_prefix: str) -> set[str]:
    """The stages whose commits to the table at ``path`` carry the run's id."""
    metadata = DeltaTable.forPath(spark, path).history().select("userMetadata")
    ids = metadata.filter(F.col("userMetadata").startswith(run_prefix)).distinct().collect()
    return {row[0].rsplit(":", 1)[1] for row in ids}  # a few per table


def test_stages_side_by_side_in_the_dag_never_commit_to_the_same_table(spark, published_world):
    root = str(published_world)
    specs = declared_tables()
    specs += [staged(s) for s in specs if s.layer == "gold"]
    writers: dict[str, set[str]] = {}
    for spec in specs:
        path = spec.path(root)
        if DeltaTable.isDeltaTable(spark, path):
            writers[f"{spec.layer}/{spec.name}"] = committers(spark, path, f"daily-{SNAPSHOT}:")
    assert set().union(*writers.values()) >= {"state", "social", "interest", "predict",
                                              "rules", "evaluate", "discover"}
    independent = [(a, b) for a, b in combinations(settings.STAGE_NAMES, 2)
                   if a not in settings.ancestors(b) and b not in settings.ancestors(a)]
    assert ("interest", "predict") in independent and ("rules", "discover") in independent
    shared = {(table, a, b) for table, stages in writers.items()
              for a, b in independent if {a, b} <= stages}
    assert not shared, f"side-by-side stages commit to one table: {sorted(shared)}"

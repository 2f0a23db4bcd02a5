"""The driver's read of a table's latest commit agrees with Delta's own history."""

from __future__ import annotations

from pathlib import Path

import pytest
from delta.tables import DeltaTable
from pyspark.sql import types as T

from jobs.common.delta import TableSpec, latest_commit, replace_where

pytestmark = pytest.mark.stage

SPEC = TableSpec("silver", "numbers", T.StructType([T.StructField("day", T.IntegerType()),
                                                    T.StructField("n", T.LongType())]),
                 partition_by=("day",))


def test_the_latest_commit_is_the_one_history_shows_past_a_checkpoint(spark, root):
    # 12 commits: the table's create, then 11 writes, so a checkpoint (every 10) sits
    # among the log files and the log holds checksum files too.
    for day in range(11):
        rows = [(day, n) for n in range(day + 1)]
        replace_where(spark.createDataFrame(rows, SPEC.schema), SPEC, root,
                      f"day = {day}", f"run-{day}")
    history = DeltaTable.forPath(spark, SPEC.path(root)).history(1).first()
    log = Path(SPEC.path(root)) / "_delta_log"
    assert list(log.glob("*.checkpoint.parquet")) and list(log.glob("*.crc"))

    version, info = latest_commit(spark, SPEC.path(root))

    assert version == history["version"] == 11
    assert info["operation"] == history["operation"] == "WRITE"
    assert info["userMetadata"] == history["userMetadata"] == "run-10"
    assert info["operationMetrics"] == history["operationMetrics"]
    assert info["operationMetrics"]["numOutputRows"] == "11"


def test_metrics_of_a_write_that_committed_nothing_are_zeros(spark, root):
    replace_where(spark.createDataFrame([(1, 1)], SPEC.schema), SPEC, root, "day = 1", "a")
    before, _ = latest_commit(spark, SPEC.path(root))

    # An empty partition overwritten with nothing: Delta adds and removes no file.
    metrics = replace_where(spark.createDataFrame([], SPEC.schema), SPEC, root, "day = 2",
                            "b", metrics=True)

    assert metrics == {"version": before, "operation": None, "numOutputRows": 0}
    assert latest_commit(spark, SPEC.path(root))[0] == before


def test_a_folder_without_a_log_is_no_table(spark, tmp_path):
    (tmp_path / "plain" / "_delta_log").mkdir(parents=True)

    with pytest.raises(ValueError, match="not a Delta table"):
        latest_commit(spark, str(tmp_path / "plain"))

"""The pseudonym secret is not in a silver plan, in any ``explain`` mode, nor in the Spark
conf. (That a real run writes it nowhere, not in its logs, event log, executors' logs or
lakehouse files, and that bronze keeps no statistics of identifiers, is checked on the
spark-submit run of tests/cluster/test_standalone.py.)"""

from __future__ import annotations

import secrets

import pytest
from pyspark.sql import types as T

from jobs.common.secrets import PseudonymKey
from jobs.ingest.schemas import BRONZE_TABLES
from jobs.silver.pseudonym import key_frame
from jobs.silver.transforms import CLEANERS
from tests.secret_scan import needles

USERS = BRONZE_TABLES["users"].schema


@pytest.mark.unit
@pytest.mark.parametrize("mode", ["simple", "extended", "codegen", "cost", "formatted"])
def test_silver_plans_and_spark_conf_hold_no_key(spark, mode, capsys):
    key = secrets.token_bytes(32)
    width = len(USERS.fields)
    rows = [("u000001", *([None] * (width - 1))), tuple([None] * width)]
    bronze = spark.createDataFrame(rows, T.StructType([T.StructField(
        f.name, f.dataType) for f in USERS.fields]))
    batch = CLEANERS["users"](bronze, key_frame(spark, PseudonymKey(key, "t")), "Asia/Shanghai")
    batch.explain(mode=mode)
    batch.collect()  # executed, so the plan is final (AQE) and in the SQL listener
    plan = capsys.readouterr().out + batch._jdf.queryExecution().toString()
    assert "user_key" in plan
    conf = str(spark.sparkContext.getConf().getAll()) + str(spark.conf.getAll)
    for name, needle in needles(key).items():
        if name.endswith("bytes"):
            continue
        assert needle.decode() not in plan, (mode, name)
        assert needle.decode() not in conf, name

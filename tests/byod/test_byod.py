"""Bring-your-own orders: the column mapping, line rules and order building."""

from __future__ import annotations

import datetime as dt
import gzip
from decimal import Decimal
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.byod import main as byod
from jobs.byod.transforms import (
    ColumnMapping,
    orders_from_lines,
    with_line_reason,
    with_mapped_line,
)
from jobs.common.config import load_config
from jobs.common.delta import read_table
from jobs.ingest.schemas import BRONZE_TABLES, QUARANTINE_TABLE

REPO = Path(__file__).resolve().parents[2]
RETAIL = REPO.parent / "shared" / "data" / "online-retail" / "online_retail.csv.gz"
OVERLAY = REPO / "conf" / "datasets" / "online_retail.yaml"
COLUMNS = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice",
           "CustomerID", "Country"]


@pytest.fixture(scope="module")
def retail_cfg():
    return load_config("test", REPO / "conf", [OVERLAY])


@pytest.fixture(scope="module")
def mapping(retail_cfg):
    return ColumnMapping.from_conf(retail_cfg.get("byod"), retail_cfg.timezone)


def lines(spark, rows):
    schema = T.StructType([T.StructField(c, T.StringType()) for c in COLUMNS])
    return spark.createDataFrame(rows, schema)


@pytest.mark.unit
def test_lines_are_mapped_and_checked(spark, mapping):
    rows = [
        # winter: London is UTC+0; summer (BST): UTC+1
        ("536365", "A", "x", "6", "2010-12-01 08:26:00", "2.55", "17850.0", "United Kingdom"),
        ("536366", "A", "x", "2", "2011-07-01 08:26:00", "1.00", "17851.0", "France"),
        ("536367", "A", "x", "2", "2011-07-01 08:26:00", "1.00", None, "France"),
        ("536368", "A", "x", "2", "01/07/2011 08:26", "1.00", "17852", "France"),
        ("536369", "A", "x", "two", "2011-07-01 08:26:00", "1.00", "17853.0", "France"),
        (None, None, None, None, None, None, None, None),
    ]
    mapped = (lines(spark, rows).withColumn("copies", F.lit(1))
              .transform(with_mapped_line(mapping, COLUMNS)).transform(with_line_reason(mapping))
              .select("user_id", "order_id", "order_ts",
                      F.col("line_amount").cast("decimal(18,2)").alias("line_amount"), "reason"))
    schema = T.StructType([
        T.StructField("user_id", T.StringType()), T.StructField("order_id", T.StringType()),
        T.StructField("order_ts", T.TimestampType()),
        T.StructField("line_amount", T.DecimalType(18, 2)),
        T.StructField("reason", T.StringType()),
    ])
    want = spark.createDataFrame([
        ("17850", "536365", dt.datetime(2010, 12, 1, 8, 26), Decimal("15.3"), None),
        ("17851", "536366", dt.datetime(2011, 7, 1, 7, 26), Decimal("2"), None),
        (None, "536367", dt.datetime(2011, 7, 1, 7, 26), Decimal("2"), "missing_user_id"),
        ("17852", "536368", None, Decimal("2"), "bad_timestamp"),
        ("17853", "536369", dt.datetime(2011, 7, 1, 7, 26), None, "non_numeric_amount"),
        (None, None, None, None, "missing_user_id"),
    ], schema)
    assert_df_equality(mapped, want, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.unit
def test_cancellations_become_refunds_and_lines_sum_per_order(spark, mapping):
    rows = [
        ("1", "A", "x", "2", "2011-03-01 10:00:00", "1.50", "7.0", "UK"),
        ("1", "B", "x", "1", "2011-03-01 10:00:00", "0.25", "7.0", "UK"),
        ("C2", "A", "x", "-2", "2011-03-02 09:00:00", "1.50", "7.0", "UK"),
        ("3", "A", "x", "0", "2011-03-02 23:30:00", "1.50", "8.0", "UK"),
    ]
    valid = (lines(spark, rows).withColumn("copies", F.lit(1))
             .transform(with_mapped_line(mapping, COLUMNS)).transform(with_line_reason(mapping)))
    orders = orders_from_lines(valid, mapping)
    schema = T.StructType([
        T.StructField("order_id", T.StringType()), T.StructField("user_id", T.StringType()),
        T.StructField("order_ts", T.TimestampType()),
        T.StructField("amount", T.DecimalType(18, 2)),
        T.StructField("coupon_used", T.BooleanType()), T.StructField("status", T.StringType()),
        T.StructField("ingest_date", T.DateType()),
    ])
    want = spark.createDataFrame([
        ("1", "7", dt.datetime(2011, 3, 1, 10), Decimal("3.25"), False, "paid",
         dt.date(2011, 3, 1)),
        ("C2", "7", dt.datetime(2011, 3, 2, 9), Decimal("3.00"), False, "refunded",
         dt.date(2011, 3, 2)),
        ("3", "8", dt.datetime(2011, 3, 2, 23, 30), Decimal("0.00"), False, "paid",
         dt.date(2011, 3, 2)),
    ], schema)
    assert_df_equality(orders, want, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.stage
def test_real_retail_sample_end_to_end(spark, retail_cfg, tmp_path, monkeypatch):
    """The first 3,000 real lines: loaded twice, reconciled exactly, the re-run changes nothing."""
    sample = tmp_path / "retail_sample.csv"
    with gzip.open(RETAIL, "rt", encoding="utf-8") as src:
        sample.write_text("".join(next(src) for _ in range(3001)), encoding="utf-8")
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "lakehouse"))
    root = retail_cfg.lakehouse_root

    first = byod.run(spark, retail_cfg, str(sample), dt.date(2011, 12, 9), "r1")
    orders_v1 = read_table(spark, BRONZE_TABLES["orders"], root)
    snapshot = orders_v1.collect()  # a 3,000-line sample, not user-sized data
    second = byod.run(spark, retail_cfg, str(sample), dt.date(2011, 12, 9), "r1")

    assert first == second
    assert first["read"] == 3000
    assert first["read"] == first["loaded"] + first["quarantined"] + first["duplicates"]
    quarantine = read_table(spark, QUARANTINE_TABLE, root)
    assert quarantine.count() == first["quarantined"]
    assert_df_equality(read_table(spark, BRONZE_TABLES["orders"], root),
                       spark.createDataFrame(snapshot, orders_v1.schema),
                       ignore_row_order=True)
    users = read_table(spark, BRONZE_TABLES["users"], root)
    assert users.filter(F.col("user_id").endswith(".0")).count() == 0

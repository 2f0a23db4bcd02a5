"""Segment drift at its boundaries: exactly the configured share is not drift, above it is."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality
from pyspark.sql import types as T

from jobs.audit.drift import segment_drift

pytestmark = pytest.mark.unit

SUMMARY = T.StructType([T.StructField("family", T.StringType()),
                        T.StructField("segment", T.StringType()),
                        T.StructField("members", T.LongType())])
DRIFT = T.StructType([T.StructField("family", T.StringType()),
                      T.StructField("segment", T.StringType()),
                      T.StructField("previous_members", T.LongType()),
                      T.StructField("members", T.LongType()),
                      T.StructField("change", T.DoubleType())])


def test_drift_beyond_the_share_new_and_gone_segments_and_small_ones(spark):
    previous = spark.createDataFrame([
        ("behaviour", "silent", 100),        # -> 150: exactly +50 %, not drift
        ("behaviour", "msg_high", 100),      # -> 151: +51 %, drift
        ("rfm", "champions", 200),           # -> 99: -50.5 %, drift
        ("rfm", "lost", 60),                 # gone: drift
        ("scene", "lunch", 10),              # -> 40: large change but under 50 on both days
        ("scene", "bedtime", None),          # a null size counts as 0
    ], SUMMARY)
    current = spark.createDataFrame([
        ("behaviour", "silent", 150),
        ("behaviour", "msg_high", 151),
        ("rfm", "champions", 99),
        ("scene", "lunch", 40),
        ("lifecycle", "new", 50),            # new, exactly the minimum size: drift
        ("scene", "bedtime", 49),            # from nothing to 49: too small to judge
    ], SUMMARY)
    expected = spark.createDataFrame([
        ("behaviour", "msg_high", 100, 151, 0.51),
        ("rfm", "champions", 200, 99, -0.505),
        ("rfm", "lost", 60, 0, -1.0),
        ("lifecycle", "new", 0, 50, None),
    ], DRIFT)
    actual = segment_drift(current, previous, max_share=0.5, min_members=50)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)

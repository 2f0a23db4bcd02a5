"""Segment overlap: each pair once, with its common members and Jaccard."""

from __future__ import annotations

import datetime as dt

import pytest
from chispa import assert_df_equality

from jobs.evaluate.overlap import segment_overlap
from jobs.evaluate.schemas import SEGMENT_OVERLAP
from jobs.segments.base import MEMBERSHIP_SCHEMA

pytestmark = pytest.mark.unit

D = dt.date(2026, 6, 30)


def test_pairs_their_common_members_and_jaccard(spark):
    held = [("u1", "custom", "vip"), ("u1", "rfm", "loyal"), ("u2", "custom", "vip"),
            ("u2", "rfm", "loyal"), ("u3", "rfm", "loyal"), ("u3", "scene", "lunch"),
            ("u4", "scene", "lunch"), ("u5", "attributes", "gender_female")]
    membership = spark.createDataFrame([(D, *h) for h in held], MEMBERSHIP_SCHEMA)
    got = segment_overlap(membership, ["custom", "rfm", "scene"])
    want = spark.createDataFrame([
        (D, "custom", "vip", "rfm", "loyal", 2, 3, 2, 2 / 3),
        (D, "rfm", "loyal", "scene", "lunch", 3, 2, 1, 1 / 4),
    ], SEGMENT_OVERLAP.schema)
    assert_df_equality(got, want, ignore_row_order=True, ignore_nullable=True,
                       ignore_metadata=True)

"""k-anonymous publication: no BI aggregate holds a cell of fewer than k users.

Two tools, both over segment-sized frames (cells, never users):

- ``coarsened``: counts per cell of a quasi-identifier hierarchy, where a cell under k
  is rolled up one dimension at a time (the last dimension first) to ``ROLLED_UP``
  together with the other small cells of its parent, and dropped when even the fully
  rolled-up remainder is under k. A rolled-up cell therefore counts the users of its
  parent that no finer published cell counts: the cells of a group never overlap.
- ``small_cell_lines``: the audit's gate. A published cell under k (a count that is not
  null and below k) is a critical failure naming the table and how many cells.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

ROLLED_UP = "all"


def coarsened(cells: DataFrame, groups: Sequence[str], dims: Sequence[str], count: str,
              k: int) -> DataFrame:
    """Cells of at least k: ``groups`` + ``dims`` + ``count`` + ``level`` (dimensions rolled up).

    ``cells`` has one row per (groups, dims) with its user count; the dims are strings
    (nulls are a value of their own: name them before calling). Level 0 keeps the cells
    of at least k as they are; level n rolls the last n dims up over what the earlier
    levels did not publish.
    """
    pending = cells.select(*groups, *dims, count)
    published = []
    for level in range(len(dims) + 1):
        if level:
            rolled = dims[len(dims) - level]
            pending = pending.withColumn(rolled, F.lit(ROLLED_UP)).groupBy(*groups, *dims).agg(
                F.sum(count).alias(count))
        big = F.col(count) >= F.lit(k)
        published.append(pending.filter(big).withColumn("level", F.lit(level)))
        pending = pending.filter(~big)
    result = published[0]
    for part in published[1:]:
        result = result.unionByName(part)
    return result


def small_cells(frame: DataFrame, count: str, k: int) -> int:
    """How many rows publish a count under k (null counts are suppressed cells: not counted)."""
    return frame.filter(F.col(count) < F.lit(k)).count()


def small_cell_lines(tables: Sequence[tuple[str, DataFrame, str]], k: int) -> list[str]:
    """One critical line per (table, frame, count column) with cells under k users."""
    lines = []
    for table, frame, count in tables:
        found = small_cells(frame, count, k)
        if found:
            lines.append(f"k-anonymity: {table} has {found} cell(s) under k={k} users "
                         f"({count} < {k}); suppress or coarsen them before publication")
    return lines

"""The evaluation report printed by the job: aggregate, segment-sized rows only."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.common.config import Config
from jobs.common.delta import read_table, table_exists
from jobs.evaluate.schemas import SEGMENT_EFFECT, SEGMENT_OVERLAP
from jobs.segments.schemas import SEGMENT_SUMMARY

MAX_ROWS = 20
REDUNDANT_JACCARD = 0.9


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    return f"{value:+.4f}" if isinstance(value, float) else str(value)


def print_report(spark: SparkSession, cfg: Config, day: dt.date,
                 evaluated: dt.date | None) -> None:
    root = cfg.lakehouse_root
    lines = [f"== evaluation {day} =="]
    if table_exists(spark, SEGMENT_SUMMARY, root):
        small = (read_table(spark, SEGMENT_SUMMARY, root)
                 .filter((F.col("snapshot_date") == day) & F.col("under_min_size"))
                 .orderBy("members", "family", "segment").limit(MAX_ROWS).collect())
        listed = ", ".join(f"{r['family']}.{r['segment']} "
                           f"({'< k' if r['members'] is None else r['members']})" for r in small)
        lines.append(f"under {cfg.get('segments.min_segment_size')} members: {listed or 'none'}")
    pairs = (read_table(spark, SEGMENT_OVERLAP, root)
             .filter((F.col("snapshot_date") == day)
                     & (F.col("jaccard") >= REDUNDANT_JACCARD))
             .orderBy(F.desc("jaccard")).limit(MAX_ROWS).collect())
    listed = ", ".join(f"{r['family_a']}.{r['segment_a']} ~ {r['family_b']}.{r['segment_b']} "
                       f"({r['jaccard']:.2f})" for r in pairs)
    lines.append(f"redundant pairs (Jaccard >= {REDUNDANT_JACCARD}): {listed or 'none'}")
    if evaluated is not None:
        effect = (read_table(spark, SEGMENT_EFFECT, root)
                  .filter(F.col("snapshot_date") == evaluated)
                  .orderBy(F.desc("significant"), F.desc(F.abs("uplift")))
                  .limit(MAX_ROWS).collect())
        lines.append(f"effect of {evaluated} (treated vs holdout, top {MAX_ROWS}):")
        lines.append(f"  {'segment':<36}{'metric':<12}{'n_t':>7}{'n_h':>6}{'uplift':>10}"
                     f"{'ci_low':>10}{'ci_high':>10}  sig")
        for r in effect:
            lines.append(f"  {r['family'] + '.' + r['segment']:<36}{r['metric']:<12}"
                         f"{r['treated_users']:>7}{r['holdout_users']:>6}"
                         f"{_fmt(r['uplift']):>10}{_fmt(r['ci_low']):>10}"
                         f"{_fmt(r['ci_high']):>10}  {'*' if r['significant'] else ''}")
    print("\n".join(lines), flush=True)

"""Scale check of the synthetic generator: lines written and wall time per size.

    python -m bench.generator_scale [--sizes 2000,20000,200000] [--env local]

Each size generates into its own temporary lakehouse (removed afterwards) with one warm
Spark session; a tiny warm-up run goes first so JIT and code generation do not count.
Growth is linear when the time ratio between two sizes follows their rows ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import dataclass

from pyspark.sql import SparkSession

from jobs.common.config import ENVIRONMENTS, Config, load_config
from jobs.common.spark import build_spark
from jobs.generate.main import run
from jobs.ingest.schemas import SOURCES

WARM_UP_USERS = 200


@dataclass(frozen=True)
class Measure:
    users: int
    rows: dict[str, int]
    seconds: float

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def generate_once(spark: SparkSession, cfg: Config, users: int) -> Measure:
    root = tempfile.mkdtemp(prefix=f"generator-scale-{users}-")
    try:
        sized = cfg.with_overrides({"generator.users": users, "lakehouse.root": root})
        started = time.perf_counter()
        summary = run(spark, sized, sized.date("generator.snapshot_date"))
        return Measure(users, summary["rows"], time.perf_counter() - started)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def report(measures: list[Measure]) -> str:
    header = ["users", *SOURCES, "total", "seconds", "lines/s"]
    lines = [" | ".join(f"{h:>13}" for h in header)]
    for m in measures:
        cells = [m.users, *[m.rows[s] for s in SOURCES], m.total, f"{m.seconds:.1f}",
                 f"{m.total / m.seconds:,.0f}"]
        lines.append(" | ".join(f"{c:>13}" for c in cells))
    lines.append("")
    lines.append("ratios to the previous size: users x, lines x, time x (linear: time ~ lines)")
    for before, after in zip(measures, measures[1:], strict=False):
        lines.append(f"  {before.users:>9} -> {after.users:<9}"
                     f" users x{after.users / before.users:.1f}"
                     f"  lines x{after.total / before.total:.2f}"
                     f"  time x{after.seconds / before.seconds:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,20000,200000",
                        help="comma-separated user counts")
    parser.add_argument("--env", choices=ENVIRONMENTS, default="local")
    parser.add_argument("--conf-dir", default=None)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    os.environ.pop("LAKEHOUSE_ROOT", None)  # every size writes to its own temporary root
    cfg = load_config(args.env, args.conf_dir)
    spark = build_spark(cfg, "bench-generator-scale")
    generate_once(spark, cfg, WARM_UP_USERS)
    measures = []
    for size in sizes:
        measures.append(generate_once(spark, cfg, size))
        print(f"{size} users: {measures[-1].total} lines in {measures[-1].seconds:.1f} s",
              flush=True)
    print(report(measures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

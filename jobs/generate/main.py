"""Generate the synthetic landing files for a snapshot date.

    python -m jobs.generate.main --env local --run-date 2026-06-30 [--users N] [--conf-dir conf]
    spark-submit --jars <delta jars> jobs/generate/main.py --env cluster --run-date 2026-06-30
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file (spark-submit): make `jobs` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pyspark.sql import SparkSession  # noqa: E402

from jobs.common.config import ENVIRONMENTS, Config, load_config  # noqa: E402
from jobs.common.errors import SegmentationError  # noqa: E402
from jobs.common.spark import build_spark  # noqa: E402
from jobs.generate.landing import landing_path, write_landing  # noqa: E402
from jobs.generate.settings import Settings  # noqa: E402
from jobs.generate.transforms import landing_frames  # noqa: E402

# Every generated row carries dozens of hash draws and CASE chains; whole-stage codegen
# fuses them into one method too large for the JIT to optimise (measured 2-3x slower than
# per-expression code generation), so the generator runs without it.
GENERATOR_SPARK_CONF = {"spark.sql.codegen.wholeStage": "false"}


@contextmanager
def session_conf(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    """Runtime SQL settings for the duration of the block, restored afterwards."""
    previous = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def run(spark: SparkSession, cfg: Config, snapshot_date: dt.date) -> dict[str, Any]:
    """Write every source's landing files for snapshot D; return the lines written per source."""
    settings = Settings.from_config(cfg, snapshot_date)
    root = cfg.lakehouse_root
    rows: dict[str, int] = {}
    with session_conf(spark, GENERATOR_SPARK_CONF):
        for source, lines in landing_frames(spark, settings).items():
            rows[source] = write_landing(lines, landing_path(root, source),
                                         settings.files_per_day)
    return {"snapshot_date": snapshot_date.isoformat(), "users": settings.users,
            "seed": settings.seed, "landing": landing_path(root, "").rstrip("/"), "rows": rows}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env", choices=ENVIRONMENTS, default="local")
    parser.add_argument("--run-date", type=dt.date.fromisoformat, default=None,
                        help="snapshot date D (default: conf generator.snapshot_date)")
    parser.add_argument("--users", type=int, default=None,
                        help="number of users (default: conf generator.users)")
    parser.add_argument("--conf-dir", default=None, help="configuration folder (default: conf)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        cfg = load_config(args.env, args.conf_dir)
        if args.users is not None:
            cfg = cfg.with_overrides({"generator.users": args.users})
        snapshot_date = args.run_date or cfg.date("generator.snapshot_date")
        spark = build_spark(cfg, "generate")
        print(json.dumps(run(spark, cfg, snapshot_date), indent=2))
    except SegmentationError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The command line every job shares: dates, environment, run id, and clean failures.

A job's ``main(argv)`` parses with ``job_parser``, then calls ``run_job`` so that a
SegmentationError ends the process with its message on stderr and exit code 2,
instead of a Java stack trace.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from jobs.common.config import ENVIRONMENTS, Config, load_config
from jobs.common.errors import SegmentationError
from jobs.common.spark import build_spark

log = logging.getLogger("jobs")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date YYYY-MM-DD") from exc


def job_parser(description: str, *, date_range: bool = True,
               full_refresh: str | None = None) -> argparse.ArgumentParser:
    """--run-date D for the T+1 run, or --start-date/--end-date for a range in one app;
    ``full_refresh``: a stage with a moving state (jobs/common/chain.py) takes
    --full-refresh, described as that text says."""
    parser = argparse.ArgumentParser(description=description)
    dates = parser.add_mutually_exclusive_group(required=True)
    dates.add_argument("--run-date", type=_date, help="the business date D to process")
    if date_range:
        dates.add_argument("--start-date", type=_date,
                           help="first date of a range (with --end-date)")
        parser.add_argument("--end-date", type=_date, help="last date of a range, inclusive")
    parser.add_argument("--env", choices=ENVIRONMENTS, default="local")
    parser.add_argument("--conf-dir", default=None,
                        help="configuration folder (default: $SEG_CONF_DIR or ./conf)")
    parser.add_argument("--conf-overlay", action="append", default=[], metavar="FILE",
                        help="extra YAML overlaid on the configuration (repeatable), "
                             "e.g. conf/datasets/online_retail.yaml")
    parser.add_argument("--run-id", default=None,
                        help="recorded in Delta userMetadata (default: <stage>-<dates>)")
    if full_refresh:
        parser.add_argument("--full-refresh", action="store_true",
                            help=f"{full_refresh} (the reference for the moving state), and "
                                 "restart the state")
    return parser


def date_span(args: argparse.Namespace) -> tuple[dt.date, dt.date]:
    """(first, last) dates of the run; a single --run-date gives (D, D)."""
    if args.run_date is not None:
        return args.run_date, args.run_date
    end = getattr(args, "end_date", None)
    if end is None:
        raise SegmentationError("--start-date needs --end-date")
    if end < args.start_date:
        raise SegmentationError(f"--end-date {end} is before --start-date {args.start_date}")
    return args.start_date, end


def default_run_id(stage: str, first: dt.date, last: dt.date) -> str:
    """Deterministic, so that re-running a date writes identical rows."""
    return f"{stage}-{first}" if first == last else f"{stage}-{first}_{last}"


def run_stage(stage: str, run: Callable[..., object], args: argparse.Namespace, *extra: Any,
              overrides: dict[str, Any] | None = None,
              check: Callable[[Config], object] | None = None) -> None:
    """What every stage's main does once its own arguments are parsed: the dates, the conf
    (with ``overrides``), ``check`` before any session exists (a missing secret), the
    session, the run id, then ``run(spark, cfg, first, last, run_id, *extra)``."""
    first, last = date_span(args)
    cfg = load_config(args.env, args.conf_dir, args.conf_overlay)
    if overrides:
        cfg = cfg.with_overrides(overrides)
    if check is not None:
        check(cfg)
    spark = build_spark(cfg, f"{stage} {first}..{last}")
    run(spark, cfg, first, last, args.run_id or default_run_id(stage, first, last), *extra)


def configure_logging() -> None:
    """The project's own loggers (``jobs.*``) at INFO; every library (Great Expectations,
    py4j, pyspark) at WARNING: their INFO lines buried the jobs' progress."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stdout,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("jobs").setLevel(logging.INFO)


def run_job(entry: Callable[[Sequence[str] | None], object],
            argv: Sequence[str] | None = None) -> int:
    """Run a job's entry point; a known failure prints one clear line and returns 2."""
    configure_logging()
    try:
        entry(argv)
    except SegmentationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0

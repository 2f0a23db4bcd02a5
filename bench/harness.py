"""The benchmark harness (`make bench`): every scale, its table, the ratios and the targets.

    python -m bench.harness [--scales 10000,100000] [--days 10] [--events-per-active-user 10]
                            [--skew-users 200000 | --skew-users 0] [--demo]
                            [--history-users 20000]
                            [--rollup-day-users 1000000 [--rollup-day-events-per-user 100]]
                            [--lock /tmp/spark.lock]

Each scale (a user count; events = users x active share x events per active user x days)
the power-law skew case and the optional one-day rollup case (--rollup-day-users:
one day of events at the rollup target's size, only its rollup against DuckDB's) run as
their own Spark application (python -m bench.scale),
so each JVM's peak memory is its own; with --lock every one of them holds that flock
only while it runs. The tables and the targets are printed, and written as
bench/results/summary.{json,md} (git-ignored) beside each scale's raw JSON, and
bench/results/summary.txt: one line per target measured,
``target <name>: <measured> <unit> (goal <goal>) <met|missed>``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.data import Scale

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parents[1]
DAILY_ROLLUP_MIN_EVENTS = 50_000_000
TARGETS = {
    "rollup_vs_duckdb": 3.0,       # Spark daily rollup / DuckDB, at >= 50 M events a day
    "t1_vs_full": 0.2,             # T+1 run of D / recomputing D from the full history
    "growth": 1.1,                 # time ratio / data ratio (10x data at most 11x time)
    "memory_growth": 1.2,          # peak driver memory ratio between scales
    "demo_seconds": 180.0,
}


def run_child(scale: Scale, out: Path, lock: str | None, full: bool) -> dict:
    command = [sys.executable, "-m", "bench.scale", "--users", str(scale.users),
               "--days", str(scale.days),
               "--events-per-active-user", str(scale.events_per_active_user),
               "--out", str(out)]
    command += ["--skew"] if scale.skew else []
    command += ["--rollup-only"] if scale.rollup_only else []
    command += [] if full else ["--no-full-recompute"]
    if lock:
        command = ["flock", lock, *command]
    print(f"== scale {scale.name}: {scale.users} users, {scale.days} days, "
          f"{scale.events:,} events", flush=True)
    subprocess.run(command, check=True, cwd=REPO)
    return json.loads(out.read_text())


def mb(n: float | None) -> str:
    return "-" if n is None else f"{n / 2**20:,.1f}"


def stage_table(result: dict) -> str:
    header = ("stage", "wall s", "events", "events/s", "peak drv MB", "shuffle rd MB",
              "shuffle wr MB", "spill MB", "skew max/med")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for s in result["stages"]:
        skew = "-" if s.get("skew") is None else f"{s['skew']:.1f}"
        skew += " FAILED" if s.get("error") else ""
        rss = "-" if s.get("peak_rss_mb") is None else f"{s['peak_rss_mb']:,.0f}"
        cells = (s["name"], f"{s['seconds']:.1f}", f"{s['events']:,}",
                 f"{s['events_per_s']:,.0f}", rss, mb(s.get("shuffleReadBytes")),
                 mb(s.get("shuffleWriteBytes")), mb(s.get("spillBytes")), skew)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def seconds(result: dict, prefix: str) -> float:
    return sum(s["seconds"] for s in result["stages"] if s["name"].startswith(prefix))


def stage_seconds(result: dict, name: str) -> float:
    return next((s["seconds"] for s in result["stages"] if s["name"] == name
                 and not s.get("error")), float("nan"))


def peak_rss(result: dict) -> float:
    return max(s["peak_rss_mb"] or 0 for s in result["stages"])


def ratios(result: dict) -> dict[str, float | None]:
    duck = result["duckdb_seconds"]
    full = seconds(result, "full ")
    nan = float("nan")
    return {
        "rollup_spark_s": stage_seconds(result, "t+1 rollup"),
        "rollup_duckdb_s": duck.get("rollup", nan),
        "rollup_vs_duckdb": stage_seconds(result, "t+1 rollup") / duck.get("rollup", nan),
        "rfm_spark_s": stage_seconds(result, "rfm spark"),
        "rfm_duckdb_s": duck.get("rfm", nan),
        "rfm_vs_duckdb": stage_seconds(result, "rfm spark") / duck.get("rfm", nan),
        "events_per_s_spark": result["events_landed_d"] / stage_seconds(result, "t+1 rollup"),
        "events_per_s_duckdb": result["events_landed_d"] / duck.get("rollup", nan),
        "t1_s": seconds(result, "t+1 "),
        "full_s": full or None,
        "t1_vs_full": seconds(result, "t+1 ") / full if full else None,
    }


def agreement(result: dict) -> list[str]:
    lines = []
    for table, c in result["checks"].items():
        same = c["only_duckdb"] == 0 and c["only_spark"] == 0 and \
            c["duckdb_checksum"] == c["spark_checksum"]
        lines.append(f"  {table}: spark {c['spark_rows']:,} rows / duckdb {c['duckdb_rows']:,}"
                     f" rows, checksum {c['spark_checksum']} / {c['duckdb_checksum']}, "
                     f"only-spark {c['only_spark']}, only-duckdb {c['only_duckdb']}: "
                     f"{'AGREE' if same else 'DIFFER'}")
    return lines


def is_day(result: dict) -> bool:
    return bool(result["scale"].get("rollup_only"))


def mark(ok: bool | None) -> str:
    return {True: "MET", False: "MISSED", None: "NOT MEASURED"}[ok]


def targets(results: list[dict], demo_s: float | None) -> list[str]:
    """The issue's targets, as far as the scales run measure them (the one-day rollup case
    alone measures only the first)."""
    uniform = [r for r in results if not r["scale"]["skew"] and not is_day(r)]
    lines = []
    at_size = [x for x in results if not x["scale"]["skew"]
               and x["events_landed_d"] >= DAILY_ROLLUP_MIN_EVENTS]
    if at_size:
        worst = max(ratios(x)["rollup_vs_duckdb"] for x in at_size)
        lines.append(f"1. daily rollup <= 3x DuckDB at >= 50M events: {worst:.2f}x: "
                     f"{mark(worst <= TARGETS['rollup_vs_duckdb'])}")
    elif unskewed := [x for x in results if not x["scale"]["skew"]]:
        largest = max(unskewed, key=lambda x: x["events_landed_d"])
        vs = ratios(largest)["rollup_vs_duckdb"]
        lines.append(f"1. daily rollup <= 3x DuckDB at >= 50M events: NOT REACHED (largest day "
                     f"{largest['events_landed_d']:,} events: {vs:.2f}x, "
                     f"{mark(vs <= TARGETS['rollup_vs_duckdb'])} there)")
    if not uniform:
        return [*lines, "2., 3. NOT MEASURED (no uniform scale in this run)", demo_line(demo_s)]
    r = ratios(max(uniform, key=lambda x: x["scale"]["events"]))
    t1 = r["t1_vs_full"]
    lines.append(f"2. T+1 <= 1/5 of the full recompute: {r['t1_s']:.1f} s / "
                 f"{r['full_s'] or 0:.1f} s = {t1 or 0:.2f}: "
                 f"{mark(None if t1 is None else t1 <= TARGETS['t1_vs_full'])}")
    ordered = sorted(uniform, key=lambda x: x["scale"]["events"])
    for small, large in zip(ordered, ordered[1:], strict=False):
        data = large["scale"]["events"] / small["scale"]["events"]
        grow = {k: seconds(large, p) / seconds(small, p)
                for k, p in (("full", "full "), ("t+1", "t+1 ")) if seconds(small, p)}
        limit = TARGETS["growth"] * data
        mem = peak_rss(large) / peak_rss(small)
        heap = (large["driver_peak_heap_mb"] or 0) / (small["driver_peak_heap_mb"] or 1)
        lines.append(f"3. {small['scale']['name']} -> {large['scale']['name']}: data x{data:.1f}"
                     f", time x{grow.get('full', 0):.2f} (full) x{grow.get('t+1', 0):.2f} "
                     f"(t+1), limit x{limit:.1f}: {mark(max(grow.values()) <= limit)}; peak "
                     f"driver RSS x{mem:.2f} ({peak_rss(small):,.0f} -> {peak_rss(large):,.0f}"
                     f" MB), peak heap x{heap:.2f}: "
                     f"{mark(mem <= TARGETS['memory_growth'])}")
    return [*lines, demo_line(demo_s)]


def demo_line(demo_s: float | None) -> str:
    return "4. make demo (set up done) < 3 min: " + (
        "NOT MEASURED (run with --demo)" if demo_s is None
        else f"{demo_s:.0f} s: {mark(demo_s < TARGETS['demo_seconds'])}")


GOALS = {   # the targets: name -> (unit, goal, met when the measure is at most goal)
    "demo_seconds": ("s", 180.0),
    "rollup_vs_duckdb_50m": ("x", 3.0),
    "t1_vs_full_365d": ("x", 0.2),
    "t1_growth_with_history": ("x", 1.2),
    "users_2m_daily_seconds": ("s", 600.0),
}


def target_line(name: str, measured: float) -> str:
    unit, goal = GOALS[name]
    return (f"target {name}: {measured:.2f} {unit} (goal {goal:g}) "
            f"{'met' if measured <= goal else 'missed'}")


def summary_lines(results: list[dict], demo_s: float | None) -> list[str]:
    """bench/results/summary.txt: one line per target measured by this run (a target whose
    case did not run has no line; the report says which)."""
    measured: dict[str, float] = {}
    if demo_s is not None:
        measured["demo_seconds"] = demo_s
    days = [r for r in results if is_day(r) and r["events_landed_d"] >= DAILY_ROLLUP_MIN_EVENTS]
    if days:
        measured["rollup_vs_duckdb_50m"] = max(ratios(r)["rollup_vs_duckdb"] for r in days)
    uniform = [r for r in results if not r["scale"]["skew"] and not is_day(r)]
    year = [r for r in uniform if r["scale"]["days"] >= 365 and ratios(r)["t1_vs_full"]]
    if year:
        measured["t1_vs_full_365d"] = max(ratios(r)["t1_vs_full"] for r in year)
    for long in year:
        short = [r for r in uniform if r["scale"]["days"] == 30
                 and r["scale"]["users"] == long["scale"]["users"]
                 and r["scale"]["events_per_active_user"]
                 == long["scale"]["events_per_active_user"]]
        if short:
            measured["t1_growth_with_history"] = seconds(long, "t+1 ") / seconds(short[0],
                                                                                "t+1 ")
    big = [r for r in uniform if r["scale"]["users"] >= 2_000_000]
    if big:
        measured["users_2m_daily_seconds"] = max(seconds(r, "t+1 ") for r in big)
    return [target_line(name, measured[name]) for name in GOALS if name in measured]


def time_demo(lock: str | None) -> float:
    """Wall time of `make demo` without its set-up (-o: the venv and jars are taken as
    made), into a temporary lakehouse."""
    env = dict(os.environ, LAKEHOUSE_ROOT=tempfile.mkdtemp(prefix="bench-demo-"))
    command = ["make", "-s", "-o", ".venv/.installed", "-o", "jars/.fetched", "demo"]
    if lock:
        command = ["flock", lock, *command]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def report(results: list[dict], demo_s: float | None) -> str:
    parts = []
    for result in results:
        s = result["scale"]
        r = ratios(result)
        day = is_day(result)
        rollup = (f"Spark / DuckDB: daily rollup {r['rollup_spark_s']:.1f} s / "
                  f"{r['rollup_duckdb_s']:.1f} s = {r['rollup_vs_duckdb']:.2f}x "
                  f"({r['events_per_s_spark']:,.0f} / {r['events_per_s_duckdb']:,.0f} "
                  "events/s)")
        parts += [f"## {s['name']}: {s['users']:,} users x {s['days']} days, "
                  f"{s['events_per_active_user']} events per active user"
                  f"{', power law (top 0.1 % hold half the events)' if s['skew'] else ''}"
                  f"{', the rollup of D only' if day else ''}; "
                  f"{result['events_landed_d']:,} events landed on D, "
                  f"{result['events_history']:,} in the history",
                  "", stage_table(result), "",
                  rollup if day else f"{rollup}; RFM {r['rfm_spark_s']:.1f} s / "
                  f"{r['rfm_duckdb_s']:.1f} s = {r['rfm_vs_duckdb']:.2f}x",
                  *([] if day else [
                      f"T+1 / full recompute: {r['t1_s']:.1f} s / {r['full_s']:.1f} s = "
                      f"{r['t1_vs_full']:.2f}" if r["full_s"] else
                      f"T+1 (no full recompute): {r['t1_s']:.1f} s"]),
                  f"driver JVM peak heap (REST): {result['driver_peak_heap_mb'] or 0:,.0f} MB",
                  "Spark and DuckDB results:", *agreement(result),
                  *[f"  FAILED {s['name']}: {s['error']}" for s in result["stages"]
                    if s.get("error")],
                  *([f"  FAILED duckdb: {result['duckdb_seconds']['error']}"]
                    if "error" in result["duckdb_seconds"] else []), ""]
    parts += ["## Targets", "", *targets(results, demo_s)]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="10000,100000", help="user counts, comma-separated")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--events-per-active-user", type=int, default=10)
    parser.add_argument("--skew-users", type=int, default=None,
                        help="users of the power-law case (default: the largest scale; 0: none)")
    parser.add_argument("--rollup-day-users", type=int, default=0,
                        help="also one day of these users' events, only its rollup vs DuckDB")
    parser.add_argument("--rollup-day-events-per-user", type=int, default=100,
                        help="events per active user of that day (half the users are active)")
    parser.add_argument("--history-users", type=int, default=0,
                        help="also these users with 30 and with 365 days of history: the daily "
                             "cost's growth with history and T+1 / full at 365 days")
    parser.add_argument("--demo", action="store_true", help="also time `make demo`")
    parser.add_argument("--lock", default=None, help="flock file each Spark run holds")
    parser.add_argument("--from-results", action="store_true",
                        help="only print the report of the scales' JSON already in results/")
    args = parser.parse_args(argv)
    users = [int(u) for u in args.scales.split(",") if u.strip()]
    scales = [Scale(u, args.days, args.events_per_active_user) for u in users]
    skew_users = max(users) if args.skew_users is None else args.skew_users
    if skew_users:
        scales.append(Scale(skew_users, args.days, args.events_per_active_user, skew=True))
    if args.history_users:
        scales += [Scale(args.history_users, days, args.events_per_active_user)
                   for days in (30, 365)]
    if args.rollup_day_users:
        scales.append(Scale(args.rollup_day_users, 1, args.rollup_day_events_per_user,
                            rollup_only=True))
    RESULTS.mkdir(exist_ok=True)
    if args.from_results:
        results = [json.loads((RESULTS / f"{s.name}.json").read_text()) for s in scales
                   if (RESULTS / f"{s.name}.json").exists()]
    else:
        results = [run_child(s, RESULTS / f"{s.name}.json", args.lock,
                             full=not s.skew and (s.days != 30 or not args.history_users))
                   for s in scales]
    demo_s = time_demo(args.lock) if args.demo else None
    text = report(results, demo_s)
    print(text)
    (RESULTS / "summary.md").write_text(text + "\n")
    lines = summary_lines(results, demo_s)
    print("\n".join(lines))
    (RESULTS / "summary.txt").write_text("".join(f"{line}\n" for line in lines))
    (RESULTS / "summary.json").write_text(json.dumps(
        {"results": results, "demo_seconds": demo_s,
         "ratios": {r["scale"]["name"]: ratios(r) for r in results}}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The first sync's cost against its history length (issue #15): `barometer sync` into a fresh
warehouse and a fresh Dagster home, for the same small org (2,000 activities as bench/harness.py counts
them, e-mails and tasks included: 1,000 calls and meetings, the sandbox's smallest, over ten months;
the issue's org had ~500 calls, meetings and deals), with BAROMETER_START_DATE 1 day, 2 years and 10
years back; and `barometer backfill` over the last year. Per case: the process's wall time, the run's
time as the CLI prints it, the events Dagster wrote (by type) and the size of DAGSTER_HOME.

    .venv/bin/python bench/first_sync.py [--activities 2000] [--repeats 3] [--cases sync_1_day,...]

Goals: the 2-year sync at most 2x the one-day sync, the 10-year sync within 10 % of the 2-year one,
every case's Dagster storage under 5 MB. The cases run in turn (same sandbox, same machine), `repeats`
rounds of all of them, so a busy spell hits every case; the figures are each case's medians.
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dagster_overhead import BAROMETER, RUN_SECONDS, dagster_home, environment
from harness import OrgSize, SandboxProcess, alternate, emit, machine, median, print_table, run_process

ORG_DAYS = 300  # about ten months of history
BACKFILL_DAYS = 365
CASES = {  # name: (BAROMETER_START_DATE days back, command)
    "sync_1_day": (0, ["sync"]),
    "sync_2_years": (730, ["sync"]),
    "sync_10_years": (3_650, ["sync"]),
    # BAROMETER_START_DATE on the backfill's first day: its window reaches back to the start of history,
    # so it loads the same records as the syncs.
    "backfill_1_year": (BACKFILL_DAYS - 1, ["backfill", "--start", "{year_ago}", "--end", "{today}"]),
}
GOAL_MB = 5.0


def dagster_events(home: Path) -> Counter[str]:
    """Events in the SQLite event log under `home` (one database per run), by type."""
    counts: Counter[str] = Counter()
    for shard in (home / "history" / "runs").glob("*.db"):
        if shard.name == "index.db":  # asset events again, indexed across runs
            continue
        with sqlite3.connect(shard) as db:
            counts.update(dict(db.execute("select dagster_event_type, count(*) from event_logs group by 1")))
    return counts


def storage_mb(home: Path) -> float:
    return round(sum(f.stat().st_size for f in home.rglob("*") if f.is_file()) / 1024**2, 2)


def run_case(box: SandboxProcess, workdir: Path, name: str) -> dict[str, Any]:
    days_back, command = CASES[name]
    workdir.mkdir(parents=True)
    home = dagster_home(workdir)
    today = datetime.now(UTC).date()
    args = [a.format(today=today, year_ago=today - timedelta(days=BACKFILL_DAYS - 1)) for a in command]
    env = environment(box, workdir, workdir / "warehouse.duckdb", days_back=days_back)
    done = run_process([str(BAROMETER), *args], env=env, timeout=7_200)
    found = RUN_SECONDS.search(done.stdout)
    if found is None or "\n    error " in done.stdout:  # warnings allowed, failed errors not
        raise RuntimeError(f"barometer {' '.join(args)} did not report a clean run:\n{done.stdout}")
    events = dagster_events(home)
    return {
        "case": name,
        "command": "barometer " + " ".join(args),
        "start_date_days_back": days_back,
        "wall_seconds": round(done.wall_seconds, 2),
        "run_seconds": float(found.group(1)),
        "events": sum(events.values()),
        "events_by_type": {k or "log": v for k, v in events.most_common()},
        "dagster_home_mb": storage_mb(home),
    }


def medians(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One case's figures: medians of the times, the largest event count and storage."""
    return {
        "case": name,
        "command": runs[0]["command"],
        "wall_seconds": median(r["wall_seconds"] for r in runs),
        "run_seconds": median(r["run_seconds"] for r in runs),
        "events": max(r["events"] for r in runs),
        "dagster_home_mb": max(r["dagster_home_mb"] for r in runs),
        "runs": runs,
    }


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    wall = {r["case"]: r["wall_seconds"] for r in results}
    summary: dict[str, Any] = {"storage_goal_met": all(r["dagster_home_mb"] < GOAL_MB for r in results)}
    one_day = wall.get("sync_1_day")
    if one_day is None:
        return summary
    if "sync_2_years" in wall:
        summary["two_years_over_one_day"] = round(wall["sync_2_years"] / one_day, 2)
        summary["two_years_goal_met"] = wall["sync_2_years"] <= 2 * one_day
    if "sync_10_years" in wall and "sync_2_years" in wall:
        summary["ten_years_over_two_years"] = round(wall["sync_10_years"] / wall["sync_2_years"], 3)
        summary["ten_years_goal_met"] = wall["sync_10_years"] <= 1.1 * wall["sync_2_years"]
    if "backfill_1_year" in wall:
        summary["backfill_over_one_day"] = round(wall["backfill_1_year"] / one_day, 2)
        summary["backfill_goal_met"] = wall["backfill_1_year"] <= 2 * one_day
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=2_000, help="as bench/harness.py counts them")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    args = parser.parse_args()
    cases = args.cases.split(",")
    if unknown := set(cases) - set(CASES):
        sys.exit(f"unknown cases: {', '.join(sorted(unknown))}")
    size = OrgSize(args.activities, days=ORG_DAYS)
    with SandboxProcess(size) as box, tempfile.TemporaryDirectory(prefix="barometer-first-sync-") as tmp:
        org = box.call("summary")

        def case(name: str):
            def run(n: int) -> dict[str, Any]:
                result = run_case(box, Path(tmp) / f"{name}-{n}", name)
                print(f"{name} #{n + 1}: {result['wall_seconds']} s", file=sys.stderr, flush=True)
                return result

            return run

        rounds = alternate(args.repeats, *(case(name) for name in cases))
    results = [medians(name, runs) for name, runs in zip(cases, rounds, strict=True)]
    print_table(
        f"First sync against history length ({args.activities} activities over {ORG_DAYS} days; "
        f"medians of {args.repeats})",
        results,
        ["case", "wall_seconds", "run_seconds", "events", "dagster_home_mb"],
    )
    emit({"machine": machine(), "org": org, "results": results} | summarize(results))


if __name__ == "__main__":
    main()

"""Every sync benchmark of docs/benchmarks.md in one invocation, one JSON document at the end.

    .venv/bin/python bench/run_all.py            # 1,000,000 activities; memory also at 5,000,000
    .venv/bin/python bench/run_all.py --quick    # smoke run: 20,000 activities
    .venv/bin/python bench/run_all.py --activities 3000 --repeats 1 --skip memory dagster

On one sandbox of `--activities`: full syncs Barometer against dlt, alternating (bench/full_sync_vs_dlt.py),
Barometer's API calls against the minimum (bench/api_calls.py), then the incremental sync after 1 %
changed (bench/incremental.py). Then peak memory: the full syncs above give the first point, a full
sync at each `--memory-activities` size the others (bench/memory.py). Then Dagster's overhead on a
small org (bench/dagster_overhead.py). The marts rebuild has its own script (bench/marts.py).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import dagster_overhead
import full_sync_vs_dlt
import incremental
import memory
from harness import OrgSize, SandboxProcess, machine, median

BENCHMARKS = ("incremental", "memory", "dagster")


def goals(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per goal of the issue: the figure measured and whether it meets the goal."""
    full = result["full_sync_vs_dlt"]
    calls = full["api_calls"]["total"]
    speed = full["throughput"]
    rows = [
        {
            "goal": "full-sync throughput ≥ 3× dlt's",
            "figure": f"{speed['ratio']}× ({speed['barometer_records_per_second']:,} "
            f"vs {speed['dlt_records_per_second']:,} records/s)",
            "met": speed["goal_met"],
        },
        {
            "goal": "API calls within 5 % of the minimum + itemised fixed calls",
            "figure": f"record calls {calls['over_minimum']:+.1%} over the minimum (worst "
            f"{calls['worst_stream']} {calls['worst_over_minimum']:+.1%}), child calls "
            f"{calls['child_over_minimum']:+.1%}, {calls['fixed_total']} fixed",
            "met": calls["goal_met"],
        },
    ]
    if "incremental" in result:
        inc = result["incremental"]
        rows.append(
            {
                "goal": "incremental after 1 % changed: calls and time proportional",
                "figure": f"variable part vs proportional: calls {inc['calls_vs_proportional']}×, "
                f"seconds {inc['seconds_vs_proportional']}×",
                "met": inc["goal_met"],
            }
        )
    if "memory" in result:
        mem = result["memory"]
        rows.append(
            {
                "goal": "peak memory grows < 20 % from 1M to 5M activities",
                "figure": " → ".join(f"{p['peak_rss_mb']:,.0f} MB" for p in mem["points"])
                + f" ({mem['growth']:+.1%})",
                "met": mem["goal_met"],
            }
        )
    rows.append({"goal": "core + marts rebuild ≤ 3× a bare scan", "figure": "bench/marts.py", "met": None})
    if "dagster_overhead" in result:
        dag = result["dagster_overhead"]
        rows.append(
            {
                "goal": "Dagster's fixed overhead < 2 s",
                "figure": f"{dag['overhead_net_seconds']} s ({dag['overhead_seconds']} s before the "
                "steps only the run does)",
                "met": dag["goal_met"],
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="full syncs of each engine, alternating")
    parser.add_argument("--memory-activities", type=int, nargs="*", default=[5_000_000])
    parser.add_argument("--dagster-activities", type=int, default=4_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=BENCHMARKS)
    parser.add_argument("--quick", action="store_true", help="20,000 activities, one run each")
    parser.add_argument("--save", type=Path, help="also write the JSON document here, after each benchmark")
    args = parser.parse_args()
    if args.quick:
        args.activities, args.repeats, args.memory_activities = 20_000, 1, [50_000]
    result: dict[str, Any] = {"machine": machine()}

    def save() -> None:
        if args.save:
            args.save.write_text(json.dumps(result, default=str, indent=1), encoding="utf-8")

    with (
        SandboxProcess(OrgSize(args.activities)) as box,
        tempfile.TemporaryDirectory(prefix="barometer-bench-") as tmp,
    ):
        result["activities"] = box.call("summary") | {"sandbox_setup_seconds": box.setup_seconds}
        full = full_sync_vs_dlt.full_syncs(box, Path(tmp), repeats=args.repeats)
        result["full_sync_vs_dlt"] = full
        full_sync_vs_dlt.print_report(full)
        save()
        if "incremental" not in args.skip:
            baseline = full["barometer_full_sync"]
            result["incremental"] = incremental.incremental(
                box, Path(tmp) / "barometer.duckdb", baseline, share=0.01
            )
            incremental.print_report(result["incremental"])
            save()
    if "memory" not in args.skip:
        first = {
            "activities": result["activities"]["activities"],
            "activities_by_kind": result["activities"]["activities_by_kind"],
            "records": full["records"],
            "seconds": median(full["throughput"]["barometer_seconds"]),
            "peak_rss_mb": median(full["throughput"]["barometer_peak_rss_mb"]),
        }
        points = [first, *(memory.full_sync_memory(n) for n in args.memory_activities)]
        result["memory"] = memory.growth(points)
        memory.print_report(result["memory"])
        save()
    if "dagster" not in args.skip:
        with (
            SandboxProcess(OrgSize(args.dagster_activities, days=90)) as box,
            tempfile.TemporaryDirectory(prefix="barometer-bench-") as tmp,
        ):
            result["dagster_overhead"] = dagster_overhead.overhead(box, Path(tmp), repeats=args.repeats)
        dagster_overhead.print_report(result["dagster_overhead"])
    result["goals"] = goals(result)
    save()
    print("\nGoals")
    for row in result["goals"]:
        met = {True: "met", False: "MISSED", None: "see Marts rebuild"}[row["met"]]
        print(f"  {met:<18}{row['goal']}: {row['figure']}")
    print(json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main()

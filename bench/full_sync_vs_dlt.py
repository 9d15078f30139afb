"""Full sync of both CRMs from the sandbox into DuckDB: Barometer (connectors + loader) against dlt's
REST API source (bench/dlt_peer.py), side by side in one run, and Barometer's API calls per stream
against the minimum the page sizes allow (bench/api_calls.py).

    .venv/bin/python bench/full_sync_vs_dlt.py [--activities 1000000] [--repeats 3] [--quick]

The sandbox serves from its own process, with HubSpot's rate limits raised (for both: dlt has no
client-side limiter, Barometer's is raised through HUBSPOT_REQUESTS_PER_10S). Each sync runs in a fresh
process into an empty DuckDB file; the runs alternate Barometer, dlt, Barometer, dlt, … and the
medians are compared. Both must land exactly the records the sandbox holds, stream by stream.
Throughput counts each stream's own records (child rows such as associations are extra work for
both). Prints tables and one JSON line.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

from api_calls import itemise, summarise
from harness import (
    OrgSize,
    SandboxProcess,
    alternate,
    emit,
    machine,
    median,
    print_table,
    run_worker,
    worker_env,
)

QUICK_ACTIVITIES = 20_000


class CountMismatch(AssertionError):
    """A sync did not land exactly the records the sandbox holds."""


def check_landed(engine: str, landed: dict[str, int], expected: dict[str, int]) -> None:
    wrong = {s: (landed.get(s), n) for s, n in expected.items() if landed.get(s) != n}
    if wrong:
        detail = ", ".join(f"{s}: {got} landed, {n} in the sandbox" for s, (got, n) in wrong.items())
        raise CountMismatch(f"{engine} full sync: {detail}")


def full_syncs(box: SandboxProcess, workdir: Path, *, repeats: int) -> dict[str, Any]:
    """Alternating full syncs; keeps the last Barometer warehouse (workdir/barometer.duckdb) for the
    incremental benchmark and deletes the rest as it goes."""
    expected = box.call("records")
    archived = box.call("archived")
    env = worker_env()
    keep = workdir / "barometer.duckdb"

    def barometer(n: int) -> dict[str, Any]:
        keep.unlink(missing_ok=True)
        result = run_worker(
            ["bench/sync_worker.py", "barometer", "--control", box.control, "--warehouse", str(keep)], env=env
        )
        check_landed("barometer", result["landed"], expected)
        return result

    def dlt(n: int) -> dict[str, Any]:
        target = workdir / f"dlt-{n}"
        try:
            result = run_worker(
                ["bench/sync_worker.py", "dlt", "--control", box.control, "--workdir", str(target)], env=env
            )
        finally:
            shutil.rmtree(target, ignore_errors=True)
        check_landed("dlt", result["landed"], expected)
        return result

    barometer_runs, dlt_runs = alternate(repeats, barometer, dlt)
    records = sum(expected.values())
    b_seconds = median(r["seconds"] for r in barometer_runs)
    d_seconds = median(r["seconds"] for r in dlt_runs)
    last = barometer_runs[-1]
    calls = {
        name: itemise(name, s["records"], s["endpoints"], archived=archived.get(name, 0))
        for name, s in last["streams"].items()
    }
    return {
        "records": records,
        "records_by_stream": expected,
        "archived_by_stream": archived,
        "counts_match": True,  # check_landed raised otherwise
        "landed": {"barometer": last["landed"], "dlt": dlt_runs[-1]["landed"]},
        "throughput": {
            "barometer_seconds": [r["seconds"] for r in barometer_runs],
            "dlt_seconds": [r["seconds"] for r in dlt_runs],
            "barometer_wall_seconds": [r["wall_seconds"] for r in barometer_runs],
            "dlt_wall_seconds": [r["wall_seconds"] for r in dlt_runs],
            "dlt_seconds_by_crm": [r["seconds_by_crm"] for r in dlt_runs],
            "barometer_records_per_second": round(records / b_seconds),
            "dlt_records_per_second": round(records / d_seconds),
            "ratio": round(d_seconds / b_seconds, 2),
            "goal": 3.0,
            "goal_met": d_seconds / b_seconds >= 3.0,
            "barometer_api_calls": last["api_calls"],
            "dlt_api_calls": dlt_runs[-1]["api_calls"],
            "dlt_endpoints": dlt_runs[-1]["endpoints"],
            "barometer_peak_rss_mb": [r["peak_rss_mb"] for r in barometer_runs],
            "dlt_peak_rss_mb": [r["peak_rss_mb"] for r in dlt_runs],
        },
        "api_calls": {"streams": calls, "total": summarise(calls)},
        "barometer_full_sync": {k: v for k, v in last.items() if k != "landed"},
    }


def print_report(result: dict[str, Any]) -> None:
    t = result["throughput"]
    rows = [
        {
            "run": f"{engine} #{n + 1}",
            "seconds": s,
            "records/s": round(result["records"] / s),
            "peak RSS MB": m,
        }
        for engine in ("barometer", "dlt")
        for n, (s, m) in enumerate(zip(t[f"{engine}_seconds"], t[f"{engine}_peak_rss_mb"], strict=True))
    ]
    print_table(
        f"Full sync, {result['records']:,} records (median seconds dlt / Barometer {t['ratio']}×, goal ≥ 3)",
        rows,
        ["run", "seconds", "records/s", "peak RSS MB"],
    )
    streams = result["api_calls"]["streams"]
    print_table(
        "Barometer API calls per stream (record calls against the minimum; child and fixed calls apart)",
        [
            {
                "stream": name,
                "records": c["records"],
                "record calls": c["record_calls"],
                "minimum": c["minimum"],
                "over": f"{c['over_minimum']:.1%}",
                "child calls": sum(c["child_calls"].values()),
                "child min": c["child_minimum"],
                "fixed": sum(c["fixed_calls"].values()),
            }
            for name, c in streams.items()
        ],
        ["stream", "records", "record calls", "minimum", "over", "child calls", "child min", "fixed"],
    )
    total = result["api_calls"]["total"]
    print(f"fixed calls: {total['fixed_calls']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each, alternating")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ACTIVITIES:,} activities, one run each")
    args = parser.parse_args()
    size = OrgSize(QUICK_ACTIVITIES if args.quick else args.activities)
    repeats = 1 if args.quick else args.repeats
    with SandboxProcess(size) as box, tempfile.TemporaryDirectory(prefix="barometer-bench-") as tmp:
        result = {
            "machine": machine(),
            "activities": box.call("summary"),
            "sandbox_setup_seconds": box.setup_seconds,
        }
        result |= full_syncs(box, Path(tmp), repeats=repeats)
    print_report(result)
    emit(result)


if __name__ == "__main__":
    main()

"""Peak memory of a Barometer full sync at growing org sizes: the peak RSS of the sync process alone
(bench/sync_worker.py; the sandbox generates and serves from its own process).

    .venv/bin/python bench/memory.py [--activities 1000000 5000000] [--quick]

Activities are calls, meetings, e-mails and tasks of both CRMs (harness.OrgSize; the sandbox counts
what it made, by kind). Goal: the peak grows by less than 20 % from the first size to the last. The
5,000,000-activity sandbox needs several GB and its sync several minutes: run it on a quiet machine.
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

from harness import OrgSize, SandboxProcess, emit, machine, print_table, run_worker, worker_env

QUICK_SIZES = (5_000, 20_000)


def full_sync_memory(activities: int) -> dict[str, Any]:
    """One full sync of an org of `activities` into an empty warehouse, in a fresh process."""
    with (
        SandboxProcess(OrgSize(activities)) as box,
        tempfile.TemporaryDirectory(prefix="barometer-bench-") as tmp,
    ):
        warehouse = Path(tmp) / "barometer.duckdb"
        args = ["bench/sync_worker.py", "barometer", "--control", box.control, "--warehouse", str(warehouse)]
        run = run_worker(args, env=worker_env())
        summary = box.call("summary")
        return {
            "activities": summary["activities"],
            "activities_by_kind": summary["activities_by_kind"],
            "records": run["records"],
            "seconds": run["seconds"],
            "peak_rss_mb": run["peak_rss_mb"],
            "warehouse_mb": round(warehouse.stat().st_size / 2**20, 1),
            "sandbox_setup_seconds": box.setup_seconds,
        }


def growth(points: list[dict[str, Any]]) -> dict[str, Any]:
    first, last = points[0], points[-1]
    grown = last["peak_rss_mb"] / first["peak_rss_mb"] - 1
    return {"points": points, "growth": round(grown, 4), "goal": 0.2, "goal_met": grown < 0.2}


def print_report(result: dict[str, Any]) -> None:
    print_table(
        f"Peak RSS of a full sync (growth {result['growth']:.1%}, goal < 20%)",
        result["points"],
        ["activities", "records", "seconds", "peak_rss_mb", "warehouse_mb"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}")
    args = parser.parse_args()
    sizes = QUICK_SIZES if args.quick else args.activities
    result = {"machine": machine(), **growth([full_sync_memory(n) for n in sizes])}
    print_report(result)
    emit(result)


if __name__ == "__main__":
    main()

"""An incremental sync after 1 % of the records changed, against the full sync before it.

    .venv/bin/python bench/incremental.py [--activities 1000000] [--share 0.01] [--quick]

After a full sync (bench/sync_worker.py, Barometer), three runs on the same warehouse, each in a fresh
process: (1) an incremental sync with nothing changed, which measures what an incremental run costs
whatever the change (logins, describes, the archived listings, the 5-minute overlap); then the
sandbox's random changes (Mutations.random_changes: creates, updates, stage moves, owner changes,
deletes, restores, bulk touches; the sandbox clock moves 1 to 30 s before each) until `share` of the
synced records changed; (2) the incremental sync that reads them: every stream from where its loaded
data stops (minus the overlap) to the sandbox's now. Calls and seconds of (2) minus those of (1) are
the part that follows the change; proportional means at most `share` of the full sync's. Prints
tables and one JSON line.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path
from typing import Any

from harness import OrgSize, SandboxProcess, emit, machine, print_table, run_worker, worker_env

QUICK_ACTIVITIES = 20_000


def sync(box: SandboxProcess, warehouse: Path) -> dict[str, Any]:
    args = ["bench/sync_worker.py", "barometer", "--control", box.control, "--warehouse", str(warehouse)]
    return run_worker(args, env=worker_env())


def incremental(
    box: SandboxProcess, warehouse: Path, full: dict[str, Any], *, share: float
) -> dict[str, Any]:
    """The no-change and the changed incremental syncs after `full` (a Barometer full sync into
    `warehouse`)."""
    unchanged = sync(box, warehouse)
    changes = box.call("change", math.ceil(share * full["records"]))
    changed = sync(box, warehouse)
    runs = {"full": full, "no_change": unchanged, "changed": changed}
    figures = {
        name: {
            "records": r["records"],
            "api_calls": r["api_calls"],
            "seconds": r["seconds"],
            "emulator_busy_seconds": r.get("emulator_busy_seconds"),
            "wall_seconds": r["wall_seconds"],
            "peak_rss_mb": r["peak_rss_mb"],
        }
        for name, r in runs.items()
    }
    variable_calls = changed["api_calls"] - unchanged["api_calls"]
    variable_seconds = changed["seconds"] - unchanged["seconds"]
    calls_ratio = variable_calls / (share * full["api_calls"])
    seconds_ratio = variable_seconds / (share * full["seconds"])
    return {
        "share": share,
        "changes": changes,
        "runs": figures,
        "streams": {
            name: {
                "records": s["records"],
                "api_calls": s["api_calls"],
                "no_change_api_calls": unchanged["streams"][name]["api_calls"],
                "seconds": s["seconds"],
                "no_change_seconds": unchanged["streams"][name]["seconds"],
                "emulator_busy_seconds": s.get("emulator_busy_seconds"),
                "endpoints": s["endpoints"],
            }
            for name, s in changed["streams"].items()
        },
        "variable_calls": variable_calls,
        "variable_seconds": round(variable_seconds, 3),
        # 1.0 = exactly proportional: the variable part is `share` of the full sync's
        "calls_vs_proportional": round(calls_ratio, 2),
        "seconds_vs_proportional": round(seconds_ratio, 2),
        "changed_vs_full_calls": round(changed["api_calls"] / full["api_calls"], 4),
        "changed_vs_full_seconds": round(changed["seconds"] / full["seconds"], 4),
        "goal_met": calls_ratio <= 1.0 and seconds_ratio <= 1.0,
    }


def print_report(result: dict[str, Any]) -> None:
    runs = result["runs"]
    print_table(
        f"Incremental sync after {result['changes']['records_changed']:,} records changed "
        f"({result['share']:.0%} of the full sync's)",
        [{"run": name, **figures} for name, figures in runs.items()],
        ["run", "records", "api_calls", "seconds", "emulator_busy_seconds", "wall_seconds", "peak_rss_mb"],
    )
    print_table(
        "Per stream (changed run; calls and seconds of the no-change run beside)",
        [
            {
                "stream": name,
                "records": s["records"],
                "calls": s["api_calls"],
                "no-change calls": s["no_change_api_calls"],
                "seconds": s["seconds"],
                "no-change s": s["no_change_seconds"],
                "emulator s": s["emulator_busy_seconds"],
            }
            for name, s in result["streams"].items()
        ],
        ["stream", "records", "calls", "no-change calls", "seconds", "no-change s", "emulator s"],
    )
    print(
        f"variable part against proportional (1.0 = {result['share']:.0%} of the full sync): calls "
        f"{result['calls_vs_proportional']}, seconds {result['seconds_vs_proportional']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.01, help="share of the records to change")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ACTIVITIES:,} activities")
    args = parser.parse_args()
    size = OrgSize(QUICK_ACTIVITIES if args.quick else args.activities)
    with SandboxProcess(size) as box, tempfile.TemporaryDirectory(prefix="barometer-bench-") as tmp:
        warehouse = Path(tmp) / "barometer.duckdb"
        result = {"machine": machine(), "activities": box.call("summary")}
        result |= incremental(box, warehouse, sync(box, warehouse), share=args.share)
    print_report(result)
    emit(result)


if __name__ == "__main__":
    main()

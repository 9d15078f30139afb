"""`barometer sync`'s run with an in-memory Dagster instance (as `barometer demo` uses) instead of the
SQLite storage under DAGSTER_HOME: the same definitions, the same catch-up run, in this process.
Separates the cost of the instance's storage from the rest of Dagster's per-step work. Reads the same
environment as the CLI. Prints one JSON line (seconds: the run, imports excluded).

    python bench/dagster_ephemeral.py
"""

from __future__ import annotations

import time

import dagster as dg
from harness import emit, peak_rss_mb

from pipelines.definitions import build_definitions
from pipelines.runs import catch_up
from pipelines.settings import settings_from_env


def main() -> None:
    started = time.perf_counter()
    settings = settings_from_env()
    defs = build_definitions(settings)
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = catch_up(defs, instance=instance)
    if not outcome.success:
        raise SystemExit(f"the run failed: {outcome.failures}")
    emit(
        {
            "seconds": round(time.perf_counter() - started, 3),
            "run_seconds": round(outcome.seconds, 3),
            "peak_rss_mb": peak_rss_mb(),
        }
    )


if __name__ == "__main__":
    main()

"""Dagster's fixed overhead: `barometer sync` (the CLI, a real process, one Dagster run against the
instance in DAGSTER_HOME) against the same steps called directly (bench/direct_sync.py), on the same
small sandbox org, each into a fresh warehouse.

    .venv/bin/python bench/dagster_overhead.py [--activities 4000] [--repeats 3] [--postgres]

Both are measured from outside as whole processes, so interpreter start and imports are included on
both sides (Dagster's imports are part of what `barometer sync` costs). One warm-up run of each is
discarded (it creates the Dagster instance's storage, as the first run on a machine does), then they
alternate, medians of `repeats`. A third variant runs the same Dagster run with an in-memory instance
(bench/dagster_ephemeral.py), which separates the SQLite storage's share. The Dagster run does steps
the direct path does not (checks, and whatever other assets the definitions hold); their durations,
read from the run's event log, are subtracted as work rather than overhead (generously: a step's
duration includes Dagster's own per-step cost). With --postgres, a fourth variant runs `barometer sync`
on the production instance config (docs/deploy/dagster.postgres.yaml) against a throwaway local
PostgreSQL server. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import (
    RAISED,
    ROOT,
    OrgSize,
    SandboxProcess,
    alternate,
    emit,
    machine,
    median,
    print_table,
    run_process,
    run_worker,
    worker_env,
)

BAROMETER = Path(sys.executable).with_name("barometer")
RUN_SECONDS = re.compile(r" in ([0-9.]+)s \(Dagster run ")
POSTGRES_CONFIG = ROOT / "docs" / "deploy" / "dagster.postgres.yaml"
PARTITION_DAYS = 7  # BAROMETER_START_DATE this many days back (a sync's cost no longer depends on it)


def environment(
    box: SandboxProcess, workdir: Path, warehouse: Path, *, days_back: int = PARTITION_DAYS
) -> dict[str, str]:
    """The CLI's environment against the sandbox, BAROMETER_START_DATE `days_back` days back, the
    Dagster home and reporting configuration in `workdir` (see `dagster_home`)."""
    from pipelines.demo import SANDBOX_VARIABLES

    credentials = box.call("credentials")
    start = (datetime.now(UTC) - timedelta(days=days_back)).date().isoformat()
    return worker_env(
        {name: credentials[name] for name in SANDBOX_VARIABLES}
        | {
            "HUBSPOT_REQUESTS_PER_10S": str(RAISED),
            "HUBSPOT_SEARCH_REQUESTS_PER_SECOND": str(RAISED // 10),
            "BAROMETER_WAREHOUSE": str(warehouse),
            "BAROMETER_CONFIG_FILE": str(workdir / "reporting.toml"),
            "BAROMETER_START_DATE": start,
            "DAGSTER_HOME": str(workdir / "dagster_home"),
        }
    )


def checks_seconds(warehouse: Path) -> dict[str, Any]:
    """The data-quality checks' SQL (the model files' tests and checks) on a built warehouse."""
    import duckdb

    from models.sqlmodels import discover
    from pipelines.checks import model_checks

    checks = model_checks(discover())
    with duckdb.connect(str(warehouse), read_only=True) as db:
        started = time.perf_counter()
        for check in checks:
            db.sql(check.sql).fetchall()
        return {"checks": len(checks), "seconds": round(time.perf_counter() - started, 3)}


# Steps of the Dagster run that the direct path also does (extraction, config, SQL models).
EQUIVALENT_STEPS = re.compile(r"^(extract_|build_)")


def step_breakdown(home: Path) -> list[dict[str, Any]]:
    """Per `barometer sync` run in `home`, oldest first: run seconds, events, and the summed
    durations of steps with and without a direct equivalent (from the event log)."""
    import os

    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(home)
    runs = []
    with dg.DagsterInstance.get() as instance:
        for run in reversed(instance.get_runs()):
            logs = instance.all_logs(run.run_id)
            starts: dict[str, float] = {}
            steps = {"equivalent": 0.0, "extra": 0.0}
            extra: dict[str, float] = {}
            for entry in logs:
                event = entry.dagster_event
                if event is None or event.step_key is None:
                    continue
                if event.event_type_value == "STEP_START":
                    starts[event.step_key] = entry.timestamp
                elif event.event_type_value == "STEP_SUCCESS":
                    duration = entry.timestamp - starts[event.step_key]
                    if EQUIVALENT_STEPS.match(event.step_key):
                        steps["equivalent"] += duration
                    else:
                        steps["extra"] += duration
                        extra[event.step_key] = round(duration, 3)
            runs.append(
                {
                    "run_seconds": round(logs[-1].timestamp - logs[0].timestamp, 3),
                    "events": len(logs),
                    "equivalent_steps_seconds": round(steps["equivalent"], 3),
                    "extra_steps_seconds": round(steps["extra"], 3),
                    "extra_steps": extra,
                }
            )
    return runs


@contextlib.contextmanager
def postgres_storage() -> Iterator[dict[str, str]]:
    """A throwaway PostgreSQL server (the tests' tests/pipelines/postgres_server.py) with a database
    and a login for Dagster, as an operator would set up: the DAGSTER_PG_* variables for it."""
    sys.path.insert(0, str(ROOT / "tests" / "pipelines"))
    from postgres_server import postgres_server

    with postgres_server() as server:
        password = secrets.token_urlsafe(16)
        with server.connect() as admin:
            admin.execute(f"create role dagster login password '{password}'")
            admin.execute("create database dagster owner dagster")
        yield {
            "DAGSTER_PG_HOST": server.host,
            "DAGSTER_PG_PORT": str(server.port),
            "DAGSTER_PG_DB": "dagster",
            "DAGSTER_PG_USERNAME": "dagster",
            "DAGSTER_PG_PASSWORD": password,
        }


def dagster_home(workdir: Path) -> Path:
    """`workdir/dagster_home` with the repository's dagster.yaml, and the sandbox's reporting
    configuration beside it: what `environment` points the CLI at."""
    from pipelines.demo import sandbox_reporting_toml

    home = workdir / "dagster_home"
    home.mkdir(parents=True)
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    (workdir / "reporting.toml").write_text(sandbox_reporting_toml(), encoding="utf-8")
    return home


def overhead(
    box: SandboxProcess, workdir: Path, *, repeats: int, postgres: Mapping[str, str] | None = None
) -> dict[str, Any]:
    home = dagster_home(workdir)
    if postgres is not None:  # the production instance: docs/deploy/dagster.postgres.yaml
        postgres_home = workdir / "postgres_home"
        postgres_home.mkdir()
        shutil.copy(POSTGRES_CONFIG, postgres_home / "dagster.yaml")

    def cli(n: int) -> dict[str, Any]:
        warehouse = workdir / f"cli-{n}.duckdb"
        done = run_process([str(BAROMETER), "sync"], env=environment(box, workdir, warehouse))
        found = RUN_SECONDS.search(done.stdout)
        if found is None or ", 0 failed" not in done.stdout:
            raise RuntimeError(f"barometer sync did not report a clean run:\n{done.stdout}")
        warehouse.unlink()
        return {"wall_seconds": round(done.wall_seconds, 3), "inside_seconds": float(found.group(1))}

    def cli_postgres(n: int) -> dict[str, Any]:
        warehouse = workdir / f"cli-postgres-{n}.duckdb"
        env = environment(box, workdir, warehouse) | dict(postgres or {})
        env["DAGSTER_HOME"] = str(postgres_home)
        done = run_process([str(BAROMETER), "sync"], env=env)
        found = RUN_SECONDS.search(done.stdout)
        if found is None or ", 0 failed" not in done.stdout:
            raise RuntimeError(f"barometer sync on PostgreSQL did not report a clean run:\n{done.stdout}")
        warehouse.unlink()
        return {"wall_seconds": round(done.wall_seconds, 3), "inside_seconds": float(found.group(1))}

    def direct(n: int) -> dict[str, Any]:
        warehouse = workdir / f"direct-{n}.duckdb"
        run = run_worker(["bench/direct_sync.py"], env=environment(box, workdir, warehouse))
        if n < repeats - 1:
            warehouse.unlink()
        return {"wall_seconds": run["wall_seconds"], "inside_seconds": run["seconds"], "rows": run["rows"]}

    def ephemeral(n: int) -> dict[str, Any]:
        warehouse = workdir / f"ephemeral-{n}.duckdb"
        run = run_worker(["bench/dagster_ephemeral.py"], env=environment(box, workdir, warehouse))
        warehouse.unlink()
        return {"wall_seconds": run["wall_seconds"], "inside_seconds": run["seconds"]}

    variants = {"cli": cli, "direct": direct, "ephemeral": ephemeral}
    if postgres is not None:
        variants["cli_postgres"] = cli_postgres
    warm_up = {name: run(-1) for name, run in variants.items()}
    runs = dict(zip(variants, alternate(repeats, *variants.values()), strict=True))
    cli_runs, direct_runs, ephemeral_runs = runs["cli"], runs["direct"], runs["ephemeral"]
    for run, steps in zip(cli_runs, step_breakdown(home)[1:], strict=True):  # [0]: the warm-up
        run |= steps
    checks = checks_seconds(workdir / f"direct-{repeats - 1}.duckdb")
    cli_wall = median(r["wall_seconds"] for r in cli_runs)
    direct_wall = median(r["wall_seconds"] for r in direct_runs)
    difference = cli_wall - direct_wall
    extra = median(r["extra_steps_seconds"] for r in cli_runs)
    postgres_result: dict[str, Any] = {}
    if postgres is not None:
        postgres_wall = median(r["wall_seconds"] for r in runs["cli_postgres"])
        postgres_result = {
            "cli_postgres": runs["cli_postgres"],
            "cli_postgres_wall_seconds": postgres_wall,
            "overhead_postgres_net_seconds": round(postgres_wall - direct_wall - extra, 3),
        }
    return {
        "activities": box.call("summary"),
        "warm_up": warm_up,
        "cli": cli_runs,
        "direct": direct_runs,
        "ephemeral": ephemeral_runs,
        **postgres_result,
        "cli_wall_seconds": cli_wall,
        "direct_wall_seconds": direct_wall,
        "ephemeral_wall_seconds": median(r["wall_seconds"] for r in ephemeral_runs),
        "overhead_seconds": round(difference, 3),
        "overhead_inside_seconds": round(
            median(r["inside_seconds"] for r in cli_runs) - median(r["inside_seconds"] for r in direct_runs),
            3,
        ),
        "checks_sql": checks,
        "extra_steps_seconds": extra,
        "overhead_net_seconds": round(difference - extra, 3),
        "goal_seconds": 2.0,
        "goal_met": difference - extra < 2.0,
    }


def print_report(result: dict[str, Any]) -> None:
    rows = [
        {"run": f"{name} #{n + 1}", "wall s (process)": r["wall_seconds"], "inside s": r["inside_seconds"]}
        for name in ("cli", "direct", "ephemeral", "cli_postgres")
        for n, r in enumerate(result.get(name, []))
    ]
    print_table(
        f"barometer sync vs the same steps called directly: {result['overhead_seconds']} s more, "
        f"{result['overhead_net_seconds']} s net of the steps only the run does (goal < 2 s)",
        rows,
        ["run", "wall s (process)", "inside s"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=4_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one run each after the warm-up")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="also `barometer sync` on PostgreSQL storage (docs/deploy/dagster.postgres.yaml, a "
        "throwaway local server; needs the PostgreSQL server binaries)",
    )
    args = parser.parse_args()
    with (
        SandboxProcess(OrgSize(args.activities, days=90)) as box,
        tempfile.TemporaryDirectory(prefix="barometer-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        postgres = stack.enter_context(postgres_storage()) if args.postgres else None
        repeats = 1 if args.quick else args.repeats
        result = {"machine": machine()} | overhead(box, Path(tmp), repeats=repeats, postgres=postgres)
    print_report(result)
    emit(result)


if __name__ == "__main__":
    main()

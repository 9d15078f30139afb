"""Crash trials: a sync killed (SIGKILL) at a random point reruns to the uninterrupted result. Shared by
test_reliability_crashes_extract.py (the 12 kills during the extraction) and
test_reliability_crashes_build.py (the 8 kills during the configuration and model builds, and
`barometer sync` itself killed): two files, so parallel test workers run them side by side.

- 20 trials: the sync's writes (every stream's extraction and merges, the reporting configuration, every
  core, intermediate and mart model, as `barometer sync`'s assets make them, without Dagster around
  them: reliability_cli_worker.warehouse_sync) in a real process of its own, killed at a seeded random
  point of a clean run's measured length, then rerun the same way. Each rerun completes and equals the
  uninterrupted run table for table (raw, core, marts): no duplicate keys, no missing rows, a DuckDB
  file that opens, the interrupted extraction recorded as failed.
"""

import contextlib
import os
import random
import shutil
import signal
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from pipeline_helpers import sandbox_variables
from reliability_cli_worker import CliWorker
from reliability_pipeline import (
    SETTINGS,
    differences,
    duplicate_keys,
    small_org,
)

from models.sync import ABANDONED
from pipelines.demo import CLEARED_PREFIXES, sandbox_reporting_toml
from sandbox.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 20
EXTRACTION_KILLS = 12  # kill_points: the first 12 are in the extraction, the other 8 after it
RNG_SEED = 20_260_504
RUN_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def crash_box():
    with Sandbox(SandboxConfig(org=small_org(seed=47))) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def crash_cli(crash_box, tmp_path_factory):
    """A warm `barometer` against the sandbox, with one DAGSTER_HOME (the repository's dagster.yaml)."""
    root = tmp_path_factory.mktemp("crashes")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    (root / "reporting.toml").write_text(sandbox_reporting_toml(), encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith(CLEARED_PREFIXES)}
    env |= sandbox_variables(
        crash_box,
        DAGSTER_HOME=str(home),
        BAROMETER_START_DATE=SETTINGS.start_date.isoformat(),
        BAROMETER_CONFIG_FILE=str(root / "reporting.toml"),
    )
    worker = CliWorker(env)
    try:
        yield worker, root, home
    finally:
        worker.close()


def start(worker: CliWorker, command: str, warehouse: Path, log: Path) -> int:
    return worker.start([command], env={"BAROMETER_WAREHOUSE": str(warehouse)}, log=log)


@pytest.fixture(scope="module")
def crash_reference(crash_cli):
    """The uninterrupted run's warehouse, and how long it took."""
    worker, root, _ = crash_cli
    warehouse, log = root / "reference.duckdb", root / "reference.log"
    started = time.perf_counter()
    pid = start(worker, "warehouse-sync", warehouse, log)
    assert worker.wait(pid, timeout=RUN_TIMEOUT) == 0, log.read_text()
    return warehouse, time.perf_counter() - started


def check_rerun(reference: Path, warehouse: Path, interrupted: set[str], what: str) -> None:
    """Equal to the uninterrupted run, keys unique, nothing left 'running', the interrupted extraction
    recorded as failed."""
    assert differences(reference, warehouse) == {}, what
    assert duplicate_keys(warehouse) == {}, what
    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute("select run_id, status, error from raw_meta.sync_runs").fetchall()
    runs = {run_id: (status, error) for run_id, status, error in rows}
    assert "running" not in {status for status, _ in runs.values()}, what
    for run_id in interrupted:
        assert runs[run_id] == ("failed", ABANDONED), what


def wait_for_line(log: Path, marker: str, *, timeout: float = RUN_TIMEOUT, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while marker not in (log.read_text(encoding="utf-8") if log.exists() else ""):
        assert time.monotonic() < deadline, f"no {marker!r} in {log} after {timeout:.0f}s"
        time.sleep(poll)


def steps(log: Path) -> list[tuple[float | None, str]]:
    """The progress lines of a run's output ("[seconds ]▶ <step>"), with their time when given."""
    found = []
    for line in log.read_text(encoding="utf-8").splitlines():
        if "▶ " in line:
            at, _, step = line.partition("▶ ")
            found.append((float(at) if at.strip() else None, step.strip()))
    return found


def step_at_kill(log: Path) -> str:
    """The step the killed run was in."""
    found = steps(log)
    return found[-1][1] if found else "(start)"


def kill_points(clean_log: Path, rng: random.Random) -> list[tuple[str, float]]:
    """TRIALS points to kill a run at, as (the step it has begun, seconds into that phase), spread over
    the phases of the clean run as it measured them: the extraction (12 kills: pages merged and committed
    one by one), the reporting configuration (2: one transaction) and the model builds (6: a transaction
    per table). Counting from the phase's start keeps the kills in their phase on a slower machine."""
    at = {step.split(" ")[0]: (seconds, step) for seconds, step in reversed(steps(clean_log))}  # first
    phases = [("extract", "reporting", 12), ("reporting", "build", 2), ("build", "done", 6)]
    return [
        (at[phase][1], rng.uniform(0, at[until][0] - at[phase][0]))
        for phase, until, kills in phases
        for _ in range(kills)
    ]


def running_extractions(warehouse: Path) -> set[str]:
    """sync_runs still 'running': the extraction the kill interrupted, if any (the WAL is replayed)."""
    if not warehouse.exists():
        return set()
    with duckdb.connect(str(warehouse), read_only=True) as db:
        if not db.execute(
            "select count(*) from duckdb_tables() where schema_name = 'raw_meta' and table_name = 'sync_runs'"
        ).fetchone()[0]:
            return set()
        rows = db.execute("select run_id from raw_meta.sync_runs where status = 'running'").fetchall()
        return {run_id for (run_id,) in rows}


def killed(worker: CliWorker, warehouse: Path, log: Path, step: str, seconds: float) -> bool:
    """Start a sync and SIGKILL it `seconds` after it begins `step`; False if it had ended by then."""
    pid = start(worker, "warehouse-sync", warehouse, log)
    wait_for_line(log, f"▶ {step}", poll=0.005)
    time.sleep(seconds)
    with contextlib.suppress(ProcessLookupError):  # ended (and reaped by the worker) before the kill
        os.kill(pid, signal.SIGKILL)
    code = worker.wait(pid, timeout=30)
    assert code in (0, -signal.SIGKILL), log.read_text()
    return code == -signal.SIGKILL


def planned_kills(reference_log: Path) -> list[tuple[int, str, float]]:
    """The TRIALS kills as (trial number, step, seconds into it), from the clean run's log, seeded."""
    return [
        (trial, *point) for trial, point in enumerate(kill_points(reference_log, random.Random(RNG_SEED)))
    ]


def run_trials(cli, reference, kills: list[tuple[int, str, float]]) -> Counter:
    """Kill a sync at each of `kills`, rerun it and compare it with the clean run; the phases the kills
    landed in, counted."""
    worker, root, _ = cli
    clean, clean_seconds = reference
    landed: list[tuple[float, str]] = []
    interrupted_extractions, rerun_seconds = 0, []
    started = time.perf_counter()
    for trial, step, seconds in kills:
        warehouse, log = root / f"trial{trial}.duckdb", root / f"trial{trial}-killed.log"
        while not killed(worker, warehouse, log, step, seconds):  # it was faster: kill it sooner
            warehouse.unlink()
            seconds /= 2
        landed.append((seconds, step_at_kill(log)))
        interrupted = running_extractions(warehouse)
        interrupted_extractions += len(interrupted)

        began = time.perf_counter()
        rerun = root / f"trial{trial}-rerun.log"
        pid = start(worker, "warehouse-sync", warehouse, rerun)
        assert worker.wait(pid, timeout=RUN_TIMEOUT) == 0, rerun.read_text()
        rerun_seconds.append(time.perf_counter() - began)
        check_rerun(clean, warehouse, interrupted, f"trial {trial}, killed at {landed[-1]}")

    phases = Counter(step.split(" ")[0] for _, step in landed)
    print(
        f"\nclean run {clean_seconds:.1f}s; {len(landed)} kills, seconds into their phase: "
        f"{[round(at, 2) for at, _ in landed]}, "
        f"in {dict(phases)}; {interrupted_extractions} extractions left running, closed as failed; "
        f"reruns {min(rerun_seconds):.1f}-{max(rerun_seconds):.1f}s; "
        f"trials {time.perf_counter() - started:.0f}s"
    )
    assert len(landed) == len(kills)
    return phases

"""Concurrency: a daily `barometer sync` and a `barometer backfill` started at the same moment, as two
real processes on one warehouse and one DAGSTER_HOME. The second to reach the warehouse waits for the
first (the `<warehouse>.lock` of pipelines.runs.warehouse_turn), says so, then runs: both complete in
turn, no DuckDB lock error, and the warehouse equals a clean run's, keys unique."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from pipeline_helpers import sandbox_variables
from reliability_pipeline import (
    MIDNIGHT,
    SETTINGS,
    differences,
    duplicate_keys,
    run_pipeline,
    small_org,
)

from pipelines.demo import CLEARED_PREFIXES, sandbox_reporting_toml
from sandbox.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]
BAROMETER = Path(sys.executable).with_name("barometer")
COMMANDS = {
    "sync": ["sync"],
    "backfill": [
        "backfill",
        "--start",
        SETTINGS.start_date.isoformat(),
        "--end",
        MIDNIGHT.date().isoformat(),
    ],
}


@pytest.mark.slow
def test_a_sync_and_a_backfill_started_together_run_in_turn(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    reporting_file = tmp_path / "reporting.toml"
    reporting_file.write_text(sandbox_reporting_toml(), encoding="utf-8")
    warehouse = tmp_path / "warehouse.duckdb"
    with Sandbox(SandboxConfig(org=small_org(seed=53))) as box:
        env = {name: value for name, value in os.environ.items() if not name.startswith(CLEARED_PREFIXES)}
        env |= sandbox_variables(
            box,
            DAGSTER_HOME=str(home),
            BAROMETER_WAREHOUSE=str(warehouse),
            BAROMETER_START_DATE=SETTINGS.start_date.isoformat(),
            BAROMETER_CONFIG_FILE=str(reporting_file),
        )
        processes = {
            name: subprocess.Popen(
                [str(BAROMETER), *args],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            for name, args in COMMANDS.items()
        }
        try:
            outputs = {name: process.communicate(timeout=240) for name, process in processes.items()}
        finally:
            for process in processes.values():
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        with dg.DagsterInstance.ephemeral() as instance:
            clean = tmp_path / "clean.duckdb"
            assert run_pipeline(box, clean, reporting_file, instance).success

    for name, process in processes.items():
        stdout, stderr = outputs[name]
        assert process.returncode == 0, f"{name}:\n{stdout}\n{stderr}"
        assert "Traceback" not in stderr
        assert "lock" not in (stdout + stderr).lower().replace(".lock", "")
    waited = [
        name for name, (_, stderr) in outputs.items() if "Waiting: another barometer command (pid" in stderr
    ]
    assert len(waited) == 1, outputs
    assert f"is writing {warehouse}; this one starts when it ends" in outputs[waited[0]][1]

    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_run_records()
    assert len(records) == 2
    assert {record.dagster_run.status for record in records} == {dg.DagsterRunStatus.SUCCESS}
    first, second = sorted(records, key=lambda record: record.start_time)
    assert first.end_time <= second.start_time  # whole runs in turn, not interleaved steps
    t0 = first.start_time
    print(
        f"\n{waited[0]} waited; runs at {0:.1f}-{first.end_time - t0:.1f}s and "
        f"{second.start_time - t0:.1f}-{second.end_time - t0:.1f}s"
    )
    assert differences(clean, warehouse) == {}
    assert duplicate_keys(warehouse) == {}

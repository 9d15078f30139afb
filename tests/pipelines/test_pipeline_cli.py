"""The barometer CLI: `demo` from a fresh checkout as a subprocess, `sync` and `backfill` in-process
against the sandbox and a Dagster instance under DAGSTER_HOME, clear failures, and a `sync` in a fresh
interpreter that never imports the sandbox package."""

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from pipeline_helpers import expected_core_counts, sandbox_environment, sandbox_variables, table_counts

from pipelines.cli import main
from pipelines.demo import sandbox_reporting_toml
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

ROOT = Path(__file__).resolve().parents[2]
BAROMETER = Path(sys.executable).with_name("barometer")
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
CORE = ("core.reps", "core.activities", "core.deals", "core.deal_stage_history", "core.contacts")
# `barometer sync --help` and `barometer sync` as a user runs them, then the sandbox modules they loaded.
SYNC_IN_A_FRESH_INTERPRETER = """
import json, sys
from click.testing import CliRunner
import pipelines.definitions
from pipelines.cli import main
runner = CliRunner()
results = {args: runner.invoke(main, args.split()) for args in ("sync --help", "sync")}
print(json.dumps({
    "exit_codes": {args: result.exit_code for args, result in results.items()},
    "output": results["sync"].output,
    "sandbox_modules": sorted(m for m in sys.modules if m == "sandbox" or m.startswith("sandbox.")),
}))
"""


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SALESFORCE_", "HUBSPOT_", "BAROMETER_", "DAGSTER_", "REQUESTS_CA_BUNDLE"))
    }
    return env | extra


def test_demo_builds_a_fresh_warehouse_matching_the_generated_org(tmp_path):
    warehouse = tmp_path / "demo" / "warehouse.duckdb"
    end = TODAY.date().isoformat()
    result = subprocess.run(
        [str(BAROMETER), "demo", "--activities", "3000", "--days", "45", "--end", end],
        cwd=tmp_path,
        env=clean_env(BAROMETER_WAREHOUSE=str(warehouse)),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Demo: the sandbox org synced and built" in result.stdout
    assert ", 0 failed" in result.stdout
    assert f"Warehouse: {warehouse}" in result.stdout
    assert f"Scorecard: {warehouse.with_name('warehouse-scorecard.html')}" in result.stdout
    assert "▶ extract_salesforce_streams" in result.stderr  # progress, step by step …
    assert "salesforce.task: extracting" in result.stderr  # … and stream by stream
    org = OrgConfig(seed=42, reps=24, teams=3, days=45, end=TODAY, activities=3000)
    with Sandbox(SandboxConfig(org=org)) as box:
        expected = expected_core_counts(box)
    counts = table_counts(warehouse, CORE)
    for table, rows in expected.items():
        assert counts[table] == rows, table
        assert f"{table:<28}{rows:>10,} rows" in result.stdout
    # the demo's invented revenue targets: every active rep with an e-mail has one this week, so the
    # scorecard shows their magic number
    active = {(r.salesforce_email or r.hubspot_email or "").lower() for r in box.summary.reps if r.is_active}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        targeted = con.sql(
            "select reps.email from marts.rep_weekly_scorecard as s join core.reps as reps using (rep_id) "
            "where s.week_start = date_trunc('week', cast(s.as_of as date)) and s.revenue_target > 0"
        ).fetchall()
    assert {email for (email,) in targeted} == active - {""}


def test_demo_refuses_to_overwrite_a_named_warehouse_without_replace(tmp_path):
    warehouse = tmp_path / "precious.duckdb"
    warehouse.write_bytes(b"not yours")
    result = CliRunner().invoke(main, ["demo"], env=clean_env(BAROMETER_WAREHOUSE=str(warehouse)))
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert "--replace" in result.output
    assert warehouse.read_bytes() == b"not yours"


def test_sync_without_any_crm_says_what_to_set(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("SALESFORCE_", "HUBSPOT_")):
            monkeypatch.delenv(name)
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 1
    assert "no CRM is configured" in result.output
    assert "HUBSPOT_ACCESS_TOKEN" in result.output
    assert "barometer demo" in result.output


@pytest.mark.parametrize(
    ("variables", "complaint"),
    [
        ({"SALESFORCE_USERNAME": "rep@example.com"}, "Salesforce is configured partially"),
        (
            {"HUBSPOT_ACCESS_TOKEN": "pat-na1-x", "HUBSPOT_BACKOFF_SECONDS": "soon"},
            "HUBSPOT_BACKOFF_SECONDS='soon' is not a number",
        ),
    ],
    ids=["salesforce", "hubspot"],
)
def test_sync_with_a_crm_misconfigured_says_what_to_fix(monkeypatch, variables, complaint):
    for name in list(os.environ):
        if name.startswith(("SALESFORCE_", "HUBSPOT_")):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["sync"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: barometer sync: ")
    assert complaint in result.output
    assert "Traceback" not in result.output


def test_backfill_before_the_start_date_is_refused(monkeypatch):
    monkeypatch.setenv("BAROMETER_START_DATE", "2026-01-01")
    result = CliRunner().invoke(main, ["backfill", "--start", "2025-12-01", "--end", "2026-01-10"])
    assert result.exit_code == 1
    assert "--start 2025-12-01 is not a day from 2026-01-01 (BAROMETER_START_DATE)" in result.output


@pytest.fixture(scope="module")
def box():
    org = OrgConfig(seed=13, reps=6, teams=2, days=30, end=TODAY - timedelta(days=1), activities=1_000)
    with Sandbox(SandboxConfig(org=org)) as sandbox:
        yield sandbox


def test_sync_and_backfill_run_against_the_dagster_home_instance_and_fail_clearly(box, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    warehouse = tmp_path / "warehouse.duckdb"
    start = (TODAY - timedelta(days=2)).date().isoformat()
    env = {"DAGSTER_HOME": str(home), "BAROMETER_WAREHOUSE": str(warehouse), "BAROMETER_START_DATE": start}
    config = tmp_path / "reporting.toml"
    config.write_text(sandbox_reporting_toml())
    runner = CliRunner()
    with sandbox_environment(box, **env, BAROMETER_CONFIG_FILE=str(config)):
        synced = runner.invoke(main, ["sync"])
        assert synced.exit_code == 0, synced.output
        # a fresh warehouse: every stream from the start of history (before BAROMETER_START_DATE)
        assert f"Synced 2000-01-01 … {datetime.now(UTC).date().isoformat()}" in synced.output
        assert "raw: " in synced.output
        activities = table_counts(warehouse, ["core.activities"])["core.activities"]
        assert activities == expected_core_counts(box)["core.activities"]  # calls, meetings and follow-ups
        assert re.search(r"checks: \d+ passed, 0 failed", synced.output), synced.output

    with sandbox_environment(box, **env, HUBSPOT_ACCESS_TOKEN="pat-na1-revoked"):
        failed = runner.invoke(main, ["backfill", "--start", start, "--end", start])
    assert failed.exit_code == 1
    assert f"Backfilled {start} … {start} failed (Dagster run" in failed.output
    assert "hubspot.calls" in failed.output
    assert "HUBSPOT_ACCESS_TOKEN" in failed.output
    assert "run the same backfill again" in failed.output
    assert (home / "history").is_dir()  # the runs are in DAGSTER_HOME, for `dagster dev` to show

    # the extraction steps load under BAROMETER_LOAD_MEMORY_LIMIT (the sync above: its default, 256MB)
    with sandbox_environment(box, **env, BAROMETER_LOAD_MEMORY_LIMIT="most"):
        refused = runner.invoke(main, ["backfill", "--start", start, "--end", start])
    assert refused.exit_code == 1
    assert "BAROMETER_LOAD_MEMORY_LIMIT='most' is not a memory size" in refused.output


def test_sync_does_not_import_the_sandbox(box, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    config = tmp_path / "reporting.toml"
    config.write_text(sandbox_reporting_toml())
    env = sandbox_variables(
        box,
        DAGSTER_HOME=str(home),
        BAROMETER_WAREHOUSE=str(tmp_path / "warehouse.duckdb"),
        BAROMETER_START_DATE=(TODAY - timedelta(days=1)).date().isoformat(),
        BAROMETER_CONFIG_FILE=str(config),
    )
    result = subprocess.run(
        [sys.executable, "-c", SYNC_IN_A_FRESH_INTERPRETER],
        cwd=tmp_path,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    loaded = json.loads(result.stdout.splitlines()[-1])
    assert loaded["exit_codes"] == {"sync --help": 0, "sync": 0}, loaded["output"]
    assert "raw: " in loaded["output"]
    assert loaded["sandbox_modules"] == []


def test_a_dagster_home_without_dagster_yaml_gets_the_projects_settings_and_one_line(
    monkeypatch, tmp_path, caplog
):
    from pipelines.dagster_storage import HeldConnectionsEventLogStorage
    from pipelines.runs import cli_instance

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    lines = []
    with caplog.at_level(logging.WARNING), cli_instance(progress=lines.append) as instance:
        assert isinstance(instance.event_log_storage, HeldConnectionsEventLogStorage)
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
        pool_limit = instance.get_concurrency_config().pool_config.default_pool_limit
    assert {limit["key"] for limit in limits} == {"barometer/crm-salesforce", "barometer/crm-hubspot"}
    assert pool_limit == 1
    assert lines == [
        f"DAGSTER_HOME {tmp_path} has no dagster.yaml: using the project's settings "
        f"({ROOT / 'dagster.yaml'}); copy that file there so `dagster dev` uses them too"
    ]
    assert not (tmp_path / "dagster.yaml").exists()  # the user's folder is theirs
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []

    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    lines.clear()
    with caplog.at_level(logging.WARNING), cli_instance(progress=lines.append):
        pass
    assert lines == []

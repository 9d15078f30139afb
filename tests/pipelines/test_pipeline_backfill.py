"""A 60-day backfill through Dagster: one run for the whole range, one materialization per landing table
(not per day), resumable after a failure (re-running the same range; windows already loaded are loaded
again harmlessly), and equal, table for table, to a full sync of the same org."""

from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest
from pipeline_helpers import sandbox_environment

from connectors.sources import open_sources
from connectors.streams import Window
from models.engine import make_engine
from models.reporting import reporting_config_from_env, write_config
from models.sqlmodels import build
from models.sync import HISTORY_START, run_stream
from pipelines.definitions import build_definitions
from pipelines.extract_assets import landing_table_key, stream_catalog
from pipelines.jobs import SYNC_JOB
from pipelines.resources import ReportingResource, WarehouseResource
from pipelines.runs import run_job
from pipelines.settings import PipelineSettings
from pipelines.windows import WINDOW_TAG, day_range
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

END = datetime(2026, 5, 4)  # nothing in the org is modified at or after it
ORG = OrgConfig(seed=9, reps=6, teams=2, days=60, end=END, activities=1_500)
SETTINGS = PipelineSettings(start_date=(END - timedelta(days=60)).date())
FIRST, LAST = SETTINGS.start_date, (END - timedelta(days=1)).date()
RAW_TABLES = [spec.table_name for stream in stream_catalog() for spec in stream.specs]
CORE_TABLES = ["core.reps", "core.activities", "core.deals", "core.deal_stage_history"]


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def full_sync(box, reporting_file, tmp_path_factory):
    """The reference: every stream from the start of history to now in one run, then the models."""
    path = tmp_path_factory.mktemp("full") / "warehouse.duckdb"
    engine = make_engine(path)
    everything = Window(HISTORY_START, datetime.now(UTC))
    with sandbox_environment(box), open_sources() as sources:
        for stream in sources.streams:
            run_stream(engine, stream, everything)
    write_config(
        engine,
        reporting_config_from_env({"BAROMETER_CONFIG_FILE": str(reporting_file)}),
        as_of=datetime.now(UTC),
    )
    build(engine)
    engine.dispose()
    return path


def backfill(box, warehouse, reporting_file, instance, **env):
    with sandbox_environment(box, **env):
        defs = build_definitions(
            SETTINGS,
            resources={
                "warehouse": WarehouseResource(location=str(warehouse)),
                "reporting": ReportingResource(config_file=str(reporting_file)),
            },
        )
        days = day_range(SETTINGS, FIRST.isoformat(), LAST.isoformat(), now=datetime.now(UTC))
        return run_job(defs, SYNC_JOB, instance=instance, days=days)


def differences(left, right, tables) -> dict[str, int]:
    """Rows in one warehouse and not the other (with multiplicity), per table; {} when equal."""
    with duckdb.connect() as db:
        db.execute(f"attach '{left}' as l (read_only)")
        db.execute(f"attach '{right}' as r (read_only)")
        found = {}
        for table in tables:
            count = db.execute(
                f"select count(*) from ((from l.{table} except all from r.{table}) "
                f"union all (from r.{table} except all from l.{table}))"
            ).fetchone()[0]
            if count:
                found[table] = count
        return found


def test_a_60_day_backfill_is_one_resumable_idempotent_run_equal_to_a_full_sync(
    box, reporting_file, full_sync, tmp_path
):
    warehouse = tmp_path / "backfilled.duckdb"
    assert (LAST - FIRST).days + 1 == 60
    with dg.DagsterInstance.ephemeral() as instance:
        # A first attempt fails on HubSpot (wrong token); Salesforce lands, nothing downstream builds.
        failed = backfill(box, warehouse, reporting_file, instance, HUBSPOT_ACCESS_TOKEN="pat-na1-revoked")
        assert not failed.success
        assert failed.failures
        [failure] = failed.failures  # the HubSpot step, naming the streams that failed and why
        assert failure.startswith("extract_hubspot_streams: hubspot."), failure
        assert "HUBSPOT_ACCESS_TOKEN" in failed.failures[0]

        # Run again: the same range, one run, completes; every stream ran once for all 60 days,
        # over one window, with one materialization per landing table that names the window.
        # It loads the Salesforce windows a second time: re-running a window changes nothing.
        outcome = backfill(box, warehouse, reporting_file, instance)
        assert outcome.success, outcome.failures
        assert instance.get_runs_count() == 2
        run = instance.get_run_by_id(outcome.run_id)
        assert run.tags[WINDOW_TAG] == f"{FIRST.isoformat()} … {LAST.isoformat()}"
        assert run.run_config["resources"]["window"]["config"] == {
            "start": FIRST.isoformat(),
            "end": LAST.isoformat(),
        }
        for stream in stream_catalog():
            for spec in stream.specs:
                key = landing_table_key(spec)
                [materialization] = [
                    r.asset_materialization
                    for r in instance.fetch_materializations(key, limit=10).records
                    if r.run_id == outcome.run_id
                ]
                window = {name: value.value for name, value in materialization.metadata.items()}
                assert window["window_start"].startswith("2000-01-01"), spec.table_name  # the start date
                assert window["window_end"] == f"{LAST + timedelta(days=1)}T00:00:00+00:00", spec.table_name
        assert all(c.passed for c in outcome.checks if c.name != "fresh")  # the org ended in May

        assert differences(warehouse, full_sync, RAW_TABLES + CORE_TABLES) == {}

"""A 60-day backfill through Dagster: one run for the whole range, resumable after a failure (re-running
the same range; windows already loaded are loaded again harmlessly), and equal, table for table, to a
full sync of the same org."""

from datetime import UTC, date, datetime, timedelta

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
from pipelines.runs import partition_range, run_job
from pipelines.settings import PipelineSettings
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
        partitions = partition_range(SETTINGS, FIRST.isoformat(), LAST.isoformat(), now=datetime.now(UTC))
        return run_job(defs, SYNC_JOB, instance=instance, partitions=partitions)


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
        assert all(f.startswith("extract_hubspot_") for f in failed.failures)
        assert "HUBSPOT_ACCESS_TOKEN" in failed.failures[0]

        # Run again: the same range, one run, completes; every extract step ran once for all 60 days.
        # It loads the Salesforce windows a second time: re-running a window changes nothing.
        outcome = backfill(box, warehouse, reporting_file, instance)
        assert outcome.success, outcome.failures
        assert instance.get_runs_count() == 2
        run = instance.get_run_by_id(outcome.run_id)
        assert run.tags["dagster/asset_partition_range_start"] == FIRST.isoformat()
        assert run.tags["dagster/asset_partition_range_end"] == LAST.isoformat()
        for stream in stream_catalog():
            for spec in stream.specs:
                assert len(instance.get_materialized_partitions(landing_table_key(spec))) == 60, (
                    spec.table_name
                )
        assert all(c.passed for c in outcome.checks if c.name != "fresh")  # the org ended in May

        assert differences(warehouse, full_sync, RAW_TABLES + CORE_TABLES) == {}


def test_a_backfill_range_must_lie_within_the_partitions():
    now = datetime.now(UTC)
    with pytest.raises(ValueError, match="--start 2020-01-01 is not a day from"):
        partition_range(SETTINGS, "2020-01-01", LAST.isoformat(), now=now)
    with pytest.raises(ValueError, match="--end 2999-01-01 is not a day"):
        partition_range(SETTINGS, FIRST.isoformat(), "2999-01-01", now=now)
    with pytest.raises(ValueError, match="is before --start"):
        partition_range(SETTINGS, LAST.isoformat(), FIRST.isoformat(), now=now)
    assert partition_range(SETTINGS, "2026-04-01", "2026-04-01", now=now) == dg.PartitionKeyRange(
        "2026-04-01", "2026-04-01"
    )
    assert date.fromisoformat(FIRST.isoformat()) == SETTINGS.start_date

"""The whole graph, in-process, against the sandbox (a small org ending yesterday): a first sync with a
start date ten years back (its Dagster events do not grow with the days), a catch-up after changes in
the CRMs, and every check failing on a seeded problem and passing on clean data."""

import shutil
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest
from pipeline_helpers import (
    expected_core_counts,
    sandbox_environment,
    sandbox_state,
    table_counts,
    warehouse_state,
)

from models.engine import make_engine
from models.sync import loaded_until
from pipelines.definitions import build_definitions
from pipelines.extract_assets import reconciliation
from pipelines.jobs import CHECK_JOB, REBUILD_JOB
from pipelines.resources import ReportingResource, WarehouseResource
from pipelines.runs import catch_up, run_job
from pipelines.settings import PipelineSettings
from pipelines.windows import CATCH_UP, WINDOW_TAG
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
ORG = OrgConfig(seed=5, reps=6, teams=2, days=40, end=MIDNIGHT - timedelta(days=1), activities=1_500)
# Ten years of days before the org's history: a first sync's cost must not follow them (issue #15).
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=3_650)).date())
CORE = ("core.reps", "core.activities", "core.deals", "core.deal_stage_history", "core.contacts")


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


def definitions(warehouse, reporting: ReportingResource) -> dg.Definitions:
    """The definitions as `dagster dev` builds them in the sandbox's environment, on `warehouse`."""
    return build_definitions(
        SETTINGS, resources={"warehouse": WarehouseResource(location=str(warehouse)), "reporting": reporting}
    )


@pytest.fixture(scope="module")
def synced(box, reporting_file, instance, tmp_path_factory):
    """A first sync of everything into a fresh warehouse, with the sandbox's reporting config."""
    warehouse = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with sandbox_environment(box):
        defs = definitions(warehouse, ReportingResource(config_file=str(reporting_file)))
        outcome = catch_up(defs, instance=instance)
    return warehouse, defs, outcome


def test_the_whole_graph_materializes_and_matches_the_sandbox(box, synced):
    warehouse, defs, outcome = synced
    assert outcome.success, outcome.failures
    assert outcome.days is None  # a catch-up: each stream from where its data stops
    every_asset = {key.to_user_string() for key in defs.resolve_all_asset_keys()}
    assert set(outcome.metadata) == every_asset
    assert warehouse_state(warehouse) == sandbox_state(box)
    counts = table_counts(warehouse, CORE)
    for table, expected in expected_core_counts(box).items():
        assert counts[table] == expected, table
    assert counts["core.deal_stage_history"] >= counts["core.deals"]  # every deal's current stage
    metadata = outcome.metadata["raw_salesforce/task"]
    assert metadata["fetched"] == metadata["loaded"] + metadata["rejected"] > 0
    assert metadata["api_calls"] > 0
    assert metadata["window_start"].startswith("2000-01-01")  # nothing loaded: from the beginning


def test_a_first_sync_over_ten_years_writes_events_per_asset_not_per_day(synced, instance):
    _, defs, outcome = synced
    run = instance.get_run_by_id(outcome.run_id)
    assert run.tags[WINDOW_TAG] == CATCH_UP
    events = [entry.dagster_event for entry in instance.all_logs(outcome.run_id) if entry.dagster_event]
    by_type = {}
    for event in events:
        by_type.setdefault(event.event_type_value, []).append(event)
    assets = len(defs.resolve_all_asset_keys())
    assert len(by_type["ASSET_MATERIALIZATION"]) == assets  # one per asset, none per day of 3,650
    assert len(by_type["ASSET_MATERIALIZATION_PLANNED"]) == assets
    assert all(event.partition is None for event in by_type["ASSET_MATERIALIZATION"])
    checks = len(defs.resolve_asset_graph().asset_check_keys)
    assert len(events) < 4 * (assets + checks)  # + step events: O(assets), whatever the start date


def test_every_check_passes_on_clean_data(synced):
    _, defs, outcome = synced
    every_check = {
        (key.asset_key.to_user_string(), key.name) for key in defs.resolve_asset_graph().asset_check_keys
    }
    assert {(c.asset, c.name) for c in outcome.checks} == every_check
    assert [c for c in outcome.checks if not c.passed] == []


def test_salesforce_archived_activities_are_history_and_count(box, synced):
    """Salesforce archives old Tasks and Events by itself (IsArchived, IsDeleted false; only queryAll
    serves them): they land as live activities and count in the marts like any other."""
    warehouse, _, _ = synced
    store = box.store.cursor()
    archived = dict(
        store.execute(
            """select 'salesforce:' || "Id", 'call' from salesforce."Task"
               where "IsArchived" and not "IsDeleted" and "TaskSubtype" = 'Call'
               union all
               select 'salesforce:' || "Id", 'meeting' from salesforce."Event"
               where "IsArchived" and not "IsDeleted" """
        ).fetchall()
    )
    assert set(archived.values()) == {"call", "meeting"}  # the sandbox serves both kinds
    owned_live_calls = store.execute(
        """select (select count(*) from salesforce."Task"
                   where not "IsDeleted" and "TaskSubtype" = 'Call' and "OwnerId" is not null)
                + (select count(*) from hubspot.calls where not archived and hubspot_owner_id is not null)"""
    ).fetchone()[0]
    with duckdb.connect(str(warehouse), read_only=True) as db:
        landed = db.execute(
            "select activity_id, activity_type, is_deleted from core.activities "
            "where activity_id in (select unnest(?))",
            [list(archived)],
        ).fetchall()
        counted_calls = db.execute("select sum(calls) from marts.rep_daily_activity").fetchone()[0]
    assert sorted(landed) == sorted((key, kind, False) for key, kind in archived.items())
    assert counted_calls == owned_live_calls  # archived calls included


def test_a_sync_after_changes_catches_up_from_where_the_data_stops(box, synced, instance):
    warehouse, defs, _ = synced
    engine = make_engine(warehouse)
    loaded = {name: loaded_until(engine, name) for name in ("salesforce.task", "hubspot.deals")}
    until = min(loaded.values())
    engine.dispose()
    # The CRMs change after the last sync, as people keep working (in UTC, the sandbox clock's zone).
    box.clock.advance(until.astimezone(UTC).replace(tzinfo=None) - timedelta(minutes=4) - box.clock.now)
    assert len(box.mutations.random_changes(6)) == 6
    with sandbox_environment(box):
        outcome = catch_up(defs, instance=instance)
    assert outcome.success, outcome.failures
    for name, stream_until in loaded.items():  # each stream from where its own data stops
        asset = "raw_" + name.replace(".", "/")
        started = datetime.fromisoformat(outcome.metadata[asset]["window_start"])
        assert started == stream_until - SETTINGS.overlap
    assert warehouse_state(warehouse) == sandbox_state(box)


@pytest.fixture
def scratch(synced, tmp_path):
    """A copy of the synced warehouse to damage."""
    warehouse = tmp_path / "scratch.duckdb"
    shutil.copy(synced[0], warehouse)
    return warehouse


def failed(outcome) -> set[tuple[str, str]]:
    return {(c.asset, c.name) for c in outcome.checks if not c.passed}


def test_default_config_leaves_the_sandboxs_custom_stages_and_euros_unmapped(box, instance, scratch):
    with sandbox_environment(box):
        defs = definitions(scratch, ReportingResource())  # no stage mapping or FX rate for the sandbox
        outcome = run_job(defs, REBUILD_JOB, instance=instance)
    assert outcome.success, outcome.failures
    assert failed(outcome) == {
        ("core/deals", "stages_mapped"),
        ("core/deal_stage_history", "stages_mapped"),
        ("core/deals", "currencies_convertible"),
    }
    sample = next(c for c in outcome.checks if c.name == "currencies_convertible").metadata["sample"]
    assert sample == [{"currency": "EUR", "deals": sample[0]["deals"]}]


def test_duplicates_orphans_and_stale_sources_fail_their_checks(box, instance, reporting_file, scratch):
    with duckdb.connect(str(scratch)) as db:
        db.execute("insert into core.deals select * from core.deals limit 1")
        db.execute("delete from core.reps where rep_id in (select rep_id from core.activities limit 1)")
        db.execute("update raw_meta.sync_runs set window_end = window_end - interval 3 day")
    with sandbox_environment(box):
        defs = definitions(scratch, ReportingResource(config_file=str(reporting_file)))
        outcome = run_job(defs, CHECK_JOB, instance=instance)
    assert outcome.success, outcome.failures
    assert {("core/deals", "unique_key"), ("core/activities", "rep_id_in_reps")} <= failed(outcome)
    assert {name for asset, name in failed(outcome) if asset.startswith("raw_")} == {"fresh"}
    assert ("core/deal_stage_history", "unique_key") not in failed(outcome)


def test_a_row_count_drop_fails_its_check(box, instance, reporting_file, scratch):
    with duckdb.connect(str(scratch)) as db:
        db.execute("delete from raw_hubspot.calls")
        db.execute(
            'delete from raw_salesforce.task where "Id" > (select median("Id") from raw_salesforce.task)'
        )
    with sandbox_environment(box):
        defs = definitions(scratch, ReportingResource(config_file=str(reporting_file)))
        outcome = run_job(defs, REBUILD_JOB, instance=instance)
    assert outcome.success, outcome.failures
    assert ("core/activities", "row_count_not_dropped") in failed(outcome)
    assert ("core/reps", "row_count_not_dropped") not in failed(outcome)


def test_a_run_whose_counts_do_not_add_up_fails_reconciliation(scratch):
    engine = make_engine(scratch)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "update raw_meta.sync_runs set fetched = fetched + 1 where run_id = "
            "(select max(run_id) from raw_meta.sync_runs where stream = 'salesforce.task')"
        )
        run_id = conn.exec_driver_sql(
            "select max(run_id) from raw_meta.sync_runs where stream = 'salesforce.task'"
        ).scalar_one()
    key = dg.AssetKey(["raw_salesforce", "task"])
    assert not reconciliation(engine, key, run_id).passed
    assert not reconciliation(engine, key, "no-such-run").passed
    engine.dispose()


def test_selecting_tables_in_the_ui_runs_only_the_streams_and_models_they_need(
    box, synced, instance, tmp_path
):
    # What "Materialize selected" does: one landing table and one mart, each from its CRM's or the
    # models' one step. The stream that fills the table runs (all three of hubspot.deals' tables land,
    # one is reported); no other stream, no other model.
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(synced[0], warehouse)
    selection = [dg.AssetKey(["raw_hubspot", "deal_stage_history"]), dg.AssetKey(["marts", "funnel_monthly"])]
    with sandbox_environment(box):
        defs = definitions(warehouse, ReportingResource())
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=selection, raise_on_error=False
        )
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == set(selection)
    steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
    assert steps == {"extract_hubspot_streams", "build_models", "data_quality"}
    # the selected assets' own checks, and no other
    checks = {(c.asset_key.to_user_string(), c.check_name) for c in result.get_asset_check_evaluations()}
    assert {asset for asset, _ in checks} == {"marts/funnel_monthly"}
    assert ("marts/funnel_monthly", "row_count_not_dropped") in checks
    assert ("marts/funnel_monthly", "unique_key") in checks
    with duckdb.connect(str(warehouse), read_only=True) as db:
        streams = {
            s
            for (s,) in db.execute(
                "select distinct stream from raw_meta.sync_runs where run_id like ?", [f"{result.run_id}:%"]
            ).fetchall()
        }
    assert streams == {"hubspot.deals"}

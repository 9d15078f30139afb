"""The definitions without any CRM: which assets, checks, jobs and schedule exist and how they connect,
SQL files plugging in, settings, and the windows a run's days give."""

import os
import re
import shutil
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from connectors import hubspot, salesforce
from connectors.errors import ConfigurationError
from connectors.hubspot import config as hubspot_config
from connectors.salesforce import config as salesforce_config
from models import reporting
from models.engine import WarehouseConfigError
from models.reporting import CONFIG_TABLES
from models.sqlmodels import SQL_ROOT, discover
from models.sync import HISTORY_START
from pipelines.definitions import build_definitions, defs
from pipelines.resources import HubSpotResource, ReportingResource, SalesforceResource, WarehouseResource
from pipelines.schedules import SCHEDULE_NAME
from pipelines.settings import PipelineSettings, PipelineSettingsError, settings_from_env
from pipelines.sql_assets import SqlDependencyError
from pipelines.windows import WINDOW_TAG, SyncWindow, day_range, days_window

HUBSPOT_SPECS = (
    hubspot.OWNERS,
    hubspot.DEAL_PIPELINES,
    hubspot.CALLS,
    hubspot.CALL_ASSOCIATIONS,
    hubspot.MEETINGS,
    hubspot.MEETING_ASSOCIATIONS,
    hubspot.DEALS,
    hubspot.DEAL_STAGE_HISTORY,
    hubspot.DEAL_ASSOCIATIONS,
    hubspot.CONTACTS,
    hubspot.CONTACT_ASSOCIATIONS,
    hubspot.EMAILS,
    hubspot.EMAIL_ASSOCIATIONS,
    hubspot.TASKS,
    hubspot.TASK_ASSOCIATIONS,
)
SETTINGS = PipelineSettings(start_date=date(2026, 1, 1))


def keys(definitions: dg.Definitions) -> set[str]:
    return {key.to_user_string() for key in definitions.resolve_all_asset_keys()}


def parents(definitions: dg.Definitions, key: str) -> set[str]:
    node = definitions.resolve_asset_graph().get(dg.AssetKey.from_user_string(key))
    return {parent.to_user_string() for parent in node.parent_keys}


def test_every_landing_table_config_table_and_sql_model_is_an_asset():
    definitions = build_definitions(SETTINGS)
    raw = {f"raw_{s.source}/{s.name}" for s in (*salesforce.SPECS, *HUBSPOT_SPECS)}
    config = {f"config/{table.name}" for table in CONFIG_TABLES}
    models = {f"{m.schema}/{m.table}" for m in discover()}
    assert {"core/reps", "core/activities", "core/deals", "core/deal_stage_history"} <= models
    outputs = {"report/scorecard", "serving/snapshot"}  # the scorecard page, the BI snapshot
    assert keys(definitions) == raw | config | models | outputs


def test_each_crm_is_one_unpartitioned_subsettable_step_over_its_landing_tables():
    definitions = build_definitions(SETTINGS)
    deals = definitions.resolve_assets_def(dg.AssetKey(["raw_hubspot", "deals"]))
    assert deals.partitions_def is None  # the window is the run's config, not a Dagster partition
    assert "window" in deals.required_resource_keys
    assert definitions.resources["window"] == SyncWindow()  # nothing configured: catch up
    assert deals.op.name == "extract_hubspot_streams"  # one step per CRM: one login, Dagster's step cost once
    assert deals.can_subset  # a selection runs only the streams filling the selected tables
    assert {key.to_user_string() for key in deals.keys} == {f"raw_hubspot/{s.name}" for s in HUBSPOT_SPECS}
    salesforce_step = definitions.resolve_assets_def(dg.AssetKey(["raw_salesforce", "task"]))
    assert salesforce_step.op.name == "extract_salesforce_streams"
    assert {key.to_user_string() for key in salesforce_step.keys} == {
        f"raw_salesforce/{s.name}" for s in salesforce.SPECS
    }
    # each stream keeps its own two checks, on its own table
    checks = {key.asset_key.to_user_string() for key in deals.check_keys}
    assert {"raw_hubspot/deals", "raw_hubspot/calls"} <= checks
    assert "raw_hubspot/deal_stage_history" not in checks


def test_the_config_and_every_sql_model_are_built_by_one_subsettable_step():
    definitions = build_definitions(SETTINGS)
    build = definitions.resolve_assets_def(dg.AssetKey(["marts", "deal_facts"]))
    assert build.op.name == "build_models"
    assert build.can_subset
    assert {key.to_user_string() for key in build.keys} == {f"config/{t.name}" for t in CONFIG_TABLES} | {
        f"{m.schema}/{m.table}" for m in discover()
    }


def test_sql_models_depend_on_the_assets_their_sql_reads():
    definitions = build_definitions(SETTINGS)
    assert parents(definitions, "staging/crm_owners") == {
        "staging/hubspot_owners",
        "staging/salesforce_users",
    }
    assert parents(definitions, "staging/salesforce_users") == {"raw_salesforce/user"}
    assert parents(definitions, "core/reps") == {"staging/crm_owners"}
    deals = parents(definitions, "core/deals")
    assert {"core/deal_stage_history", "staging/config_fx_rates", "staging/deals"} <= deals
    assert "staging/hubspot_links" in parents(definitions, "staging/deals")
    assert "raw_hubspot/deal_associations" in parents(definitions, "staging/hubspot_links")
    for model in discover():
        assert parents(definitions, f"{model.schema}/{model.table}") == {
            dep.replace(".", "/") for dep in model.dependencies
        }


def test_every_sql_model_but_the_configs_staging_views_checks_its_row_count():
    checked = {
        "/".join(key.asset_key.path)
        for key in build_definitions(SETTINGS).resolve_asset_graph().asset_check_keys
        if key.name == "row_count_not_dropped"
    }
    models = {f"{m.schema}/{m.table}" for m in discover()}
    assert models - checked == {
        "staging/config_build",
        "staging/config_call_outcomes",
        "staging/config_fx_rates",
        "staging/config_referral_values",
        "staging/config_seniority",
    }


def test_a_new_sql_file_becomes_an_asset_with_no_code_change(tmp_path):
    shutil.copytree(SQL_ROOT / "staging", tmp_path / "staging")
    shutil.copytree(SQL_ROOT / "core", tmp_path / "core")
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "rep_activity.sql").write_text(
        "with counts as (select rep_id, count(*) as activities from core.activities group by rep_id)\n"
        "select reps.rep_id, counts.activities from core.reps as reps join counts using (rep_id)\n"
    )
    definitions = build_definitions(SETTINGS, sql_root=tmp_path)
    assert parents(definitions, "marts/rep_activity") == {"core/reps", "core/activities"}
    checks = {
        key.name
        for key in definitions.resolve_asset_graph().asset_check_keys
        if key.asset_key.path[0] == "marts"
    }
    assert checks == {"row_count_not_dropped"}


def test_a_sql_file_reading_an_unknown_table_is_refused_with_its_name(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "companies.sql").write_text("select * from raw_hubspot.companies")
    with pytest.raises(SqlDependencyError, match=r"companies\.sql: reads raw_hubspot\.companies"):
        build_definitions(SETTINGS, sql_root=tmp_path)


def test_checks_jobs_schedule_and_resources_are_defined():
    definitions = build_definitions(SETTINGS)
    check_keys = {
        (k.asset_key.to_user_string(), k.name) for k in definitions.resolve_asset_graph().asset_check_keys
    }
    for table in ("core/reps", "core/activities", "core/deals", "core/deal_stage_history"):
        assert (table, "unique_key") in check_keys
        assert (table, "row_count_not_dropped") in check_keys
    assert {
        ("core/activities", "rep_id_in_reps"),
        ("core/activities", "deal_id_in_deals"),
        ("core/deals", "rep_id_in_reps"),
        ("core/deal_stage_history", "deal_id_in_deals"),
        ("core/deals", "stages_mapped"),
        ("core/deal_stage_history", "stages_mapped"),
        ("core/deals", "currencies_convertible"),
        ("raw_salesforce/task", "fresh"),
        ("raw_hubspot/deals", "fresh"),
        ("raw_hubspot/deals", "fetched_equals_loaded_plus_rejected"),
    } <= check_keys
    jobs = {job.name for job in definitions.get_repository_def().get_all_jobs()}
    assert {"sync", "extract_salesforce", "extract_hubspot", "rebuild", "check"} <= jobs
    sync = definitions.resolve_job_def("sync")
    assert sync.tags == {"barometer/crm-salesforce": "extract", "barometer/crm-hubspot": "extract"}
    assert definitions.resolve_job_def("extract_hubspot").tags == {"barometer/crm-hubspot": "extract"}
    assert set(definitions.resources) == {
        "warehouse",
        "reporting",
        "publish",
        "salesforce",
        "hubspot",
        "window",
    }


def test_credentials_are_bound_as_environment_variables_never_as_values(monkeypatch):
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-secret-value")
    monkeypatch.delenv("SALESFORCE_INSTANCE_URL", raising=False)
    hubspot_resource = build_definitions(SETTINGS).resources["hubspot"]
    assert isinstance(hubspot_resource.access_token, dg.EnvVar)
    assert hubspot_resource.access_token.env_var_name == "HUBSPOT_ACCESS_TOKEN"
    assert build_definitions(SETTINGS).resources["salesforce"].instance_url is None


@pytest.mark.parametrize(
    ("resource", "module", "prefix"),
    [
        (SalesforceResource, salesforce_config, "SALESFORCE_"),
        (HubSpotResource, hubspot_config, "HUBSPOT_"),
        (ReportingResource, reporting, "BAROMETER_"),
    ],
)
def test_each_resource_binds_every_variable_its_library_reads(resource, module, prefix):
    declared = {
        v for v in vars(module).values() if isinstance(v, str) and re.fullmatch(f"{prefix}[A-Z_0-9]+", v)
    }
    assert set(resource.VARIABLES.values()) == declared


def test_the_crm_resources_configure_their_connector_from_their_values_not_the_environment(monkeypatch):
    for name in list(os.environ):
        if name.startswith(("SALESFORCE_", "HUBSPOT_")):
            monkeypatch.delenv(name)
    login = SalesforceResource(
        username="rep@example.com", password="pw-secret", security_token="tok-secret", max_api_share="0.3"
    ).crm_config()
    assert (login.auth, login.username, login.max_api_share) == ("password", "rep@example.com", 0.3)
    assert "secret" not in repr(login)
    portal = HubSpotResource(access_token="pat-na1-secret", requests_per_10s="190").crm_config()
    assert (portal.requests_per_10s, portal.base_url) == (190, "https://api.hubapi.com")
    assert "secret" not in repr(portal)
    assert SalesforceResource().crm_config() is None
    assert not HubSpotResource().configured
    with pytest.raises(ConfigurationError, match="HUBSPOT_REQUESTS_PER_10S='many' is not a positive"):
        HubSpotResource(access_token="pat-na1-secret", requests_per_10s="many").crm_config()


def test_dagster_loads_the_lazy_definitions_from_the_environment(monkeypatch):
    monkeypatch.setenv("BAROMETER_START_DATE", "2026-02-01")
    monkeypatch.setenv("BAROMETER_SCHEDULE_TIME", "05:45")
    loaded = defs()
    schedule = loaded.resolve_schedule_def(SCHEDULE_NAME)
    assert schedule.cron_schedule == "45 5 * * *"
    with dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 2, 1, 5, 45, tzinfo=UTC),
        repository_def=loaded.get_repository_def(),
    ) as context:
        assert "precedes the start date 2026-02-01" in schedule.evaluate_tick(context).skip_message


@pytest.mark.parametrize(
    ("timezone", "scheduled", "partition"),
    [
        ("UTC", datetime(2026, 3, 10, 2, 0, tzinfo=UTC), "2026-03-09"),
        ("Europe/Paris", datetime(2026, 3, 10, 2, 0, tzinfo=ZoneInfo("Europe/Paris")), "2026-03-09"),
        ("America/New_York", datetime(2026, 3, 9, 2, 0, tzinfo=ZoneInfo("America/New_York")), "2026-03-08"),
    ],
)
def test_the_daily_schedule_catches_up_once_a_day(timezone, scheduled, partition):
    settings = PipelineSettings(start_date=date(2026, 1, 1), schedule_time=time(2, 0), timezone=timezone)
    definitions = build_definitions(settings)
    schedule = definitions.resolve_schedule_def(SCHEDULE_NAME)
    assert schedule.execution_timezone == timezone
    assert schedule.cron_schedule == "0 2 * * *"
    with dg.build_schedule_context(
        scheduled_execution_time=scheduled, repository_def=definitions.get_repository_def()
    ) as context:
        [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key is None
    assert request.run_config == {}  # no window: each stream from where its data stops, through now
    assert request.tags[WINDOW_TAG] == "catch-up"
    assert request.run_key == partition  # one run per day, named after the day it completes
    assert schedule.job_name == "sync"


def test_the_schedule_skips_before_the_start_date():
    definitions = build_definitions(SETTINGS)
    schedule = definitions.resolve_schedule_def(SCHEDULE_NAME)
    with dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 1, 1, 2, tzinfo=UTC),
        repository_def=definitions.get_repository_def(),
    ) as context:
        result = schedule.evaluate_tick(context)
    assert result.run_requests == []
    assert "precedes the start date" in result.skip_message


def test_settings_come_from_the_environment_and_errors_name_the_variable():
    assert settings_from_env({}) == PipelineSettings()
    settings = settings_from_env(
        {
            "BAROMETER_START_DATE": "2025-06-01",
            "BAROMETER_SCHEDULE_TIME": "23:30",
            "BAROMETER_TIMEZONE": "Europe/Paris",
            "BAROMETER_FRESHNESS_HOURS": "12",
            "BAROMETER_MAX_ROW_DROP_PERCENT": "5",
        }
    )
    assert settings == PipelineSettings(
        start_date=date(2025, 6, 1),
        schedule_time=time(23, 30),
        timezone="Europe/Paris",
        freshness=timedelta(hours=12),
        max_row_drop_percent=5.0,
    )
    assert (
        settings_from_env({"BAROMETER_SCHEDULE_TIMEZONE": "UTC", "BAROMETER_TIMEZONE": "Asia/Tokyo"}).timezone
        == "UTC"
    )
    for name, value in [
        ("BAROMETER_START_DATE", "June"),
        ("BAROMETER_SCHEDULE_TIME", "25:00"),
        ("BAROMETER_SCHEDULE_TIMEZONE", "Mars/Olympus"),
        ("BAROMETER_FRESHNESS_HOURS", "0"),
        ("BAROMETER_MAX_ROW_DROP_PERCENT", "150"),
    ]:
        with pytest.raises(PipelineSettingsError, match=name):
            settings_from_env({name: value})


def test_a_range_of_days_is_one_window_the_first_reaching_back_and_today_ending_now():
    now = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
    first = days_window(SETTINGS, (date(2026, 1, 1), date(2026, 1, 1)), now=now)
    assert (first.start, first.end) == (HISTORY_START, datetime(2026, 1, 2, tzinfo=UTC))
    later = days_window(SETTINGS, (date(2026, 2, 1), date(2026, 2, 10)), now=now)
    assert (later.start, later.end) == (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 11, tzinfo=UTC))
    assert days_window(SETTINGS, (date(2026, 3, 10), date(2026, 3, 10)), now=now).end == now
    paris = PipelineSettings(start_date=date(2026, 1, 1), timezone="Europe/Paris")
    day = days_window(paris, (date(2026, 2, 1), date(2026, 2, 1)), now=now)
    assert (day.start, day.end) == (
        datetime(2026, 1, 31, 23, tzinfo=UTC),
        datetime(2026, 2, 1, 23, tzinfo=UTC),
    )


def test_days_must_lie_between_the_start_date_and_today_and_name_where_they_came_from():
    now = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
    assert day_range(SETTINGS, "2026-01-01", "2026-03-10", now=now) == (date(2026, 1, 1), date(2026, 3, 10))
    with pytest.raises(
        ValueError, match=r"--start 2025-12-31 is not a day from 2026-01-01 \(BAROMETER_START"
    ):
        day_range(SETTINGS, "2025-12-31", "2026-01-10", now=now)
    with pytest.raises(ValueError, match="--end 2026-03-11 is not a day"):
        day_range(SETTINGS, "2026-01-01", "2026-03-11", now=now)
    with pytest.raises(ValueError, match="--end 2026-01-01 is before --start 2026-01-02"):
        day_range(SETTINGS, "2026-01-02", "2026-01-01", now=now)
    assert SyncWindow().days(SETTINGS, now=now) is None
    with pytest.raises(ValueError, match=r"resources\.window\.config\.end \(empty\) is not a day"):
        SyncWindow(start="2026-01-01").days(SETTINGS, now=now)
    with pytest.raises(ValueError, match=r"resources\.window\.config\.start March is not a day"):
        SyncWindow(start="March", end="2026-03-01").days(SETTINGS, now=now)


def test_only_loading_steps_get_the_load_memory_limit(tmp_path):
    warehouse = WarehouseResource(location=str(tmp_path / "w.duckdb"), load_memory_limit="300MB")
    settings = "select current_setting('memory_limit')"
    with warehouse.engine(loading=True) as engine, engine.connect() as conn:
        loading = conn.exec_driver_sql(settings).scalar_one()
    with warehouse.engine() as engine, engine.connect() as conn:
        building = conn.exec_driver_sql(settings).scalar_one()
    assert loading == "286.1 MiB"  # 300MB as DuckDB shows it
    assert building != loading
    refused = "BAROMETER_LOAD_MEMORY_LIMIT='most' is not a memory size"
    with (
        pytest.raises(WarehouseConfigError, match=refused),
        WarehouseResource(load_memory_limit="most").engine(loading=True),
    ):
        pass

"""Security: credentials never appear in output, logs, Dagster's event log and run storage, run
metadata, exceptions, the warehouse or the published files; hostile text (SQL and SOQL fragments,
quotes, backslashes, control characters, NUL, bidi marks) in names, subjects and stage labels is
stored verbatim from raw to the published marts and executes nothing; names taken from configuration
are validated or only ever bound as data; the published database is read-only.

`barometer sync` runs as a real process (twice: the second time publishing to a PostgreSQL URL that
carries a password and answers nothing), against a sandbox whose credentials are fresh random values.
"""

import logging
import os
import re
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from pipeline_helpers import dagster_text, leaked, prospect_personal_data

from connectors.hubspot.config import HubSpotConfig as HubSpotClientConfig
from connectors.hubspot.errors import AuthenticationError as HubSpotAuthenticationError
from connectors.hubspot.specs import CATALOG as HUBSPOT_CATALOG
from connectors.hubspot.streams import streams as hubspot_streams
from connectors.salesforce import SyncSettings
from connectors.salesforce.errors import AuthenticationError as SalesforceAuthenticationError
from connectors.salesforce.specs import CATALOG as SALESFORCE_CATALOG
from connectors.sources import open_sources
from models.engine import make_engine
from models.reporting import ReportingConfig, ReportingConfigError, reporting_config_from_env, write_config
from models.sync import catch_up_window, run_stream
from pipelines.demo import sandbox_reporting_toml
from pipelines.settings import PipelineSettingsError, settings_from_env
from sandbox.faults import FaultKind, FaultRule
from sandbox.hubspot.app import HubSpotConfig
from sandbox.org.config import OrgConfig
from sandbox.salesforce.app import SalesforceConfig
from sandbox.salesforce.auth import SalesforceCredentials
from sandbox.sandbox import Sandbox, SandboxConfig

STREAMS = (*SALESFORCE_CATALOG, *HUBSPOT_CATALOG)  # every stream of both connectors
ROOT = Path(__file__).resolve().parents[2]
BAROMETER = Path(sys.executable).with_name("barometer")
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
ORG = OrgConfig(seed=31, reps=6, teams=2, days=30, end=TODAY - timedelta(days=1), activities=1_000)
CREDENTIALS = SalesforceCredentials(
    password=f"pw-{secrets.token_hex(12)}",
    security_token=f"TOK{secrets.token_hex(10)}",
    consumer_secret=f"cs-{secrets.token_hex(12)}",
)
HUBSPOT_TOKEN = f"pat-na1-{secrets.token_hex(16)}"
PG_PASSWORD = f"pg-{secrets.token_hex(12)}"
HOSTILE = (
    "' OR Name LIKE '%",
    "'); DROP TABLE core.deals; --",
    'Robert"); DELETE FROM raw_meta.sync_runs; --',
    "back\\slash \\' \\\" \\n",
    "tab\tnew\nline\rcr \x07bell \x1b[31mred",
    "nul\x00byte",
    "\u202eRTL override\u202c and \u200fmark",
    "emoji 🙂 and ZWJ 👩\u200d💻",
)


def clean_env(**extra: str) -> dict[str, str]:
    prefixes = ("SALESFORCE_", "HUBSPOT_", "BAROMETER_", "DAGSTER_", "REQUESTS_CA_BUNDLE")
    return {n: v for n, v in os.environ.items() if not n.startswith(prefixes)} | extra


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Where hostile text is planted: landing table -> (store table, id column, text column, which records).
# The text column has the same name in the store and the landing table.
HOSTILE_TARGETS = {
    "raw_salesforce.task": ('salesforce."Task"', '"Id"', "Subject", """"TaskSubtype" = 'Call'"""),
    "raw_salesforce.opportunity": ('salesforce."Opportunity"', '"Id"', "Name", 'not "IsDeleted"'),
    "raw_salesforce.user": (
        'salesforce."User"',
        '"Id"',
        "Name",
        'lower("Email") not in (select lower(email) from hubspot.owners where email is not null)',
    ),
    "raw_salesforce.opportunity_stage": ('salesforce."OpportunityStage"', '"Id"', "MasterLabel", "true"),
    "raw_salesforce.contact": ('salesforce."Contact"', '"Id"', "Title", 'not "IsDeleted"'),
    "raw_salesforce.lead": ('salesforce."Lead"', '"Id"', "Title", 'not "IsDeleted"'),
    "raw_hubspot.calls": ("hubspot.calls", "id", "hs_call_title", "not archived"),
    "raw_hubspot.deals": ("hubspot.deals", "id", "dealname", "not archived"),
    "raw_hubspot.deal_pipelines": ("hubspot.pipeline_stages", "stage_id", "label", "true"),
    "raw_hubspot.contacts": ("hubspot.contacts", "id", "jobtitle", "not archived"),
    "raw_hubspot.emails": ("hubspot.emails", "id", "hs_email_subject", "not archived"),
    "raw_hubspot.tasks": ("hubspot.tasks", "id", "hs_task_subject", "not archived"),
}


def plant_hostile_text(box: Sandbox) -> dict[str, dict[str, str]]:
    """Hostile values in names, subjects, titles and stage labels of both CRMs; returns table -> id ->
    value."""
    planted: dict[str, dict[str, str]] = {}
    with box.store.write() as cur:
        for table, (store, key, column, which) in HOSTILE_TARGETS.items():
            count = len(HOSTILE) if table != "raw_salesforce.user" else 1
            ids = [
                r[0]
                for r in cur.execute(
                    f"select {key} from {store} where {which} order by {key} limit {count}"
                ).fetchall()
            ]
            planted[table] = {}
            for record_id, value in zip(ids, HOSTILE, strict=False):
                cur.execute(f'update {store} set "{column}" = ? where {key} = ?', [value, record_id])
                planted[table][str(record_id)] = value
    return planted


@pytest.fixture(scope="module")
def box():
    config = SandboxConfig(
        org=ORG,
        salesforce=SalesforceConfig(credentials=CREDENTIALS),
        hubspot=HubSpotConfig(access_tokens=(HUBSPOT_TOKEN,)),
    )
    with Sandbox(config) as sandbox:
        sandbox.planted = plant_hostile_text(sandbox)
        yield sandbox


@dataclass
class CliRuns:
    home: Path
    warehouse: Path
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    secrets: tuple[str, ...]


@pytest.fixture(scope="module")
def cli_runs(box, tmp_path_factory) -> CliRuns:
    folder = tmp_path_factory.mktemp("secure")
    home = folder / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    warehouse = folder / "warehouse.duckdb"
    config = folder / "reporting.toml"
    config.write_text(sandbox_reporting_toml(), encoding="utf-8")
    credentials = box.credentials()
    env = clean_env(
        DAGSTER_HOME=str(home),
        BAROMETER_WAREHOUSE=str(warehouse),
        BAROMETER_START_DATE=(TODAY - timedelta(days=2)).date().isoformat(),
        BAROMETER_CONFIG_FILE=str(config),
        SALESFORCE_INSTANCE_URL=credentials["SALESFORCE_INSTANCE_URL"],
        SALESFORCE_ACCESS_TOKEN=credentials["SALESFORCE_ACCESS_TOKEN"],
        REQUESTS_CA_BUNDLE=credentials["REQUESTS_CA_BUNDLE"],
        HUBSPOT_BASE_URL=credentials["HUBSPOT_BASE_URL"],
        HUBSPOT_ACCESS_TOKEN=HUBSPOT_TOKEN,
    )

    def sync(**extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BAROMETER), "sync"],
            cwd=folder,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    first = sync()
    pg_url = f"postgresql+psycopg://barometer:{PG_PASSWORD}@127.0.0.1:{free_port()}/barometer"
    second = sync(BAROMETER_PUBLISH_URL=pg_url)
    session_secret = credentials["SALESFORCE_ACCESS_TOKEN"].split("!", 1)[1]
    return CliRuns(home, warehouse, first, second, (session_secret, HUBSPOT_TOKEN, PG_PASSWORD))


def text_cells(path: Path, *, schemas: str = "%") -> str:
    """Every value of every text, JSON and list column of every table of a DuckDB file (of the schemas
    whose name is LIKE `schemas`; a leading '!' negates), as text."""
    negate, pattern = schemas.startswith("!"), schemas.removeprefix("!")
    with duckdb.connect(str(path), read_only=True) as db:
        columns = db.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where (data_type in ('VARCHAR', 'JSON') or data_type like '%[]' or data_type like 'STRUCT%') "
            f"and schema_name {'not ' if negate else ''}like ?",
            [pattern],
        ).fetchall()
        parts = []
        for schema, table, column in columns:
            rows = db.execute(
                f'select string_agg(cast("{column}" as varchar), chr(10)) from "{schema}"."{table}"'
            )
            parts.append(rows.fetchone()[0] or "")
        return "\n".join(parts)


def dagster_records(home: Path) -> str:
    """Every run's tags and config and every event of Dagster's event log under `home`, as text."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return dagster_text(instance)


def test_both_syncs_ran_and_the_second_failed_clearly_on_publishing(cli_runs):
    assert cli_runs.first.returncode == 0, cli_runs.first.stdout + cli_runs.first.stderr
    output = cli_runs.second.stdout + cli_runs.second.stderr
    assert cli_runs.second.returncode == 1, output
    assert "barometer:***@127.0.0.1" in output  # the URL, masked, says where publishing failed


def test_credentials_appear_nowhere(cli_runs):
    places = {
        "output": cli_runs.first.stdout
        + cli_runs.first.stderr
        + cli_runs.second.stdout
        + cli_runs.second.stderr,
        "Dagster runs and event log": dagster_records(cli_runs.home),
        "warehouse tables": text_cells(cli_runs.warehouse),
    }
    serving = cli_runs.warehouse.parent / "serving"
    published = sorted(p for p in serving.rglob("*") if p.is_file())
    assert any(p.suffix == ".parquet" for p in published)
    snapshot = serving / "barometer.duckdb"
    places["published snapshot tables"] = text_cells(snapshot)
    with duckdb.connect() as db:
        places["published Parquet"] = "\n".join(
            str(db.execute("select * from read_parquet(?)", [str(p)]).fetchall())
            for p in published
            if p.suffix == ".parquet"
        )
    files = [
        p for folder in (cli_runs.home, cli_runs.warehouse.parent) for p in folder.rglob("*") if p.is_file()
    ]
    assert any(p.suffix == ".db" for p in files)  # Dagster's SQLite run and event storage
    for secret in cli_runs.secrets:
        for place, text in places.items():
            assert secret not in text, place
        for path in files:  # raw bytes: DuckDB files, SQLite storage, compute logs, Parquet, manifests
            assert secret.encode() not in path.read_bytes(), path


RAW_PERSONAL = {  # where prospects' personal data lands: landing table -> its typed columns
    "raw_salesforce.contact": '"Email", "Phone", "FirstName" || \' \' || "LastName"',
    "raw_salesforce.lead": '"Email", "Phone", "FirstName" || \' \' || "LastName"',
    "raw_hubspot.contacts": "email, phone, firstname || ' ' || lastname",
}


def test_prospects_personal_data_stays_in_raw(box, cli_runs):
    """The names, e-mails and phone numbers of prospects (Salesforce contacts and leads, HubSpot
    contacts and e-mails) land in the raw tables (for whoever must reach them) and nowhere else: not in
    core, marts, the published copy or any output of the real `barometer sync` processes, the failed
    one included, or Dagster's records."""
    personal = prospect_personal_data(box)
    with duckdb.connect(str(cli_runs.warehouse), read_only=True) as db:
        for table, columns in RAW_PERSONAL.items():
            landed = {v for row in db.execute(f"select {columns} from {table}").fetchall() for v in row}
            assert landed & personal, table
    serving = cli_runs.warehouse.parent / "serving"
    with duckdb.connect() as db:
        parquet = "\n".join(
            str(db.execute("select * from read_parquet(?)", [str(p)]).fetchall())
            for p in serving.rglob("*.parquet")
        )
    output = cli_runs.first.stdout + cli_runs.first.stderr + cli_runs.second.stdout + cli_runs.second.stderr
    places = {
        "warehouse outside raw": text_cells(cli_runs.warehouse, schemas="!raw_%"),
        "published snapshot": text_cells(serving / "barometer.duckdb"),
        "published Parquet": parquet,
        "output": output,
        "Dagster runs and event log": dagster_records(cli_runs.home),
    }
    for place, text in places.items():
        assert leaked(text, personal) == [], place


def test_hostile_text_is_stored_verbatim_from_raw_to_the_published_marts(box, cli_runs):
    snapshot = cli_runs.warehouse.parent / "serving" / "barometer.duckdb"
    with duckdb.connect(str(cli_runs.warehouse), read_only=True) as db:
        landed = {}
        for table, (_, key, column, _) in HOSTILE_TARGETS.items():
            key = key if key != "id" else "cast(id as varchar)"
            landed[table] = dict(db.execute(f'select {key}, "{column}" from {table}').fetchall())
        core_titles = dict(db.execute("select contact_id, title from core.contacts").fetchall())
        core_deals = dict(db.execute("select crm_id, deal_name from core.deals").fetchall())
        core_reps = {r[0] for r in db.execute("select name from core.reps").fetchall()}
        tables = db.execute(
            "select count(*) from duckdb_tables() where schema_name in ('core', 'marts')"
        ).fetchone()[0]
        deals = db.execute("select count(*) from core.deals").fetchone()[0]
    for table, values in box.planted.items():
        assert {i: landed[table].get(i) for i in values} == values, table
    hostile_deals = box.planted["raw_salesforce.opportunity"] | box.planted["raw_hubspot.deals"]
    assert {i: core_deals.get(i) for i in hostile_deals} == hostile_deals
    assert set(box.planted["raw_salesforce.user"].values()) <= core_reps
    titles = {  # job titles: verbatim in core.contacts (its seniority is derived from them)
        f"{table.split('.')[0].removeprefix('raw_')}:{i}": value
        for table in ("raw_salesforce.contact", "raw_salesforce.lead", "raw_hubspot.contacts")
        for i, value in box.planted[table].items()
    }
    assert {i: core_titles.get(i) for i in titles} == titles
    assert tables >= 9  # nothing was dropped: every core table and mart is there
    assert deals == box.summary.deals
    with duckdb.connect(str(snapshot), read_only=True) as db:
        published = {r[0] for r in db.execute("select deal_name from marts.deal_facts").fetchall()}
    assert set(hostile_deals.values()) <= published


def test_the_published_database_is_read_only(cli_runs):
    snapshot = cli_runs.warehouse.parent / "serving" / "barometer.duckdb"
    assert stat.S_IMODE(snapshot.stat().st_mode) & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0
    with duckdb.connect(str(snapshot), read_only=True) as db:
        for statement in (
            "drop table marts.deal_facts",
            "delete from marts.deal_facts",
            "create table x (i int)",
        ):
            with pytest.raises(duckdb.Error, match="read-only"):
                db.execute(statement)
        assert db.execute("select count(*) from marts.deal_facts").fetchone()[0] > 0


# -- logins refused, and the in-process login flows ---------------------------------------------------


def salesforce_env(box: Sandbox, **changes: str) -> dict[str, str]:
    credentials = box.credentials()
    env = {
        "SALESFORCE_USERNAME": CREDENTIALS.username,
        "SALESFORCE_PASSWORD": CREDENTIALS.password,
        "SALESFORCE_SECURITY_TOKEN": CREDENTIALS.security_token,
        "REQUESTS_CA_BUNDLE": credentials["REQUESTS_CA_BUNDLE"],
    }
    return env | changes


WRONG = f"wrong-{secrets.token_hex(8)}"
REFUSED_LOGINS = {
    "salesforce-password": ({"SALESFORCE_PASSWORD": WRONG}, "SALESFORCE_PASSWORD"),
    "salesforce-security-token": ({"SALESFORCE_SECURITY_TOKEN": WRONG}, "SALESFORCE_SECURITY_TOKEN"),
    "salesforce-client-secret": (
        {
            "SALESFORCE_USERNAME": "",
            "SALESFORCE_PASSWORD": "",
            "SALESFORCE_SECURITY_TOKEN": "",
            "SALESFORCE_CLIENT_ID": CREDENTIALS.consumer_key,
            "SALESFORCE_CLIENT_SECRET": WRONG,
            "SALESFORCE_DOMAIN": CREDENTIALS.my_domain,
        },
        "SALESFORCE_CLIENT_SECRET",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED_LOGINS), ids=list(REFUSED_LOGINS))
def test_a_refused_salesforce_login_names_the_variable_and_echoes_no_secret(box, case, caplog):
    changes, variable = REFUSED_LOGINS[case]
    caplog.set_level(logging.DEBUG)
    env = {k: v for k, v in salesforce_env(box, **changes).items() if v}
    session = box.salesforce_session()
    try:
        with (
            pytest.raises(SalesforceAuthenticationError) as refused,
            open_sources(env, salesforce_session=session),
        ):
            pass
    finally:
        session.close()
    text = str(refused.value) + repr(refused.value) + "".join(traceback.format_exception(refused.value))
    assert variable in str(refused.value)
    for secret in (WRONG, CREDENTIALS.password, CREDENTIALS.security_token, CREDENTIALS.consumer_secret):
        assert secret not in text
        assert secret not in caplog.text


def test_a_refused_hubspot_token_names_the_variable_and_echoes_no_secret(box, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    config = HubSpotClientConfig(access_token=WRONG, base_url=box.hubspot.url)
    owners = next(s for s in hubspot_streams(config) if s.name == "hubspot.owners")
    engine = make_engine(tmp_path / "w.duckdb")
    with pytest.raises(HubSpotAuthenticationError) as refused:
        run_stream(engine, owners, catch_up_window(engine, owners.name))
    text = (
        str(refused.value)
        + repr(refused.value)
        + repr(config)
        + "".join(traceback.format_exception(refused.value))
    )
    assert "HUBSPOT_ACCESS_TOKEN" in str(refused.value)
    assert WRONG not in text
    assert WRONG not in caplog.text
    with engine.connect() as conn:
        stored = str(conn.exec_driver_sql("select * from raw_meta.sync_runs").fetchall())
    assert "HUBSPOT_ACCESS_TOKEN" in stored  # the run is recorded as failed, with the message
    assert WRONG not in stored
    engine.dispose()


def test_login_flows_with_expiring_sessions_leave_no_secret_in_logs_or_the_warehouse(box, caplog, tmp_path):
    """Password login, sessions expiring under faults (re-logins), every stream of both CRMs."""
    caplog.set_level(logging.DEBUG)
    path = tmp_path / "w.duckdb"
    engine = make_engine(path)
    env = salesforce_env(box) | {"HUBSPOT_BASE_URL": box.hubspot.url, "HUBSPOT_ACCESS_TOKEN": HUBSPOT_TOKEN}
    box.inject_faults(FaultRule("*", kinds=(FaultKind.EXPIRED_SESSION, FaultKind.SERVER_ERROR), rate=0.05))
    session = box.salesforce_session()
    quick = SyncSettings(backoff_initial_seconds=0.01, backoff_max_seconds=0.1)
    try:
        with open_sources(env, salesforce_session=session, salesforce_settings=quick) as sources:
            reports = [
                run_stream(engine, stream, catch_up_window(engine, stream.name)) for stream in sources.streams
            ]
    finally:
        box.faults.clear()
        session.close()
    engine.dispose()
    assert len(reports) == len(STREAMS)
    assert box.faults.injected > 0
    stored = text_cells(path)
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for secret in (CREDENTIALS.password, CREDENTIALS.security_token, HUBSPOT_TOKEN):
        assert secret not in caplog.text
        assert secret not in stored
        assert secret.encode() not in raw
    # nor prospects' personal data in the logs of retries, re-logins and errors, or in the runs' records
    personal = prospect_personal_data(box)
    assert leaked(caplog.text, personal) == []
    assert leaked(text_cells(path, schemas="raw_meta"), personal) == []


# -- names taken from configuration -------------------------------------------------------------------

INJECTION = "x'); DROP TABLE core.deals; --"
HOSTILE_SETTINGS = {
    "timezone": ({"BAROMETER_TIMEZONE": INJECTION}, ReportingConfigError, "BAROMETER_TIMEZONE"),
    "currency": ({"BAROMETER_CURRENCY": "US'D"}, ReportingConfigError, "BAROMETER_CURRENCY"),
    "fx-rate-code": ({"BAROMETER_FX_RATES": f"{INJECTION}=1.1"}, ReportingConfigError, "BAROMETER_FX_RATES"),
    "fx-rate-value": ({"BAROMETER_FX_RATES": "EUR=1.1; DROP"}, ReportingConfigError, "BAROMETER_FX_RATES"),
    "schedule-timezone": (
        {"BAROMETER_SCHEDULE_TIMEZONE": INJECTION},
        PipelineSettingsError,
        "BAROMETER_SCHEDULE_TIMEZONE",
    ),
    "start-date": ({"BAROMETER_START_DATE": INJECTION}, PipelineSettingsError, "BAROMETER_START_DATE"),
}


@pytest.mark.parametrize("case", list(HOSTILE_SETTINGS), ids=list(HOSTILE_SETTINGS))
def test_a_hostile_setting_is_refused_naming_it(case):
    env, error, variable = HOSTILE_SETTINGS[case]
    read = settings_from_env if error is PipelineSettingsError else reporting_config_from_env
    with pytest.raises(error, match=re.escape(variable)):
        read(env)


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ('source = "hubspot\'; --"', "is not one of salesforce, hubspot"),
        ('funnel_stage = "won\'); DROP TABLE x; --"', "is not one of appointment"),
    ],
    ids=["source", "funnel-stage"],
)
def test_a_hostile_config_file_entry_is_refused_naming_the_file_and_entry(tmp_path, entry, complaint):
    base = {"source": '"hubspot"', "stage": '"closedwon"', "funnel_stage": '"won"'}
    key = entry.split(" = ")[0]
    lines = [f"{k} = {v}" for k, v in base.items() if k != key] + [entry]
    path = tmp_path / "reporting.toml"
    path.write_text("[[stage_mapping]]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ReportingConfigError, match=re.escape(complaint)) as refused:
        reporting_config_from_env({"BAROMETER_CONFIG_FILE": str(path)})
    assert "BAROMETER_CONFIG_FILE" in str(refused.value)
    assert "[[stage_mapping]] entry 1" in str(refused.value)


def test_stage_and_pipeline_names_from_configuration_are_bound_as_data(tmp_path):
    path = tmp_path / "reporting.toml"
    path.write_text(
        "[[stage_mapping]]\n"
        "source = 'hubspot'\n"
        f'pipeline = "{INJECTION}"\n'
        'stage = "\' OR 1=1; --\\\\ \\u0000"\n'
        "funnel_stage = 'won'\n",
        encoding="utf-8",
    )
    config = reporting_config_from_env({"BAROMETER_CONFIG_FILE": str(path)})
    engine = make_engine(tmp_path / "w.duckdb")
    with engine.begin() as conn:
        conn.exec_driver_sql("create schema core; create table core.deals (deal_id varchar)")
    write_config(engine, config, as_of=datetime.now(UTC))
    with engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "select pipeline, stage from config.stage_mapping "
            "where source = 'hubspot' and pipeline is not null"
        ).fetchall()
        still_there = conn.exec_driver_sql("select count(*) from core.deals").scalar_one()
    engine.dispose()
    assert [tuple(r) for r in stored] == [(INJECTION, "' OR 1=1; --\\ \x00")]
    assert still_there == 0
    assert ReportingConfig(stage_mapping=config.stage_mapping).stage_mapping == config.stage_mapping

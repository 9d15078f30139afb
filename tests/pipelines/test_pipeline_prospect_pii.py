"""Prospects' personal data (the names, e-mail addresses and phone numbers of Salesforce contacts and
leads and of HubSpot contacts, and the addresses on logged e-mails) lands in the raw tables and goes
nowhere else: not in the logs, not in any other schema of the warehouse, not in the published snapshot
or Parquet files."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from pipeline_helpers import LogCollector, definitions_on, leaked, prospect_personal_data, sandbox_environment

from pipelines.runs import catch_up
from pipelines.settings import PipelineSettings
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
ORG = OrgConfig(seed=8, reps=6, teams=2, days=30, end=MIDNIGHT - timedelta(days=1), activities=1_000)
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=2)).date())


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def personal_data(box) -> set[str]:
    return prospect_personal_data(box)


@pytest.fixture(scope="module")
def synced(box, reporting_file, instance, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("pii") / "warehouse.duckdb"
    with sandbox_environment(box), LogCollector() as logs:
        defs = definitions_on(SETTINGS, warehouse, reporting_file)
        outcome = catch_up(defs, instance=instance)
    assert outcome.success, outcome.failures
    return warehouse, logs.text()


def text_cells(path: Path, *, skip_prefix: str | None = None) -> dict[str, str]:
    """Every text-like column's values of every table of a DuckDB file, per `schema.table`."""
    out: dict[str, str] = {}
    with duckdb.connect(str(path), read_only=True) as db:
        columns = db.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where data_type in ('VARCHAR', 'JSON') or data_type like '%[]' or data_type like 'STRUCT%'"
        ).fetchall()
        for schema, table, column in columns:
            if skip_prefix and schema.startswith(skip_prefix):
                continue
            value = db.execute(
                f'select string_agg(cast("{column}" as varchar), chr(10)) from "{schema}"."{table}"'
            )
            out[f"{schema}.{table}"] = out.get(f"{schema}.{table}", "") + "\n" + (value.fetchone()[0] or "")
    return out


def test_personal_data_lands_in_raw(synced, personal_data):
    warehouse, _ = synced
    with duckdb.connect(str(warehouse), read_only=True) as db:
        contacts = {
            value
            for row in db.execute(
                "select email, phone, firstname || ' ' || lastname from raw_hubspot.contacts"
            ).fetchall()
            for value in row
            if value
        }
        emails = "\n".join(r[0] for r in db.execute("select _raw from raw_hubspot.emails").fetchall())
    assert contacts & personal_data
    assert any(value in emails for value in personal_data)  # every property is kept in _raw


def test_personal_data_goes_nowhere_else(synced, personal_data):
    warehouse, logs = synced
    places = {"logs": logs, **text_cells(warehouse, skip_prefix="raw_")}
    serving = warehouse.parent / "serving"
    published = [p for p in serving.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in published)
    places |= {f"published {k}": v for k, v in text_cells(serving / "barometer.duckdb").items()}
    with duckdb.connect() as db:
        for path in published:
            if path.suffix == ".parquet":
                places[str(path)] = str(db.execute("select * from read_parquet(?)", [str(path)]).fetchall())
    for place, text in places.items():
        assert leaked(text, personal_data) == [], place

"""End to end: both CRMs from the sandbox, through the real clients, into DuckDB raw tables.

The raw tables must equal the sandbox's current state after a full sync, after mutations and an
incremental sync, when anything is run twice, when an old window is re-run, and under faults.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from connectors.salesforce import SyncSettings
from connectors.sources import open_sources
from connectors.streams import Window
from models.engine import make_engine
from models.sync import HISTORY_START, catch_up_window, run_stream
from sandbox.faults import FaultRule
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

END = datetime(2026, 5, 4)
ORG = OrgConfig(seed=3, reps=10, teams=2, days=150, end=END, activities=8_000)
QUICK_RETRIES = SyncSettings(backoff_initial_seconds=0.05, backoff_max_seconds=0.5)
LOGIN_ENV = ("SALESFORCE_INSTANCE_URL", "SALESFORCE_ACCESS_TOKEN")

# (raw table, store query giving (id, source_updated_at, is_deleted) as the contract defines them)
SALESFORCE_TABLES = {
    "task": 'SELECT "Id", "SystemModstamp", "IsDeleted" FROM salesforce."Task"',
    "event": 'SELECT "Id", "SystemModstamp", "IsDeleted" FROM salesforce."Event"',
    "contact": 'SELECT "Id", "SystemModstamp", "IsDeleted" FROM salesforce."Contact"',
    "lead": 'SELECT "Id", "SystemModstamp", "IsDeleted" FROM salesforce."Lead"',
    "opportunity": 'SELECT "Id", "SystemModstamp", "IsDeleted" FROM salesforce."Opportunity"',
    "opportunity_history": 'SELECT "Id", "SystemModstamp", "IsDeleted" FROM salesforce."OpportunityHistory"',
    "user": 'SELECT "Id", "SystemModstamp", false FROM salesforce."User"',
    "opportunity_stage": 'SELECT "Id", "SystemModstamp", false FROM salesforce."OpportunityStage"',
}
HUBSPOT_TABLES = {
    name: f"""SELECT CAST(id AS VARCHAR), CASE WHEN archived THEN archived_at ELSE {modified} END, archived
              FROM hubspot."{name}" """
    for name, modified in (
        ("calls", "hs_lastmodifieddate"),
        ("meetings", "hs_lastmodifieddate"),
        ("deals", "hs_lastmodifieddate"),
        ("contacts", "lastmodifieddate"),
        ("emails", "hs_lastmodifieddate"),
        ("tasks", "hs_lastmodifieddate"),
    )
}


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def sandbox_state(box: Sandbox) -> dict[str, set]:
    cur = box.store.cursor()
    state = {
        f"raw_salesforce.{t}": {(r[0], r[1], r[2]) for r in cur.execute(q).fetchall()}
        for t, q in SALESFORCE_TABLES.items()
    }
    state |= {
        f"raw_hubspot.{t}": {(r[0], r[1], r[2]) for r in cur.execute(q).fetchall()}
        for t, q in HUBSPOT_TABLES.items()
    }
    owners = cur.execute("SELECT CAST(id AS VARCHAR), archived FROM hubspot.owners").fetchall()
    state["raw_hubspot.owners"] = {(r[0], r[1]) for r in owners}
    history = cur.execute(
        "SELECT object_id, count(*) FROM hubspot.property_history WHERE property = 'dealstage' GROUP BY ALL"
    ).fetchall()
    state["raw_hubspot.deal_stage_history"] = {(str(r[0]), r[1]) for r in history}
    return state


def warehouse_state(engine) -> dict[str, set]:
    with engine.connect() as conn:
        raw = conn.connection.driver_connection

        def rows(sql: str) -> list[tuple]:
            return raw.execute(sql).fetchall()

        state = {
            f"raw_salesforce.{t}": {
                (r[0], _naive(r[1]), r[2])
                for r in rows(f'SELECT "Id", _source_updated_at, _is_deleted FROM raw_salesforce.{t}')
            }
            for t in SALESFORCE_TABLES
        }
        state |= {
            f"raw_hubspot.{t}": {
                (str(r[0]), _naive(r[1]), r[2])
                for r in rows(f"SELECT id, _source_updated_at, _is_deleted FROM raw_hubspot.{t}")
            }
            for t in HUBSPOT_TABLES
        }
        state["raw_hubspot.owners"] = {
            (str(r[0]), r[1]) for r in rows("SELECT id, _is_deleted FROM raw_hubspot.owners")
        }
        history = rows(
            """SELECT h.deal_id, count(*) FROM raw_hubspot.deal_stage_history h
               JOIN raw_hubspot.deals d ON d.id = h.deal_id GROUP BY ALL"""
        )
        state["raw_hubspot.deal_stage_history"] = {(str(r[0]), r[1]) for r in history}
    return state


def sandbox_now(box: Sandbox) -> datetime:
    """One millisecond past the sandbox's clock, which stamps its changes (a window's end is exclusive)."""
    return box.clock.now.replace(tzinfo=UTC) + timedelta(milliseconds=1)


def sync(box: Sandbox, engine, window: Window | None = None, *, env_drop: tuple[str, ...] = ()) -> dict:
    """Every configured stream once, over `window` or else its catch-up window up to the sandbox's now;
    returns the run reports by stream name."""
    env = {k: v for k, v in box.credentials().items() if k not in env_drop}
    session = box.salesforce_session()
    try:
        with open_sources(env, salesforce_session=session, salesforce_settings=QUICK_RETRIES) as sources:
            assert sources.skipped == []
            return {
                s.name: run_stream(engine, s, window or catch_up_window(engine, s, now=sandbox_now(box)))
                for s in sources.streams
            }
    finally:
        session.close()


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def synced(box, tmp_path_factory):
    """A warehouse after one full sync, and the reports of that sync."""
    engine = make_engine(tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    box.requests.clear()
    reports = sync(box, engine)
    yield engine, reports
    engine.dispose()


def test_a_full_sync_lands_exactly_the_generated_records(box, synced):
    engine, reports = synced
    expected, landed = sandbox_state(box), warehouse_state(engine)
    for table in expected:
        assert landed[table] == expected[table], table
    assert all(report.rejected == 0 for report in reports.values())
    assert sum(r.api_calls for r in reports.values()) == box.requests.count()


def test_hostile_text_lands_verbatim(box, synced):
    engine, _ = synced
    names = {
        r[0]
        for r in box.store.cursor()
        .execute('SELECT "Subject" FROM salesforce."Task" WHERE "TaskSubtype" = \'Call\'')
        .fetchall()
    }
    hostile = {n for n in names if n and any(c in n for c in "'\"\n;\\")}
    assert hostile
    with engine.connect() as conn:
        landed = {
            r[0]
            for r in conn.connection.driver_connection.execute(
                'SELECT "Subject" FROM raw_salesforce.task'
            ).fetchall()
        }
    assert hostile <= landed


def test_running_the_same_sync_again_changes_nothing(box, synced):
    engine, _ = synced
    before = warehouse_state(engine)
    sync(box, engine, Window(HISTORY_START, sandbox_now(box)))
    assert warehouse_state(engine) == before


def test_an_incremental_sync_after_changes_equals_the_new_state(box, synced):
    engine, full = synced
    box.clock.advance(timedelta(hours=6))
    changes = box.mutations.random_changes(60)
    box.clock.advance(timedelta(minutes=10))
    box.requests.clear()
    reports = sync(box, engine)
    assert warehouse_state(engine) == sandbox_state(box)
    incremental_calls = sum(r.api_calls for r in reports.values())
    full_calls = sum(r.api_calls for r in full.values())
    assert len(changes) == 60
    assert incremental_calls < full_calls / 2, (incremental_calls, full_calls)


def test_re_running_an_old_window_leaves_newer_versions(box, synced):
    engine, _ = synced
    before = warehouse_state(engine)
    sync(box, engine, Window(datetime(2000, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)))
    assert warehouse_state(engine) == before == sandbox_state(box)


def test_with_ten_percent_faults_the_result_equals_the_fault_free_run(box, synced, tmp_path):
    engine, _ = synced
    faulty = make_engine(tmp_path / "faulty.duckdb")
    box.inject_faults(FaultRule("*", rate=0.1, slow_seconds=0.05))
    try:
        sync(box, faulty, env_drop=LOGIN_ENV)  # a login flow, so expired sessions are renewed
    finally:
        box.faults.clear()
    assert box.faults.injected >= 3  # few calls at this size: every kind is covered per connector
    assert warehouse_state(faulty) == warehouse_state(engine)
    faulty.dispose()


def test_secrets_never_reach_logs_or_the_warehouse(box, synced, caplog, tmp_path):
    engine = make_engine(tmp_path / "secrets.duckdb")
    caplog.set_level(logging.DEBUG)
    box.inject_faults(FaultRule("*", rate=0.05))
    try:
        sync(box, engine, env_drop=LOGIN_ENV)
    finally:
        box.faults.clear()
    creds = box.config.salesforce.credentials
    secrets = [
        creds.password,
        creds.security_token,
        creds.consumer_secret,
        box.credentials()["HUBSPOT_ACCESS_TOKEN"],
    ]
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        meta = str(raw.execute("SELECT * FROM raw_meta.sync_runs").fetchall())
        meta += str(raw.execute("SELECT * FROM raw_meta.rejects").fetchall())
    for secret in secrets:
        assert secret not in caplog.text
        assert secret not in meta
    engine.dispose()

"""Bad input: the catalogue of malformed records (bad_input.CASES) served by both CRM emulators in one
sync of the whole pipeline, with the first page of each CRM arriving as broken JSON. Every record is
loaded with an exact value or rejected with its reason (raw payload kept); the sync finishes, each run
reconciles (fetched = loaded + rejected), and checks report what needs a person. A page that stays
broken fails its run with a clear error and loses nothing: the next run loads everything.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import duckdb
import pyarrow as pa
import pytest
from bad_input import (
    CALLS,
    CASES,
    NO_CONTACT,
    STORED,
    TASK,
    Case,
    Served,
    amount_token_once,
    association_tamper,
    broken_once,
    hubspot_tamper,
    invalid_token,
    marker,
    salesforce_tamper,
    truncated,
)
from pipeline_helpers import LogCollector, dagster_text, leaked, prospect_personal_data, sandbox_environment

from connectors import hubspot
from connectors.hubspot.errors import RetriesExhausted
from connectors.hubspot.settings import CRM_OBJECTS, CrmObject
from connectors.hubspot.specs import CATALOG as HUBSPOT_CATALOG
from connectors.hubspot.specs import associations_spec, crm_object_spec
from connectors.salesforce import SyncSettings
from connectors.salesforce.errors import RetriesExhausted as SalesforceRetriesExhausted
from connectors.salesforce.mapping import map_csv, read_bulk_csv
from connectors.salesforce.specs import CATALOG as SALESFORCE_CATALOG
from connectors.salesforce.specs import EXTRACTIONS
from connectors.salesforce.specs import OPPORTUNITY as OPPORTUNITY_SPEC
from connectors.sources import open_sources
from models.engine import make_engine
from models.sync import catch_up_window, run_stream
from pipelines.definitions import build_definitions
from pipelines.demo import sandbox_reporting_toml
from pipelines.extract_assets import NOTHING_REJECTED
from pipelines.resources import ReportingResource, WarehouseResource
from pipelines.runs import RunOutcome, catch_up
from pipelines.settings import PipelineSettings
from sandbox.faults import PageTamper
from sandbox.hubspot.objects import ASSOCIATION_TYPES
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

STREAMS = (*SALESFORCE_CATALOG, *HUBSPOT_CATALOG)  # every stream of both connectors
MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
ORG = OrgConfig(seed=23, reps=6, teams=2, days=40, end=MIDNIGHT - timedelta(days=1), activities=1_500)
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=3)).date())
# Where each case goes, derived from the stream catalogues: a Salesforce table's object, a HubSpot
# table's CRM object (records) or parent object (associations), and the stream that fills the table.
SOBJECTS = {e.spec.table_name: e.sobject for e in EXTRACTIONS}
HUBSPOT_OBJECTS = {crm_object_spec(o).table_name: o for o in CRM_OBJECTS}
ASSOCIATED = {associations_spec(o).table_name: o for o in CRM_OBJECTS}
STREAM_OF = {
    spec.table_name: stream
    for stream, specs in (*SALESFORCE_CATALOG.items(), *HUBSPOT_CATALOG.items())
    for spec in specs
}
CASE_TABLES = sorted({c.table for c in CASES})
RECORD_TABLES = [t for t in CASE_TABLES if t in SOBJECTS or t in HUBSPOT_OBJECTS]
CASE_STREAMS = sorted({STREAM_OF[t] for t in CASE_TABLES})


def own_table(stream: str) -> str:
    return {**SALESFORCE_CATALOG, **HUBSPOT_CATALOG}[stream][0].table_name


def page_property(obj: CrmObject) -> str:
    """A property only `obj` has: it tells the object's search pages apart (hs_call_title, jobtitle)."""
    others = {p.name for o in CRM_OBJECTS if o is not obj for p in o.properties}
    return next(p.name for p in obj.properties if p.name not in others)


def store_table(table: str) -> tuple[str, str]:
    """The sandbox store's table holding a landing table's records, and its id as text."""
    if table in SOBJECTS:
        return f'salesforce."{SOBJECTS[table]}"', '"Id"'
    return f'hubspot."{HUBSPOT_OBJECTS[table].object_type}"', "cast(id as varchar)"


# store query giving the ids a landing table must hold (every generated record: none is lost)
STORE_IDS = {t: "select {1} from {0}".format(*store_table(t)) for t in RECORD_TABLES}


def id_column(table: str) -> str:
    if table in ASSOCIATED:
        return "cast(to_id as varchar)"  # the associated record's id
    return '"Id"' if table in SOBJECTS else "cast(id as varchar)"


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


@dataclass
class BadSync:
    warehouse: str
    outcome: RunOutcome
    served: Served
    tampered: dict[str, int]
    seconds: float
    logs: str  # every log record of the sync (INFO and up): retries, warnings, errors
    events: str  # Dagster's runs and event log (check metadata: the reject reasons users see)
    db: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)  # one for every query


@pytest.fixture(scope="module")
def bad_sync(box, tmp_path_factory) -> Iterator[BadSync]:
    """One `barometer sync` of the whole graph while the emulators serve the catalogue, the first
    answer of each CRM's query/search endpoints being broken JSON."""
    folder = tmp_path_factory.mktemp("bad-input")
    warehouse = folder / "warehouse.duckdb"
    reporting = folder / "reporting.toml"
    reporting.write_text(sandbox_reporting_toml(), encoding="utf-8")
    served = Served()
    box.tamper_pages(broken_once("salesforce.query*", truncated))
    box.tamper_pages(broken_once("hubspot.objects.search", invalid_token))
    box.tamper_pages(amount_token_once("Opportunity", float("nan")))
    for table in CASE_TABLES:
        cases = [c for c in CASES if c.table == table]
        if table in SOBJECTS:
            box.tamper_pages(salesforce_tamper(SOBJECTS[table], cases, served))
        elif table in HUBSPOT_OBJECTS:
            obj = HUBSPOT_OBJECTS[table]
            box.tamper_pages(
                hubspot_tamper(page_property(obj), cases, served, modified=obj.modified_property)
            )
        else:  # associations of ASSOCIATED[table] to contacts
            type_id, _ = ASSOCIATION_TYPES[(ASSOCIATED[table].object_type, "contacts")]
            box.tamper_pages(association_tamper(type_id, cases, served))
    resources = {
        "warehouse": WarehouseResource(location=str(warehouse)),
        "reporting": ReportingResource(config_file=str(reporting)),
    }
    try:
        with (
            dg.DagsterInstance.ephemeral() as instance,
            sandbox_environment(box),
            LogCollector(logging.INFO) as logs,
        ):
            started = time.perf_counter()
            outcome = catch_up(build_definitions(SETTINGS, resources=resources), instance=instance)
            seconds = time.perf_counter() - started
            events = dagster_text(instance)
    finally:
        tampered = dict(box.faults.tampered_by_endpoint)
        box.faults.clear()
    synced = BadSync(str(warehouse), outcome, served, tampered, seconds, logs.text(), events)
    yield synced
    if synced.db is not None:
        synced.db.close()


def query(bad_sync: BadSync, sql: str, params: list | None = None) -> list[tuple]:
    if bad_sync.db is None:  # one read-only connection for the module's queries
        bad_sync.db = duckdb.connect(bad_sync.warehouse, read_only=True)
    return bad_sync.db.execute(sql, params or []).fetchall()


def test_the_sync_finishes_and_builds_everything(bad_sync):
    # extraction, every build step and the publication succeed: the checks that report the bad input
    # are warnings (the figures stay right)
    assert bad_sync.outcome.failures == []
    assert {"core/activities", "core/deals", "marts/deal_facts", "serving/snapshot"} <= set(
        bad_sync.outcome.metadata
    )
    assert len(bad_sync.served.record_ids) == len(CASES)  # every case was served
    assert len(CASES) >= 25


def test_every_run_reconciles_and_counts_every_record_served(box, bad_sync):
    runs = query(bad_sync, "select stream, status, fetched, loaded, rejected from raw_meta.sync_runs")
    assert len(runs) == len(STREAMS)  # one per stream
    assert {status for _, status, *_ in runs} == {"succeeded"}
    assert [r for r in runs if r[2] != r[3] + r[4]] == []
    for table, sql in STORE_IDS.items():  # the record tables (associations come per record)
        generated = len(box.store.cursor().execute(sql).fetchall())
        served = [c for c in CASES if c.table == table]
        metadata = bad_sync.outcome.metadata[table.replace(".", "/")]
        assert metadata["rejected"] == sum(c.rejected for c in served), table
        assert metadata["loaded"] + metadata["rejected"] == generated + len(served), table


def test_no_generated_record_is_lost(box, bad_sync):
    for table, sql in STORE_IDS.items():
        generated = {r[0] for r in box.store.cursor().execute(sql).fetchall()}
        landed = {r[0] for r in query(bad_sync, f"select {id_column(table)} from {table}")}
        assert generated <= landed, table


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_bad_record_is_loaded_exactly_or_rejected_with_its_reason(box, bad_sync, case: Case):
    found = query(
        bad_sync,
        "select reason, record_id, payload::varchar, table_name from raw_meta.rejects "
        "where contains(payload::varchar, $1)",
        [marker(case.id)],
    )
    if case.rejected:
        assert [(r[0], r[3]) for r in found] == [(case.reason, case.table)]
        if case.table not in ASSOCIATED:  # an association has no _raw; its target id was not a number
            in_table = query(
                bad_sync,
                f"select count(*) from {case.table} where contains(_raw::varchar, $1)",
                [marker(case.id)],
            )
            assert in_table == [(0,)]
        return
    assert found == []
    record_id = bad_sync.served.record_ids[case.id]
    rows = query(
        bad_sync, f'select "{case.column}" from {case.table} where {id_column(case.table)} = $1', [record_id]
    )
    expected = case.value
    if expected is STORED:
        store, key = store_table(case.table)
        sql = f'select "{case.column}" from {store} where {key} = ?'
        expected = box.store.cursor().execute(sql, [str(bad_sync.served.base_ids[case.id])]).fetchone()[0]
    assert rows == [(expected,)]


def checks(bad_sync: BadSync) -> dict[tuple[str, str], object]:
    return {(c.asset, c.name): c for c in bad_sync.outcome.checks}


def test_a_warning_check_reports_the_rejects_of_each_run(bad_sync):
    for stream in CASE_STREAMS:  # the check sits on the stream's own table, counts its child tables too
        check = checks(bad_sync)[(own_table(stream).replace(".", "/"), NOTHING_REJECTED)]
        expected = [c for c in CASES if STREAM_OF[c.table] == stream and c.rejected]
        assert not check.passed, stream
        assert check.severity == "WARN"
        assert check.metadata["rejected"] == len(expected)
        by_table = {t: sum(c.table == t for c in expected) for t in CASE_TABLES}
        assert check.metadata["by_table"] == {t: n for t, n in by_table.items() if n}
        reasons = {s["reason"] for s in check.metadata["sample_reasons"]}
        assert reasons <= {c.reason for c in expected}
        assert len(reasons) == min(10, len({c.reason for c in expected}))
    passing = [c for (asset, name), c in checks(bad_sync).items() if name == NOTHING_REJECTED and c.passed]
    own_tables = {own_table(stream).replace(".", "/") for stream in STREAMS}
    tampered = {own_table(stream).replace(".", "/") for stream in CASE_STREAMS}
    assert {c.asset for c in passing} == own_tables - tampered  # every other stream passes


def test_loaded_oddities_fail_the_checks_that_judge_them(bad_sync):
    found = checks(bad_sync)
    orphans = found[("core/activities", "rep_id_in_reps")]
    assert not orphans.passed
    assert {s["rep_id"] for s in orphans.metadata["sample"]} == {
        "salesforce:005000000000BADAAA",
        "hubspot:999999999",
    }
    # an e-mail with a WhoId of no contact (Salesforce), one associated with no contact (HubSpot)
    no_contact = found[("core/activities", "contact_id_in_contacts")]
    assert not no_contact.passed
    assert {s["contact_id"] for s in no_contact.metadata["sample"]} == {
        f"salesforce:{NO_CONTACT}",
        f"hubspot:{bad_sync.served.record_ids['hs-email-association-unknown-contact']}",
    }
    stages = found[("core/deals", "stages_mapped")]
    assert not stages.passed
    assert {s["stage"] for s in stages.metadata["sample"]} == {"Stage Nobody Mapped", "no_such_stage"}
    reconciled = [c for (_, name), c in found.items() if name == "fetched_equals_loaded_plus_rejected"]
    assert len(reconciled) == len(STREAMS)  # one per stream
    assert [c.asset for c in reconciled if not c.passed] == []


def test_a_page_broken_once_is_asked_again(bad_sync):
    # The three broken answers (a truncated Salesforce page, one with a bare NaN token, a HubSpot page
    # with an invalid token), a page of bad records per table and an associations answer went out; the
    # sync still succeeded with every generated record (test_no_generated_record_is_lost).
    record_pages = {
        crm: sum(t.startswith(f"raw_{crm}.") for t in RECORD_TABLES) for crm in ("salesforce", "hubspot")
    }
    assert bad_sync.tampered["hubspot.objects.search"] == 1 + record_pages["hubspot"]
    assert bad_sync.tampered["hubspot.associations.batch_read"] == len(ASSOCIATED.keys() & set(CASE_TABLES))
    salesforce = sum(n for e, n in bad_sync.tampered.items() if e.startswith("salesforce.query"))
    assert salesforce == 2 + record_pages["salesforce"]


def test_no_prospect_personal_data_in_logs_events_or_reject_reasons(box, bad_sync):
    """Records holding a prospect's e-mail or phone in a malformed value are rejected without quoting
    it: their reasons reach the check metadata (Dagster's event log) and raw_meta.rejects.reason; the
    payload, raw data, keeps it. No log line of the sync (retries of broken pages included) holds any."""
    personal = prospect_personal_data(box)
    reasons = "\n".join(r[0] for r in query(bad_sync, "select reason from raw_meta.rejects"))
    places = {"logs": bad_sync.logs, "Dagster event log": bad_sync.events, "reject reasons": reasons}
    assert bad_sync.logs  # both were captured
    assert "nothing_rejected" in bad_sync.events
    for place, text in places.items():
        assert leaked(text, personal) == [], place
    payloads = "\n".join(r[0] for r in query(bad_sync, "select payload::varchar from raw_meta.rejects"))
    assert leaked(payloads, personal)  # the rejected records themselves are kept whole


# -- a page that stays broken -------------------------------------------------------------------------

QUICK_SALESFORCE = SyncSettings(
    rest_batch_size=200, max_attempts=3, backoff_initial_seconds=0.01, backoff_max_seconds=0.05
)


def rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql).fetchall()]


def broken_after_first(body: bytes, seen: list[int]) -> bytes | None:
    seen.append(1)
    return None if len(seen) == 1 else truncated(body)


def test_a_salesforce_page_broken_for_good_fails_the_run_clearly_and_loses_nothing(box, tmp_path):
    engine = make_engine(tmp_path / "w.duckdb")
    box.tamper_pages(PageTamper("salesforce.query_more", truncated))  # every page after the first
    session = box.salesforce_session()
    try:
        with open_sources(
            box.credentials(), salesforce_session=session, salesforce_settings=QUICK_SALESFORCE
        ) as s:
            task = next(stream for stream in s.streams if stream.name == "salesforce.task")
            with pytest.raises(SalesforceRetriesExhausted) as failure:
                run_stream(engine, task, catch_up_window(engine, task.name))
    finally:
        box.faults.clear()
    message = str(failure.value)
    assert "salesforce Task" in message
    assert "gave up after 3 attempts" in message
    assert "JSONDecodeError" in message
    assert "re-run the window later (nothing was skipped)" in message
    [(status, fetched, error, newest_change_at)] = rows(
        engine, "select status, fetched, error, newest_change_at from raw_meta.sync_runs"
    )
    [landed] = rows(engine, "select count(*), max(_source_updated_at) from raw_salesforce.task")
    assert status == "failed"
    assert error.startswith("RetriesExhausted: ")
    assert fetched == landed[0] == 200  # the first page stays committed, counted in its run's record
    assert newest_change_at == landed[1]
    try:
        with open_sources(
            box.credentials(), salesforce_session=session, salesforce_settings=QUICK_SALESFORCE
        ) as s:
            task = next(stream for stream in s.streams if stream.name == "salesforce.task")
            run_stream(engine, task, catch_up_window(engine, task.name))  # the failed window again
    finally:
        session.close()
    generated = {r[0] for r in box.store.cursor().execute(STORE_IDS[TASK]).fetchall()}
    landed_ids = {r[0] for r in rows(engine, 'select "Id" from raw_salesforce.task')}
    assert landed_ids == generated
    engine.dispose()


def test_a_hubspot_page_broken_for_good_fails_the_run_clearly_and_loses_nothing(box, tmp_path):
    engine = make_engine(tmp_path / "w.duckdb")
    credentials = box.credentials()
    config = hubspot.HubSpotConfig(
        access_token=credentials["HUBSPOT_ACCESS_TOKEN"],
        base_url=credentials["HUBSPOT_BASE_URL"],
        max_attempts=3,
        backoff_seconds=0.01,
        backoff_max_seconds=0.05,
    )
    calls = next(s for s in hubspot.streams(config) if s.name == "hubspot.calls")
    seen: list[int] = []
    box.tamper_pages(PageTamper("hubspot.objects.search", lambda body: broken_after_first(body, seen)))
    try:
        with pytest.raises(RetriesExhausted) as failure:
            run_stream(engine, calls, catch_up_window(engine, calls.name))
    finally:
        box.faults.clear()
    message = str(failure.value)
    assert "search still failing after 3 attempts" in message
    assert "malformed JSON body" in message
    assert failure.value.object_type == "calls"
    [(status, error)] = rows(engine, "select status, error from raw_meta.sync_runs")
    assert status == "failed"
    assert error.startswith("RetriesExhausted: ")
    run_stream(engine, calls, catch_up_window(engine, calls.name))
    generated = {r[0] for r in box.store.cursor().execute(STORE_IDS[CALLS]).fetchall()}
    landed_ids = {str(r[0]) for r in rows(engine, "select id from raw_hubspot.calls")}
    assert landed_ids == generated
    engine.dispose()


def test_bulk_csv_pages_reject_nan_infinity_and_years_outside_1_to_9999_too():
    """The Bulk API 2.0 path (windows over 10,000 records) parses text: the same values are refused."""
    csv = (
        b"Id,SystemModstamp,IsDeleted,Amount,CloseDate\n"
        b"006B1,2026-01-01T00:00:00.000Z,false,NaN,2026-01-31\n"
        b"006B2,2026-01-01T00:00:00.000Z,false,-Infinity,2026-01-31\n"
        b"006B3,2026-01-01T00:00:00.000Z,false,12.5,0000-01-01\n"
        b"006B4,2026-01-01T00:00:00.000Z,false,12.5,9999-12-31\n"
    )
    table = read_bulk_csv(csv)
    mapped = map_csv(OPPORTUNITY_SPEC, table, pa.array(["{}"] * table.num_rows), has_is_deleted=True)
    assert [(r.record_id, r.reason) for r in mapped.rejects] == [
        ("006B1", "Amount: cannot read 'NaN' as a finite number"),
        ("006B2", "Amount: cannot read '-Infinity' as a finite number"),
        ("006B3", "CloseDate: cannot read '0000-01-01' as a date"),
    ]
    assert mapped.rows.column("CloseDate").to_pylist() == [date(9999, 12, 31)]

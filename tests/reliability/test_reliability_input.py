"""Bad input: the catalogue of malformed records (bad_input.CASES) served by both CRM emulators in one
sync of the whole pipeline, with the first page of each CRM arriving as broken JSON. Every record is
loaded with an exact value or rejected with its reason (raw payload kept); the sync finishes, each run
reconciles (fetched = loaded + rejected), and checks report what needs a person. A page that stays
broken fails its run with a clear error and loses nothing: the next run loads everything.
"""

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import dagster as dg
import duckdb
import pyarrow as pa
import pytest
from bad_input import (
    CALLS,
    CASES,
    DEALS,
    HUBSPOT_CASES,
    OPPORTUNITY,
    SALESFORCE_CASES,
    STORED,
    TASK,
    Case,
    Served,
    amount_token_once,
    broken_once,
    hubspot_tamper,
    invalid_token,
    marker,
    salesforce_tamper,
    truncated,
)
from pipeline_helpers import sandbox_environment

from connectors import hubspot
from connectors.hubspot.errors import RetriesExhausted
from connectors.hubspot.specs import CATALOG as HUBSPOT_CATALOG
from connectors.salesforce import SyncSettings
from connectors.salesforce.errors import RetriesExhausted as SalesforceRetriesExhausted
from connectors.salesforce.mapping import map_csv, read_bulk_csv
from connectors.salesforce.specs import CATALOG as SALESFORCE_CATALOG
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
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

STREAMS = (*SALESFORCE_CATALOG, *HUBSPOT_CATALOG)  # every stream of both connectors
MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
ORG = OrgConfig(seed=23, reps=6, teams=2, days=40, end=MIDNIGHT - timedelta(days=1), activities=1_500)
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=3)).date())
# store query giving the ids a landing table must hold (every generated record: none is lost)
STORE_IDS = {
    TASK: 'select "Id" from salesforce."Task"',
    OPPORTUNITY: 'select "Id" from salesforce."Opportunity"',
    CALLS: "select cast(id as varchar) from hubspot.calls",
    DEALS: "select cast(id as varchar) from hubspot.deals",
}
ID_COLUMN = {"salesforce": '"Id"', "hubspot": "cast(id as varchar)"}
STORE_VALUE = {  # the sandbox's value of a case's column for its base record
    TASK: 'select "{column}" from salesforce."Task" where "Id" = ?',
    CALLS: 'select "{column}" from hubspot.calls where id = ?',
}


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


@pytest.fixture(scope="module")
def bad_sync(box, tmp_path_factory) -> BadSync:
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
    for sobject, table in (("Task", TASK), ("Opportunity", OPPORTUNITY)):
        box.tamper_pages(
            salesforce_tamper(sobject, [c for c in SALESFORCE_CASES if c.table == table], served)
        )
    for prop, table in (("hs_call_title", CALLS), ("dealname", DEALS)):
        box.tamper_pages(hubspot_tamper(prop, [c for c in HUBSPOT_CASES if c.table == table], served))
    resources = {
        "warehouse": WarehouseResource(location=str(warehouse)),
        "reporting": ReportingResource(config_file=str(reporting)),
    }
    try:
        with dg.DagsterInstance.ephemeral() as instance, sandbox_environment(box):
            started = time.perf_counter()
            outcome = catch_up(build_definitions(SETTINGS, resources=resources), instance=instance)
            seconds = time.perf_counter() - started
    finally:
        tampered = dict(box.faults.tampered_by_endpoint)
        box.faults.clear()
    return BadSync(str(warehouse), outcome, served, tampered, seconds)


def query(bad_sync: BadSync, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(bad_sync.warehouse, read_only=True) as db:
        return db.execute(sql, params or []).fetchall()


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
    for table, sql in STORE_IDS.items():
        generated = len(box.store.cursor().execute(sql).fetchall())
        served = [c for c in CASES if c.table == table]
        metadata = bad_sync.outcome.metadata[table.replace(".", "/")]
        assert metadata["rejected"] == sum(c.rejected for c in served), table
        assert metadata["loaded"] + metadata["rejected"] == generated + len(served), table


def test_no_generated_record_is_lost(box, bad_sync):
    for table, sql in STORE_IDS.items():
        generated = {r[0] for r in box.store.cursor().execute(sql).fetchall()}
        crm = table.split(".")[0].removeprefix("raw_")
        landed = {r[0] for r in query(bad_sync, f"select {ID_COLUMN[crm]} from {table}")}
        assert generated <= landed, table


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_bad_record_is_loaded_exactly_or_rejected_with_its_reason(box, bad_sync, case: Case):
    found = query(
        bad_sync,
        "select reason, record_id, payload::varchar, table_name from raw_meta.rejects "
        "where contains(payload::varchar, $1)",
        [marker(case.id)],
    )
    crm = case.table.split(".")[0].removeprefix("raw_")
    in_table = query(
        bad_sync, f"select count(*) from {case.table} where contains(_raw::varchar, $1)", [marker(case.id)]
    )
    if case.rejected:
        assert [(r[0], r[3]) for r in found] == [(case.reason, case.table)]
        assert in_table == [(0,)]
        return
    assert found == []
    record_id = bad_sync.served.record_ids[case.id]
    rows = query(
        bad_sync, f'select "{case.column}" from {case.table} where {ID_COLUMN[crm]} = $1', [record_id]
    )
    expected = case.value
    if expected is STORED:
        sql = STORE_VALUE[case.table].format(column=case.column)
        key = bad_sync.served.base_ids[case.id]
        expected = box.store.cursor().execute(sql, [key if crm == "salesforce" else int(key)]).fetchone()[0]
    assert rows == [(expected,)]


def checks(bad_sync: BadSync) -> dict[tuple[str, str], object]:
    return {(c.asset, c.name): c for c in bad_sync.outcome.checks}


def test_a_warning_check_reports_the_rejects_of_each_run(bad_sync):
    for table in (TASK, OPPORTUNITY, CALLS, DEALS):
        check = checks(bad_sync)[(table.replace(".", "/"), NOTHING_REJECTED)]
        expected = [c for c in CASES if c.table == table and c.rejected]
        assert not check.passed
        assert check.severity == "WARN"
        assert check.metadata["rejected"] == len(expected)
        assert check.metadata["by_table"] == {table: len(expected)}
        reasons = {s["reason"] for s in check.metadata["sample_reasons"]}
        assert reasons <= {c.reason for c in expected}
        assert len(reasons) == min(10, len({c.reason for c in expected}))
    passing = [c for (asset, name), c in checks(bad_sync).items() if name == NOTHING_REJECTED and c.passed]
    own_tables = {
        f"raw_{t[0].source}/{t[0].name}" for t in (*SALESFORCE_CATALOG.values(), *HUBSPOT_CATALOG.values())
    }
    tampered = {table.replace(".", "/") for table in (TASK, OPPORTUNITY, CALLS, DEALS)}
    assert {c.asset for c in passing} == own_tables - tampered  # every other stream passes


def test_loaded_oddities_fail_the_checks_that_judge_them(bad_sync):
    found = checks(bad_sync)
    orphans = found[("core/activities", "rep_id_in_reps")]
    assert not orphans.passed
    assert {s["rep_id"] for s in orphans.metadata["sample"]} == {
        "salesforce:005000000000BADAAA",
        "hubspot:999999999",
    }
    stages = found[("core/deals", "stages_mapped")]
    assert not stages.passed
    assert {s["stage"] for s in stages.metadata["sample"]} == {"Stage Nobody Mapped", "no_such_stage"}
    reconciled = [c for (_, name), c in found.items() if name == "fetched_equals_loaded_plus_rejected"]
    assert len(reconciled) == len(STREAMS)  # one per stream
    assert [c.asset for c in reconciled if not c.passed] == []


def test_a_page_broken_once_is_asked_again(bad_sync):
    # The three broken answers (a truncated Salesforce page, one with a bare NaN token, a HubSpot page
    # with an invalid token) and the four pages of bad records went out; the sync still succeeded with
    # every generated record (test_no_generated_record_is_lost).
    assert bad_sync.tampered["hubspot.objects.search"] == 3
    assert sum(n for e, n in bad_sync.tampered.items() if e.startswith("salesforce.query")) == 4


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

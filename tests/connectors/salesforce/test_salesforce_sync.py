"""Streams against the Salesforce emulator: full windows equal the store, window bounds are exact,
incremental windows carry the changes, and the Bulk path lands the same rows as REST with fewer calls."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import orjson
import pyarrow.compute as pc
import pytest
from salesforce_helpers import (
    BY_NAME,
    EVERYTHING,
    FAST,
    assert_same_rows,
    own_columns,
    page_rows,
    standard_columns_agree,
    store_rows,
    utc,
)

from connectors.salesforce import SPECS, stream, streams
from connectors.salesforce.specs import EXTRACTIONS, TASK, Extraction
from connectors.salesforce.streams import SalesforceStream
from connectors.streams import RAW, Window
from models.engine import make_engine
from models.sync import HISTORY_START, OVERLAP, catch_up_window, loaded_until, run_stream

STREAM_NAMES = [e.stream_name for e in EXTRACTIONS]
BULK = replace(FAST, bulk_threshold=500, bulk_max_records=1_500, page_rows=700)


def shared_stamp(sandbox) -> tuple[datetime, int]:
    """The SystemModstamp most Tasks share, and how many share it."""
    stamp, count = (
        sandbox.store.cursor()
        .execute(
            """SELECT "SystemModstamp", count(*) FROM salesforce."Task"
               GROUP BY ALL ORDER BY 2 DESC LIMIT 1"""
        )
        .fetchone()
    )
    return utc(stamp), count


def test_streams_declare_their_tables():
    assert [s.name for s in SPECS] == [
        "user",
        "task",
        "event",
        "contact",
        "lead",
        "opportunity",
        "opportunity_history",
        "opportunity_stage",
    ]
    for spec in SPECS:
        assert spec.source == "salesforce"
        assert spec.primary_key == ("Id",)
        assert spec.table_name == f"raw_salesforce.{spec.name}"
        assert all(c.description for c in spec.all_columns)
        assert {"Id", "SystemModstamp", "CreatedDate"} <= {c.name for c in spec.columns}


@pytest.mark.parametrize("name", STREAM_NAMES)
def test_a_full_window_yields_exactly_the_stores_rows(sandbox, client, name):
    extraction = BY_NAME[name]
    pages = list(stream(client, name).pages(EVERYTHING))
    rows = page_rows(pages)
    assert sum(len(p.rejects) for p in pages) == 0
    assert all(p.rows.schema == extraction.spec.schema for p in pages)
    assert all(p.rows.num_rows <= FAST.page_rows for p in pages)  # REST pages hold 2,000; Bulk pages more
    expected = store_rows(sandbox, extraction)
    assert expected.num_rows > 0
    assert_same_rows(own_columns(rows, extraction), expected)
    standard_columns_agree(rows, extraction)
    # Pages come in ascending SystemModstamp.
    stamps = [stamp for p in pages for stamp in p.rows.column("SystemModstamp").to_pylist()]
    assert stamps == sorted(stamps)


def test_deleted_archived_and_hostile_rows_land_verbatim(sandbox, client):
    rows = page_rows(stream(client, "salesforce.task").pages(EVERYTHING))
    assert pc.sum(rows.column("IsDeleted")).as_py() > 0
    assert pc.sum(rows.column("IsArchived")).as_py() > 0
    hostile = (
        sandbox.store.cursor()
        .execute(
            """SELECT "Id", "Subject" FROM salesforce."Task" WHERE "TaskSubtype" = 'Call'
           AND ("Subject" LIKE '%''%' OR "Subject" LIKE '%' || chr(10) || '%')"""
        )
        .fetchall()
    )
    assert hostile
    by_id = {r["Id"]: r for r in rows.select(["Id", "Subject", RAW]).to_pylist()}
    for record_id, subject in hostile:
        assert by_id[record_id]["Subject"] == subject
        raw = orjson.loads(by_id[record_id][RAW])
        assert raw["Subject"] == subject
        assert raw["attributes"]["type"] == "Task"


def test_raw_holds_every_field_of_the_record(client):
    rows = page_rows(stream(client, "salesforce.opportunity").pages(EVERYTHING))
    raw = orjson.loads(rows.column(RAW)[0].as_py())
    fields = {f.name for f in client.describe("Opportunity", context="test")}
    assert set(raw) == fields | {"attributes"}
    assert {"Description", "LeadSource", "CurrencyIsoCode"} <= set(raw)


def test_window_bounds_are_exact_where_records_share_a_stamp(sandbox, client):
    stamp, sharing = shared_stamp(sandbox)
    assert sharing >= 2_000  # more than a REST page
    task = stream(client, "salesforce.task")
    start = datetime(2000, 1, 1, tzinfo=UTC)
    windows = [
        Window(start, stamp),
        Window(stamp, stamp + timedelta(milliseconds=1)),
        Window(stamp + timedelta(milliseconds=1)),
    ]
    parts = [page_rows(task.pages(w)) for w in windows]
    assert parts[1].num_rows == sharing
    assert pc.all(pc.equal(parts[1].column("SystemModstamp"), stamp)).as_py()
    assert pc.max(parts[0].column("SystemModstamp")).as_py() < stamp
    assert pc.min(parts[2].column("SystemModstamp")).as_py() > stamp
    assert sum(p.num_rows for p in parts) == store_rows(sandbox, BY_NAME["salesforce.task"]).num_rows
    for part, window in zip(parts, windows, strict=True):
        assert_same_rows(
            own_columns(part, BY_NAME["salesforce.task"]),
            store_rows(sandbox, BY_NAME["salesforce.task"], window),
        )


def test_bulk_resumes_inside_records_sharing_a_stamp(sandbox, open_client):
    stamp, sharing = shared_stamp(sandbox)
    client = open_client(settings=BULK)
    sandbox.requests.clear()
    pages = list(stream(client, "salesforce.task").pages(Window(stamp, stamp + timedelta(milliseconds=1))))
    assert sandbox.requests.count("salesforce.bulk2.create") == 1  # after a first REST page of 2,000
    ids = page_rows(pages).column("Id").to_pylist()
    assert len(ids) == len(set(ids)) == sharing


def test_a_bound_finer_than_a_millisecond_is_still_exact(sandbox, client):
    stamp, _ = shared_stamp(sandbox)
    task = stream(client, "salesforce.task")
    just_after = Window(stamp + timedelta(microseconds=1), stamp + timedelta(milliseconds=5, microseconds=1))
    just_before = Window(stamp - timedelta(milliseconds=5, microseconds=1), stamp + timedelta(microseconds=1))
    after = page_rows(task.pages(just_after))
    before = page_rows(task.pages(just_before))
    assert not pc.any(pc.equal(after.column("SystemModstamp"), stamp)).as_py()
    assert pc.sum(pc.equal(before.column("SystemModstamp"), stamp)).as_py() == shared_stamp(sandbox)[1]


def test_an_empty_window_yields_one_empty_page_with_its_calls(client):
    future = Window(datetime(2100, 1, 1, tzinfo=UTC))
    pages = list(stream(client, "salesforce.event").pages(future))
    assert len(pages) == 1
    assert pages[0].rows.num_rows == 0
    assert pages[0].api_calls >= 1


def test_every_request_is_attributed_to_a_page(sandbox, open_client):
    sandbox.requests.clear()
    client = open_client()
    total = sum(p.api_calls for s in streams(client) for p in s.pages(EVERYTHING))
    assert total == sandbox.requests.count("salesforce.*") == client.requests
    # login, limits, one describe and one query per stream, query_more per further REST page
    assert sandbox.requests.count("salesforce.describe") == len(EXTRACTIONS)
    assert sandbox.requests.count("salesforce.limits") == 1


def test_bulk_lands_the_same_rows_as_rest(sandbox, open_client):
    rest_client, bulk_client = open_client(), open_client(settings=BULK)
    for name in ("salesforce.task", "salesforce.opportunity_history"):
        rest_pages = list(stream(rest_client, name).pages(EVERYTHING))
        sandbox.requests.clear()
        bulk_pages = list(stream(bulk_client, name).pages(EVERYTHING))
        assert sandbox.requests.count("salesforce.bulk2.create") == 1
        rest_rows, bulk_rows = page_rows(rest_pages), page_rows(bulk_pages)
        results_pages = -(-(rest_rows.num_rows - 2_000) // BULK.bulk_max_records)
        assert sandbox.requests.count("salesforce.bulk2.results") == results_pages
        assert_same_rows(bulk_rows.drop_columns([RAW]), rest_rows.drop_columns([RAW]))
        assert [orjson.loads(r) for r in bulk_rows.column(RAW).to_pylist()] == [
            orjson.loads(r) for r in rest_rows.column(RAW).to_pylist()
        ]
        assert bulk_pages[0].rows.num_rows == 2_000  # the first REST page tells the window's size
        assert max(p.rows.num_rows for p in bulk_pages[1:]) <= BULK.page_rows
        stamps = [stamp for p in bulk_pages for stamp in p.rows.column("SystemModstamp").to_pylist()]
        assert stamps == sorted(stamps)


def test_a_large_window_needs_fewer_calls_over_bulk(sandbox, open_client):
    # Pages of 500 make the test org's ~12,900 Tasks a large window (26 REST pages).
    small_pages = replace(FAST, rest_batch_size=500)
    rest = open_client(settings=replace(small_pages, bulk_threshold=100_000))
    # The emulator's jobs complete after 0.05 s: a first poll after 0.06 s finds the job done.
    bulk = open_client(settings=replace(small_pages, bulk_threshold=1_000, bulk_poll_seconds=0.06))
    sandbox.requests.clear()
    rest_rows = page_rows(stream(rest, "salesforce.task").pages(EVERYTHING))
    rest_calls = sandbox.requests.count("salesforce.query*")
    sandbox.requests.clear()
    bulk_rows = page_rows(stream(bulk, "salesforce.task").pages(EVERYTHING))
    bulk_calls = sandbox.requests.count("salesforce.query*") + sandbox.requests.count("salesforce.bulk2.*")
    assert rest_calls == -(-rest_rows.num_rows // 500) >= 10
    assert bulk_calls == 4  # first REST page, job, status, one results page
    assert_same_rows(bulk_rows.drop_columns([RAW]), rest_rows.drop_columns([RAW]))


def test_a_failing_bulk_job_falls_back_to_rest(sandbox, open_client):
    from sandbox.faults import FaultKind, FaultRule

    client = open_client(settings=replace(BULK, max_attempts=2))
    expected = store_rows(sandbox, BY_NAME["salesforce.task"])
    sandbox.inject_faults(FaultRule("salesforce.bulk2.results", kinds=(FaultKind.SERVER_ERROR,), rate=1.0))
    pages = list(stream(client, "salesforce.task").pages(EVERYTHING))
    assert sandbox.faults.injected_by_endpoint["salesforce.bulk2.results"] >= 2
    assert sum(p.api_calls for p in pages) + client.take_api_calls() == client.requests
    assert_same_rows(own_columns(page_rows(pages), BY_NAME["salesforce.task"]), expected)


def test_a_single_currency_org_lands_currency_as_null(sandbox, client, monkeypatch):
    describe = client.describe

    def single_currency(sobject, *, context):
        return tuple(f for f in describe(sobject, context=context) if f.name != "CurrencyIsoCode")

    monkeypatch.setattr(client, "describe", single_currency)
    sandbox.requests.clear()
    rows = page_rows(stream(client, "salesforce.opportunity").pages(EVERYTHING))
    assert rows.column("CurrencyIsoCode").null_count == rows.num_rows > 0
    assert "CurrencyIsoCode" not in orjson.loads(rows.column(RAW)[0].as_py())
    assert rows.column("Amount").null_count < rows.num_rows


def test_incremental_windows_carry_the_changes(sandbox, client):
    marks = {}
    for s in streams(client):
        pages = list(s.pages(EVERYTHING))
        marks[s.name] = pc.max(page_rows(pages).column("SystemModstamp")).as_py()
    cur = sandbox.store.cursor()
    open_deal = cur.execute(
        """SELECT "Id" FROM salesforce."Opportunity" WHERE NOT "IsDeleted" AND NOT "IsClosed"
           ORDER BY "Id" LIMIT 1"""
    ).fetchone()[0]
    call, other_call = (
        r[0]
        for r in cur.execute(
            """SELECT "Id" FROM salesforce."Task" WHERE "TaskSubtype" = 'Call' AND NOT "IsDeleted"
               ORDER BY "Id" LIMIT 2"""
        ).fetchall()
    )
    deleted_call = cur.execute(
        """SELECT "Id" FROM salesforce."Task" WHERE "TaskSubtype" = 'Call' AND "IsDeleted" LIMIT 1"""
    ).fetchone()[0]
    meeting = cur.execute(
        """SELECT "Id" FROM salesforce."Event" WHERE NOT "IsDeleted" ORDER BY "Id" LIMIT 1"""
    ).fetchone()[0]
    owner = cur.execute(
        """SELECT "Id" FROM salesforce."User" WHERE "IsActive" AND "Department" IS NOT NULL
           ORDER BY "Id" DESC"""
    ).fetchone()[0]

    sandbox.clock.advance(timedelta(hours=1))
    changes = sandbox.mutations
    changes.move_deal_stage("salesforce", open_deal, "Closed Won")
    changes.reassign_owner("salesforce", "Task", call, owner)
    changes.delete("salesforce", "Task", other_call)
    changes.restore("salesforce", "Task", deleted_call)
    changes.delete("salesforce", "Event", meeting)
    new_call = changes.create_call("salesforce", owner=owner, disposition="connected")

    sandbox.requests.clear()
    got = {}
    calls = {}
    for s in streams(client):
        window = Window(marks[s.name])
        pages = list(s.pages(window))
        got[s.name] = page_rows(pages)
        calls[s.name] = sum(p.api_calls for p in pages)
        # Exactly the store's rows modified since the newest one read before (that one included).
        assert_same_rows(
            own_columns(got[s.name], BY_NAME[s.name]), store_rows(sandbox, BY_NAME[s.name], window)
        )
    # A handful of changes: one query per stream, nothing else (describe is cached).
    assert calls == dict.fromkeys(calls, 1)
    assert sandbox.requests.count("salesforce.*") == len(EXTRACTIONS)

    tasks = {r["Id"]: r for r in got["salesforce.task"].to_pylist()}
    assert tasks[call]["OwnerId"] == owner
    assert tasks[other_call]["IsDeleted"] is True
    assert tasks[other_call]["_is_deleted"] is True
    assert tasks[deleted_call]["IsDeleted"] is False
    assert tasks[new_call]["CallDisposition"] == "Connected"
    deal = {r["Id"]: r for r in got["salesforce.opportunity"].to_pylist()}[open_deal]
    assert (deal["StageName"], deal["IsClosed"], deal["IsWon"]) == ("Closed Won", True, True)
    history = got["salesforce.opportunity_history"].to_pylist()
    assert [h["StageName"] for h in history if h["OpportunityId"] == open_deal] == ["Closed Won"]
    events = {r["Id"]: r for r in got["salesforce.event"].to_pylist()}
    assert events[meeting]["_is_deleted"] is True
    # Users did not change: only the rows at the previous mark come again (the window's overlap).
    users = got["salesforce.user"].column("SystemModstamp")
    assert pc.all(pc.equal(users, marks["salesforce.user"])).as_py()


@pytest.mark.parametrize("settings", [replace(FAST, rest_batch_size=500), BULK], ids=["rest", "bulk"])
def test_a_caller_may_stop_after_any_page(open_client, settings):
    client = open_client(settings=settings)
    pages = stream(client, "salesforce.task").pages(EVERYTHING)
    first, second = next(pages), next(pages)
    pages.close()  # the page fetched ahead is settled; its calls are still counted
    assert first.api_calls + second.api_calls + client.take_api_calls() == client.requests
    assert page_rows(stream(client, "salesforce.user").pages(EVERYTHING)).num_rows > 0


def test_a_warehouse_synced_for_calls_only_reads_the_task_history_again(sandbox, client, tmp_path):
    """The previous version's Task stream read calls only (no IsClosed) and recorded no fingerprint:
    its loaded windows must not hide the e-mails and to-dos from the current stream."""
    calls_only = replace(
        TASK,
        description="Salesforce calls: Tasks with TaskSubtype = 'Call', deleted and archived ones included.",
        columns=tuple(c for c in TASK.columns if c.name != "IsClosed"),
    )
    engine = make_engine(tmp_path / "warehouse.duckdb")
    now = utc(sandbox.clock.now) + timedelta(milliseconds=1)
    old = SalesforceStream(client, Extraction("Task", calls_only, where="TaskSubtype = 'Call'"))
    run_stream(engine, old, Window(HISTORY_START, now))
    with engine.begin() as conn:  # as the previous version left it
        conn.exec_driver_sql("ALTER TABLE raw_meta.sync_runs DROP COLUMN fingerprint")
    current = stream(client, "salesforce.task")
    assert loaded_until(engine, current) is None
    assert loaded_until(engine, "salesforce.task") == now  # by name alone, the old window counts
    window = catch_up_window(engine, current, now=now)
    assert window.start == HISTORY_START
    run_stream(engine, current, window)
    with engine.connect() as conn:
        landed = dict(
            conn.exec_driver_sql('SELECT "TaskSubtype", count(*) FROM raw_salesforce.task GROUP BY ALL').all()
        )
    stored = dict(
        sandbox.store.cursor()
        .execute('SELECT TaskSubtype, count(*) FROM salesforce."Task" GROUP BY ALL')
        .fetchall()
    )
    assert landed == stored
    assert set(landed) == {"Call", "Email", "ListEmail", "Task"}
    assert catch_up_window(engine, current, now=now).start == now - OVERLAP  # re-read once only
    engine.dispose()

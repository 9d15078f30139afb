"""Wide objects: 800 custom fields on Task, Event and Opportunity do not fit in one REST query URI
(the emulator answers 414 past 16,384 bytes). The streams read them in field chunks joined on Id, or
in one Bulk API 2.0 job, and land every field: typed columns equal to a narrow org's, `_raw` holding
all 800 custom values; a record changed between two chunk queries never lands torn."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pyarrow.compute as pc
import pytest
from salesforce_helpers import BY_NAME, EVERYTHING, FAST, assert_same_rows, own_columns, page_rows

from connectors.salesforce import stream
from connectors.salesforce.errors import RequestError
from connectors.salesforce.soql import KEY_FIELDS, field_chunks, query_uri_bytes, window_query
from connectors.streams import RAW, Window
from sandbox.faults import PageTamper
from sandbox.org.config import OrgConfig
from sandbox.salesforce.custom_fields import custom_fields
from sandbox.sandbox import Sandbox

NARROW = OrgConfig(seed=9, reps=6, days=60, end=datetime(2026, 3, 2), activities=1000)
WIDE = replace(NARROW, custom_fields=800)
SYNCED = ("salesforce.task", "salesforce.event", "salesforce.opportunity")
SETTINGS = {
    "rest": FAST,
    "rest pages": replace(FAST, rest_batch_size=200),
    "bulk": replace(FAST, rest_batch_size=200, bulk_threshold=200, bulk_max_records=150, page_rows=100),
}


@pytest.fixture(scope="module")
def narrow():
    with Sandbox(NARROW) as box:
        yield box


@pytest.fixture(scope="module")
def wide():
    with Sandbox(WIDE) as box:
        yield box


@pytest.fixture
def fresh_wide():
    """A wide org of the test's own, for tests that change records."""
    with Sandbox(WIDE) as box:
        yield box


def custom_values(box: Sandbox, sobject: str) -> dict[str, dict]:
    """Each record's custom fields as REST JSON gives them, by Id."""
    names = [f.name for f in custom_fields(sobject, 800)]
    columns = ", ".join(f'"{n}"' for n in names)
    rows = box.store.cursor().execute(f'SELECT "Id", {columns} FROM salesforce."{sobject}"').fetchall()
    return {
        row[0]: {n: v.isoformat() if isinstance(v, date) else v for n, v in zip(names, row[1:], strict=True)}
        for row in rows
    }


def record_calls(box: Sandbox) -> int:
    """Queries, Bulk job creates and results pages (not the status polls, which depend on timing)."""
    return sum(box.requests.count(f"salesforce.{e}") for e in ("query*", "bulk2.create", "bulk2.results"))


def test_the_fields_split_into_chunks_whose_queries_fit_the_uri_limit():
    names = ["Id", "SystemModstamp", *(f.name for f in custom_fields("Task", 800))]
    window = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    options = {"where": "TaskSubtype = 'Call'", "api_version": "59.0", "include_deleted": True}
    chunks = field_chunks("Task", names, window, max_uri_bytes=14_336, **options)
    assert len(chunks) == 2
    assert all(chunk[:2] == KEY_FIELDS for chunk in chunks)
    assert [n for chunk in chunks for n in chunk[2:]] == names[2:]
    key = (datetime(2026, 1, 5, 1, 2, 3, 456000, tzinfo=UTC), "00T000000000000AAA")
    for chunk in chunks:
        soql = window_query("Task", chunk, window, where=options["where"], after=key, through=key)
        assert query_uri_bytes(soql, api_version="59.0", include_deleted=True) <= 14_336
    assert field_chunks("Task", names[:40], window, max_uri_bytes=14_336, **options) == (tuple(names[:40]),)
    path = "/services/data/v59.0/queryAll/?"
    assert query_uri_bytes("SELECT Id FROM Task", api_version="59.0", include_deleted=True) == len(
        path + urlencode({"q": "SELECT Id FROM Task"})
    )


@pytest.mark.parametrize("settings", list(SETTINGS))
@pytest.mark.parametrize("name", SYNCED)
def test_a_wide_sync_lands_every_field_and_the_narrow_orgs_typed_columns(
    narrow, wide, open_client, name, settings
):
    extraction = BY_NAME[name]
    narrow.requests.clear()
    wide.requests.clear()
    narrow_pages = list(stream(open_client(box=narrow, settings=SETTINGS[settings]), name).pages(EVERYTHING))
    wide_pages = list(stream(open_client(box=wide, settings=SETTINGS[settings]), name).pages(EVERYTHING))
    assert wide.requests.count("*", status=414) == 0
    rows = page_rows(wide_pages)
    assert_same_rows(own_columns(rows, extraction), own_columns(page_rows(narrow_pages), extraction))
    assert sum(len(p.rejects) for p in wide_pages) == sum(len(p.rejects) for p in narrow_pages)

    expected = custom_values(wide, extraction.sobject)
    for record_id, raw in zip(rows.column("Id").to_pylist(), rows.column(RAW).to_pylist(), strict=True):
        record = json.loads(raw)
        assert {k: v for k, v in record.items() if k.endswith("__c")} == expected[record_id], record_id
        assert record["attributes"]["type"] == extraction.sobject

    if settings != "bulk":  # over REST each page costs one query per field chunk (two here)
        assert record_calls(wide) == 2 * record_calls(narrow)
    else:  # the first REST page in two chunks, then the same Bulk job
        assert record_calls(wide) == record_calls(narrow) + 1
    assert sum(p.api_calls for p in wide_pages) == wide.requests.count("salesforce.*")  # login included


def test_a_wide_objects_bulk_pages_hold_fewer_records_to_bound_memory(wide, open_client):
    extraction = BY_NAME["salesforce.task"]
    client = open_client(box=wide, settings=replace(SETTINGS["bulk"], max_page_values=60_000))
    fields = len(client.describe("Task", context="test"))
    per_page = 60_000 // fields
    wide.requests.clear()
    pages = list(stream(client, "salesforce.task").pages(EVERYTHING))
    rest_page, bulk_pages = pages[0], pages[1:]
    assert rest_page.rows.num_rows == 200
    assert max(p.rows.num_rows for p in bulk_pages) == per_page
    records = sum(p.rows.num_rows + len(p.rejects) for p in pages)
    assert wide.requests.count("salesforce.bulk2.results") == math.ceil((records - 200) / per_page)
    rest = page_rows(stream(open_client(box=wide), "salesforce.task").pages(EVERYTHING))
    assert_same_rows(own_columns(page_rows(pages), extraction), own_columns(rest, extraction))


def pages_in_order(pages) -> list[tuple]:
    keys = [
        k
        for p in pages
        for k in zip(
            p.rows.column("SystemModstamp").to_pylist(), p.rows.column("Id").to_pylist(), strict=True
        )
    ]
    assert keys == sorted(keys)
    assert len({k[1] for k in keys}) == len(keys)
    return keys


def first_call(box: Sandbox) -> str:
    return (
        box.store.cursor()
        .execute(
            """SELECT Id FROM salesforce."Task" WHERE TaskSubtype = 'Call' AND NOT IsDeleted
           ORDER BY SystemModstamp, Id LIMIT 1"""
        )
        .fetchone()[0]
    )


@pytest.mark.parametrize("change", ["update", "delete"])
def test_a_record_changed_between_chunk_queries_lands_whole_in_its_new_version(
    fresh_wide, open_client, change
):
    box = fresh_wide
    target = first_call(box)
    text_field = custom_fields("Task", 1)[0].name

    def change_it(body: bytes) -> bytes:  # after the first chunk's first page left: the user edits
        box.clock.advance(timedelta(seconds=5))
        if change == "update":
            box.mutations.update(
                "salesforce", "Task", target, {"Subject": "Edited mid-sync", text_field: "New"}
            )
        else:
            box.mutations.delete("salesforce", "Task", target)
        return body

    box.tamper_pages(PageTamper("salesforce.query_all", change_it, times=1))
    box.requests.clear()
    pages = list(stream(open_client(box=box), "salesforce.task").pages(EVERYTHING))
    keys = pages_in_order(pages)
    rows = page_rows(pages)
    stored = box.store.cursor().execute('SELECT count(*) FROM salesforce."Task"').fetchone()[0]
    assert rows.num_rows == len(keys) == stored
    landed = rows.filter(pc.equal(rows.column("Id"), target)).to_pylist()[0]
    record = json.loads(landed[RAW])
    assert landed["SystemModstamp"] == box.clock.now_ms().replace(tzinfo=UTC)  # the change's time
    assert keys[-1][1] == target  # its new version is the window's newest record
    if change == "update":
        assert landed["Subject"] == record["Subject"] == "Edited mid-sync"
        assert record[text_field] == "New"
    else:
        assert landed["IsDeleted"] is record["IsDeleted"] is True
    assert box.requests.count("salesforce.query_all") == 4  # one pass in two chunks, then one more


def test_a_record_rewritten_at_every_read_fails_the_window_with_advice(fresh_wide, open_client):
    box = fresh_wide
    target = first_call(box)

    def change_it(body: bytes) -> bytes:
        box.clock.advance(timedelta(seconds=1))
        box.mutations.update("salesforce", "Task", target, {"Subject": f"Edit {box.clock.now}"})
        return body

    box.tamper_pages(PageTamper("salesforce.query_all", change_it))
    with pytest.raises(RequestError, match="changed again between the field chunks") as err:
        list(stream(open_client(box=box), "salesforce.task").pages(EVERYTHING))
    assert "Re-run the window later" in str(err.value)

"""Pure mapping: REST records and Bulk CSV pages into typed rows and rejects; SOQL for windows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import orjson
import pytest

from connectors.salesforce.mapping import (
    Field,
    RawRenderer,
    map_csv,
    map_records,
    read_bulk_csv,
    selectable_fields,
)
from connectors.salesforce.soql import datetime_literal, string_literal, window_query
from connectors.salesforce.specs import CONTACT, OPPORTUNITY_STAGE, TASK, USER
from connectors.streams import Window

HOSTILE = (
    "He said \"it's 'fine'\"; DROP TABLE tasks; -- ' OR 1=1 \\ back\\slash\n"
    "second line\ttab 💥 日本語 \u202eltr SELECT Id FROM Task WHERE Name = 'x'"
)
FIELDS = (
    Field("Id", "id"),
    Field("IsDeleted", "boolean"),
    Field("IsArchived", "boolean"),
    Field("OwnerId", "reference"),
    Field("Subject", "string"),
    Field("ActivityDate", "date"),
    Field("CallDurationInSeconds", "int"),
    Field("CallDisposition", "string"),
    Field("TaskSubtype", "picklist"),
    Field("CompletedDateTime", "datetime"),
    Field("CreatedDate", "datetime"),
    Field("SystemModstamp", "datetime"),
    Field("Score__c", "double"),
)


def record(i: int, **overrides) -> dict:
    base = {
        "attributes": {"type": "Task", "url": f"/services/data/v59.0/sobjects/Task/00T00000000000{i:04d}"},
        "Id": f"00T00000000000{i:04d}",
        "IsDeleted": False,
        "IsArchived": i % 2 == 1,
        "OwnerId": "005000000000001AAA",
        "Subject": HOSTILE if i == 0 else f"Call {i}",
        "ActivityDate": "2026-03-02",
        "CallDurationInSeconds": 60 + i,
        "CallDisposition": None,
        "TaskSubtype": "Call",
        "CompletedDateTime": "2026-03-02T14:03:00.123+0000",
        "CreatedDate": "2026-03-02T14:00:00.000+0000",
        "SystemModstamp": f"2026-03-02T15:00:0{i}.000+0000",
        "Score__c": 12.5,
    }
    return base | overrides


def as_csv(records: list[dict]) -> bytes:
    """Records as Bulk API 2.0 writes them: every value quoted, null empty, datetimes with Z."""
    out = io.StringIO()
    names = [f.name for f in FIELDS]
    out.write(",".join(f'"{n}"' for n in names) + "\n")
    for r in records:
        cells = []
        for name in names:
            value = r.get(name)
            if value is None:
                cells.append("")
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, str) and value.endswith("+0000"):
                value = value[:-5] + "Z"
            cells.append('"' + str(value).replace('"', '""') + '"')
        out.write(",".join(cells) + "\n")
    return out.getvalue().encode()


def test_rest_records_become_typed_rows():
    mapped = map_records(TASK, [record(0), record(1)], has_is_deleted=True)
    assert mapped.rejects == []
    rows = mapped.rows.to_pylist()
    assert mapped.rows.schema == TASK.schema
    first = rows[0]
    assert first["Subject"] == HOSTILE
    assert first["ActivityDate"] == date(2026, 3, 2)
    assert first["CompletedDateTime"] == datetime(2026, 3, 2, 14, 3, 0, 123000, tzinfo=UTC)
    assert first["CallDurationInSeconds"] == 60
    assert first["CallDisposition"] is None
    assert first["WhoId"] is None  # a contract column this record (org) lacks
    assert (
        first["_source_updated_at"] == first["SystemModstamp"] == datetime(2026, 3, 2, 15, 0, 0, tzinfo=UTC)
    )
    assert first["_is_deleted"] is False
    assert orjson.loads(first["_raw"]) == record(0)
    assert rows[1]["IsArchived"] is True


def test_objects_without_is_deleted_land_as_not_deleted():
    stage = {
        "attributes": {"type": "OpportunityStage"},
        "Id": "01J000000000001AAA",
        "MasterLabel": "Closed Won",
        "ApiName": "Closed Won",
        "IsActive": True,
        "IsClosed": True,
        "IsWon": True,
        "DefaultProbability": 100.0,
        "SortOrder": 9,
        "SystemModstamp": "2024-03-17T09:41:31.286+0000",
    }
    mapped = map_records(OPPORTUNITY_STAGE, [stage], has_is_deleted=False)
    (row,) = mapped.rows.to_pylist()
    assert row["_is_deleted"] is False
    assert row["SortOrder"] == 9
    assert row["DefaultProbability"] == 100.0


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"Id": None}, "Id is missing"),
        ({"Id": ""}, "Id is missing"),
        ({"SystemModstamp": None}, "SystemModstamp is missing"),
        ({"SystemModstamp": "yesterday"}, "SystemModstamp: cannot read 'yesterday' as a datetime"),
        ({"CompletedDateTime": "2026-02-30T10:00:00.000+0000"}, "CompletedDateTime: cannot read"),
        ({"ActivityDate": "02/03/2026"}, "ActivityDate: cannot read '02/03/2026' as a date"),
        ({"CallDurationInSeconds": "sixty"}, "CallDurationInSeconds: cannot read 'sixty' as an integer"),
        ({"CallDurationInSeconds": 2.5}, "CallDurationInSeconds: cannot read 2.5 as an integer"),
        ({"CallDurationInSeconds": 2**40}, "CallDurationInSeconds: cannot read 1099511627776"),
        ({"IsArchived": "yes"}, "IsArchived: cannot read 'yes' as a boolean"),
        ({"IsDeleted": None}, "IsDeleted is missing"),
        ({"Subject": 42}, "Subject: cannot read 42 as a string"),
    ],
)
def test_a_record_that_cannot_be_mapped_is_rejected_with_its_reason(bad, reason):
    records = [record(0), record(1, **bad), record(2)]
    mapped = map_records(TASK, records, has_is_deleted=True)
    assert [r["Id"] for r in mapped.rows.to_pylist()] == [records[0]["Id"], records[2]["Id"]]
    (reject,) = mapped.rejects
    assert reason in reject.reason
    assert orjson.loads(reject.payload) == records[1]
    assert reject.record_id == (records[1]["Id"] or None)


def test_integral_floats_are_integers_and_a_non_record_is_rejected():
    mapped = map_records(
        TASK, [record(0, CallDurationInSeconds=61.0), ["not", "a", "record"]], has_is_deleted=True
    )
    assert mapped.rows.column("CallDurationInSeconds").to_pylist() == [61]
    (reject,) = mapped.rejects
    assert reject.record_id is None
    assert "not a record" in reject.reason


def test_a_window_finer_than_a_millisecond_drops_rows_outside_it():
    records = [record(i) for i in range(3)]
    start = datetime(2026, 3, 2, 15, 0, 0, 500, tzinfo=UTC)  # just after the first record
    end = datetime(2026, 3, 2, 15, 0, 2, 1, tzinfo=UTC)  # just after the last
    mapped = map_records(TASK, records, has_is_deleted=True, window=(start, end))
    assert mapped.rows.column("Id").to_pylist() == [records[1]["Id"], records[2]["Id"]]
    mapped = map_records(TASK, records, has_is_deleted=True, window=(start, end - timedelta(seconds=1)))
    assert mapped.rows.column("Id").to_pylist() == [records[1]["Id"]]


def test_bulk_csv_rows_equal_rest_rows_raw_included():
    records = [record(i) for i in range(4)]
    records[2]["Subject"] = "NULL"  # text, not a null
    records[3]["Subject"] = None
    rest = map_records(TASK, records, has_is_deleted=True)
    table = read_bulk_csv(as_csv(records))
    renderer = RawRenderer()
    try:
        raw = renderer.render(table, FIELDS, sobject="Task", api_version="59.0")
    finally:
        renderer.close()
    bulk = map_csv(TASK, table, raw, has_is_deleted=True)
    assert bulk.rejects == []
    assert bulk.rows.drop_columns(["_raw"]).equals(rest.rows.drop_columns(["_raw"]))
    assert [orjson.loads(r) for r in bulk.rows.column("_raw").to_pylist()] == records
    assert bulk.rows.column("Subject").to_pylist() == [HOSTILE, "Call 1", "NULL", None]


def test_bulk_csv_values_that_do_not_parse_are_rejected():
    records = [record(0), record(1), record(2)]
    data = as_csv(records).decode()
    rows = list(csv.reader(io.StringIO(data)))
    rows[2][rows[0].index("CallDurationInSeconds")] = "about a minute"
    rows[3][rows[0].index("IsArchived")] = "maybe"
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    table = read_bulk_csv(out.getvalue().encode())
    renderer = RawRenderer()
    try:
        raw = renderer.render(table, FIELDS, sobject="Task", api_version="59.0")
    finally:
        renderer.close()
    mapped = map_csv(TASK, table, raw, has_is_deleted=True)
    assert mapped.rows.column("Id").to_pylist() == [records[0]["Id"]]
    reasons = {r.record_id: r.reason for r in mapped.rejects}
    assert reasons[records[1]["Id"]] == "CallDurationInSeconds: cannot read 'about a minute' as an integer"
    assert reasons[records[2]["Id"]] == "IsArchived: cannot read 'maybe' as a boolean"
    payload = orjson.loads(next(r.payload for r in mapped.rejects if r.record_id == records[1]["Id"]))
    assert payload["CallDurationInSeconds"] == "about a minute"  # kept as the API sent it
    assert payload["IsArchived"] is True


def test_bulk_csv_edge_cases():
    assert read_bulk_csv(b"").num_rows == 0
    header_only = read_bulk_csv(b'"Id","SystemModstamp"\n')
    assert header_only.num_rows == 0
    assert header_only.column_names == ["Id", "SystemModstamp"]
    table = read_bulk_csv(b'"Id","Name"\n"a","x\x00y"\n"b",""\n"c",\n')
    assert table.column("Name").to_pylist() == ["xy", None, None]
    mapped = map_csv(USER, table, _raws(table.num_rows), has_is_deleted=False)
    assert {r.reason for r in mapped.rejects} == {"SystemModstamp is missing"}


def _raws(n: int):
    import pyarrow as pa

    return pa.array(["{}"] * n, pa.string())


def test_selectable_fields_leave_out_compound_and_binary_fields():
    describe = {
        "fields": [
            {"name": "Id", "type": "id"},
            {"name": "BillingAddress", "type": "address"},
            {"name": "Location__c", "type": "location"},
            {"name": "Body", "type": "base64"},
            {"name": "Old__c", "type": "string", "deprecatedAndHidden": True},
            {"name": "Amount", "type": "currency"},
        ]
    }
    assert selectable_fields(describe) == (Field("Id", "id"), Field("Amount", "currency"))


def test_soql_literals():
    assert datetime_literal(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    assert datetime_literal(datetime(2026, 1, 1, 0, 0, 0, 250_000, tzinfo=UTC)) == "2026-01-01T00:00:00.250Z"
    assert datetime_literal(datetime(2026, 1, 1, 0, 0, 0, 250_400, tzinfo=UTC)) == "2026-01-01T00:00:00.250Z"
    assert (
        datetime_literal(datetime(2026, 1, 1, 0, 0, 0, 250_400, tzinfo=UTC), round_up=True)
        == "2026-01-01T00:00:00.251Z"
    )
    eastern = datetime(2026, 1, 1, 1, 0, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("America/New_York")
    )
    assert datetime_literal(eastern) == "2026-01-01T01:00:00Z"
    assert string_literal('it\'s \\ "x"\n') == "'it\\'s \\\\ \\\"x\\\"\\n'"


def test_window_query():
    window = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    soql = window_query(
        "Task",
        ["Id", "SystemModstamp"],
        window,
        where="TaskSubtype = 'Call'",
        after=(datetime(2026, 1, 5, 10, 0, 0, 123_000, tzinfo=UTC), "00T000000000001AAA"),
    )
    assert soql == (
        "SELECT Id, SystemModstamp FROM Task WHERE TaskSubtype = 'Call' AND SystemModstamp >= "
        "2026-01-01T00:00:00Z AND SystemModstamp < 2026-02-01T00:00:00Z AND (SystemModstamp > "
        "2026-01-05T10:00:00.123Z OR (SystemModstamp = 2026-01-05T10:00:00.123Z AND Id > "
        "'00T000000000001AAA')) ORDER BY SystemModstamp ASC, Id ASC"
    )
    assert window_query("User", ["Id"], Window(window.start)) == (
        "SELECT Id FROM User WHERE SystemModstamp >= 2026-01-01T00:00:00Z ORDER BY SystemModstamp ASC, Id ASC"
    )


def test_a_personal_value_that_cannot_be_read_is_not_quoted_in_the_reason():
    """Reject reasons reach check metadata and logs: a prospect's e-mail or phone stays in the payload."""
    contact = {
        "Id": "0035g00000BADAAA",
        "SystemModstamp": "2026-03-02T15:00:00.000+0000",
        "IsDeleted": False,
        "Email": ["jane.doe@prospect.example"],
        "Phone": 15550100123,
    }
    (reject,) = map_records(CONTACT, [contact], has_is_deleted=True).rejects
    assert reject.reason == "Email: cannot read a value of type list as a string (not shown: personal data)"
    assert orjson.loads(reject.payload) == contact
    (reject,) = map_records(CONTACT, [{**contact, "Email": None}], has_is_deleted=True).rejects
    assert reject.reason == "Phone: cannot read a value of type int as a string (not shown: personal data)"

"""HubSpot JSON → typed rows or Rejects → Arrow, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from connectors.hubspot import specs
from connectors.hubspot.mapping import (
    MappingError,
    map_associations,
    map_crm_record,
    map_history,
    map_owner,
    map_pipeline,
    parse_bigint,
    parse_boolean,
    parse_double,
    parse_timestamp,
    to_table,
)
from connectors.hubspot.settings import CALLS, CONTACTS, DEALS
from connectors.streams import Reject

HOSTILE = 'Robert\'); DROP TABLE calls;-- "quoted" back\\slash \n\ttab 💥 \u202eltr 日本語 %_*'


def call(**properties) -> dict:
    base = {
        "hs_timestamp": "2026-03-02T14:03:00.123Z",
        "hs_call_title": "Discovery",
        "hs_call_disposition": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
        "hs_call_duration": "240000",
        "hubspot_owner_id": "52550101",
        "hs_createdate": "2026-03-02T14:05:00Z",
        "hs_lastmodifieddate": "2026-03-02T15:00:00.5Z",
        "hs_custom_score": "7",
    }
    base.update(properties)
    return {
        "id": "31000000001",
        "properties": base,
        "createdAt": "2026-03-02T14:05:00Z",
        "updatedAt": "2026-03-02T15:00:00.500Z",
        "archived": False,
    }


def as_dict(row: tuple) -> dict:
    return dict(zip(specs.CALLS.schema.names, row, strict=True))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-02T14:03:00.123Z", datetime(2026, 3, 2, 14, 3, 0, 123_000, tzinfo=UTC)),
        ("2026-03-02T15:03:00+01:00", datetime(2026, 3, 2, 14, 3, tzinfo=UTC)),
        ("2026-03-02T14:03:00", datetime(2026, 3, 2, 14, 3, tzinfo=UTC)),
        ("2026-03-02", datetime(2026, 3, 2, tzinfo=UTC)),
        ("1772460180123", datetime(2026, 3, 2, 14, 3, 0, 123_000, tzinfo=UTC)),
        ("", None),
        (None, None),
    ],
)
def test_timestamps(raw, expected):
    assert parse_timestamp(raw, "hs_timestamp") == expected


@pytest.mark.parametrize("raw", ["yesterday", "2026-13-01", "12:00", "1e3", "99999999999999999999999"])
def test_bad_timestamps_name_the_property_and_value(raw):
    with pytest.raises(MappingError, match=f"hs_timestamp: '{raw}' is not a datetime"):
        parse_timestamp(raw, "hs_timestamp")


def test_numbers_and_booleans():
    assert parse_double("240000", "d") == 240000.0
    assert parse_double("12.5", "d") == 12.5
    assert parse_double("", "d") is None
    assert parse_bigint("52550101", "o") == 52550101
    assert parse_boolean("true", "b") is True
    assert parse_boolean("FALSE", "b") is False
    for bad in ("twelve", "nan", "inf", "1_000"):
        with pytest.raises(MappingError, match="is not a"):
            parse_double(bad, "amount")
    assert parse_bigint("-7", "o") == -7
    for bad in ("12.0", "abc", "9" * 30, "--5", "-", "+5", " 5"):
        with pytest.raises(MappingError):
            parse_bigint(bad, "hubspot_owner_id")
    with pytest.raises(MappingError):
        parse_boolean("yes", "hs_is_closed")


def test_a_call_maps_to_typed_columns_and_keeps_every_property_raw():
    row = as_dict(map_crm_record(call(hs_call_title=HOSTILE), CALLS))
    assert row["id"] == 31000000001
    assert row["hs_call_title"] == HOSTILE  # verbatim
    assert row["hs_call_duration"] == 240000.0
    assert row["hubspot_owner_id"] == 52550101
    assert row["hs_timestamp"] == datetime(2026, 3, 2, 14, 3, 0, 123_000, tzinfo=UTC)
    assert row["_source_updated_at"] == datetime(2026, 3, 2, 15, 0, 0, 500_000, tzinfo=UTC)
    assert row["_is_deleted"] is False
    assert orjson.loads(row["_raw"])["properties"]["hs_custom_score"] == "7"
    table = to_table(specs.CALLS, [tuple(row.values())])
    assert table.schema == specs.CALLS.schema
    assert table.to_pylist()[0]["hs_call_title"] == HOSTILE


def test_an_archived_record_is_dated_by_archived_at():
    record = call() | {"archived": True, "archivedAt": "2026-03-05T08:00:00Z"}
    row = as_dict(map_crm_record(record, CALLS))
    assert row["_is_deleted"] is True
    assert row["archived"] is True
    assert row["_source_updated_at"] == datetime(2026, 3, 5, 8, tzinfo=UTC)


def test_without_last_modified_the_updated_at_is_the_source_time():
    record = call(hs_lastmodifieddate=None)
    assert as_dict(map_crm_record(record, CALLS))["_source_updated_at"] == datetime(
        2026, 3, 2, 15, 0, 0, 500_000, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (call(hs_call_duration="four minutes"), "hs_call_duration: 'four minutes' is not a number"),
        (call(hs_timestamp="last tuesday"), "hs_timestamp: 'last tuesday' is not a datetime"),
        (call(hubspot_owner_id="owner-7"), "hubspot_owner_id: 'owner-7' is not a 64-bit integer"),
        ({"properties": {}}, "id is missing"),
        (call() | {"id": "abc"}, "id: 'abc' is not a 64-bit integer"),
    ],
)
def test_unmappable_records_are_rejected_with_the_reason_and_payload(record, reason):
    reject = map_crm_record(record, CALLS)
    assert isinstance(reject, Reject)
    assert reject.reason == reason
    assert orjson.loads(reject.payload) == record
    assert reject.record_id == record.get("id")


def test_deal_amount_empty_is_null_and_flags_are_booleans():
    record = {
        "id": "11000000001",
        "properties": {
            "amount": "",
            "hs_is_closed": "true",
            "hs_is_closed_won": "false",
            "dealname": HOSTILE,
            "hs_lastmodifieddate": "2026-03-02T15:00:00Z",
        },
        "archived": False,
    }
    row = dict(zip(specs.DEALS.schema.names, map_crm_record(record, DEALS), strict=True))
    assert (row["amount"], row["hs_is_closed"], row["hs_is_closed_won"]) == (None, True, False)
    assert row["dealname"] == HOSTILE


def test_owner_without_email():
    row = map_owner(
        {"id": "52550102", "email": None, "firstName": "Zoë 🚀", "lastName": "李\tNguyễn", "userId": 7,
         "createdAt": "2025-01-09T16:21:00.919Z", "updatedAt": "2025-09-20T05:28:46.192Z", "archived": True}
    )  # fmt: skip
    owner = dict(zip(specs.OWNERS.schema.names, row, strict=True))
    assert owner["email"] is None
    assert owner["last_name"] == "李\tNguyễn"
    assert owner["_is_deleted"] is True
    assert owner["_source_updated_at"] == datetime(2025, 9, 20, 5, 28, 46, 192_000, tzinfo=UTC)


def test_pipeline_stage_metadata_strings_are_typed():
    pipeline = {
        "id": "default",
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "updatedAt": "2024-10-28T00:00:00Z",
        "stages": [
            {"id": "closedwon", "label": "Closed Won", "displayOrder": 5, "updatedAt": "2024-10-28T00:00:00Z",
             "metadata": {"isClosed": "true", "probability": "1.0"}},
            {"id": "odd", "label": "Odd", "displayOrder": 6, "updatedAt": "2024-10-28T00:00:00Z",
             "metadata": {"isClosed": "maybe", "probability": "0.5"}},
        ],
    }  # fmt: skip
    won, odd = map_pipeline(pipeline)
    won = dict(zip(specs.DEAL_PIPELINES.schema.names, won, strict=True))
    assert (won["pipeline_id"], won["stage_id"], won["is_closed"], won["probability"]) == (
        "default",
        "closedwon",
        True,
        1.0,
    )
    assert isinstance(odd, Reject)
    assert odd.reason == "metadata.isClosed: 'maybe' is not true or false"


def test_history_comes_oldest_first_and_bad_entries_are_rejected():
    newest_first = [
        {"value": "closedwon", "timestamp": "2026-02-03T00:00:00Z", "sourceType": "CRM_UI"},
        {"value": "qualifiedtobuy", "timestamp": "not a time", "sourceType": "CRM_UI"},
        {"value": "appointmentscheduled", "timestamp": "2026-01-01T00:00:00Z", "sourceType": "API"},
    ]
    rows, rejects = map_history(11000000001, newest_first, "dealstage")
    assert [(r[1], r[2]) for r in rows] == [(0, "appointmentscheduled"), (2, "closedwon")]
    assert [r.reason for r in rejects] == [
        "entry 1: dealstage history timestamp: 'not a time' is not a datetime"
    ]
    assert to_table(specs.DEAL_STAGE_HISTORY, rows).num_rows == 2


def test_associations_one_row_per_type():
    rows, rejects = map_associations(
        7,
        "companies",
        [{"toObjectId": 951, "associationTypes": [
            {"category": "HUBSPOT_DEFINED", "typeId": 182, "label": None},
            {"category": "USER_DEFINED", "typeId": 44, "label": "Decision maker"}]}],
    )  # fmt: skip
    assert rows == [
        (7, "companies", 951, 182, "HUBSPOT_DEFINED", None),
        (7, "companies", 951, 44, "USER_DEFINED", "Decision maker"),
    ]
    assert rejects == []
    assert to_table(specs.CALL_ASSOCIATIONS, rows).schema == specs.CALL_ASSOCIATIONS.schema


def test_empty_pages_keep_the_schema():
    assert to_table(specs.DEALS, []).schema == specs.DEALS.schema


def test_a_personal_value_that_cannot_be_read_is_not_quoted_in_the_reason():
    """Reject reasons reach check metadata and logs: a prospect's e-mail stays in the payload only."""
    record = {
        "id": "41000000001",
        "properties": {"email": ["jane.doe@prospect.example"], "lastmodifieddate": "2026-03-02T15:00:00Z"},
    }
    reject = map_crm_record(record, CONTACTS)
    assert isinstance(reject, Reject)
    assert reject.reason == "email: a value of type list is not text (not shown: personal data)"
    assert orjson.loads(reject.payload) == record

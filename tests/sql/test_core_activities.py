"""Golden rows for core.activities (KPI contract §2), calls and meetings: every source field, the owner
→ rep mapping, prospect and deal ids, occurred/booked/duration rules, call and meeting outcomes, deleted
records, and Salesforce archived activities (not deleted)."""

import pytest
from sql_helpers import at, build_core, fetch, insert, warehouse

from models.reporting import DEFAULT_CALL_OUTCOMES, ReportingConfig

USERS, OWNERS = "raw_salesforce.user", "raw_hubspot.owners"
TASKS, EVENTS = "raw_salesforce.task", "raw_salesforce.event"
CALLS, MEETINGS = "raw_hubspot.calls", "raw_hubspot.meetings"
CALL_LINKS, MEETING_LINKS = "raw_hubspot.call_associations", "raw_hubspot.meeting_associations"

# Salesforce CallDisposition as reps type it → normalised outcome.
SALESFORCE_DISPOSITIONS = [
    ("Connected", "connected"),
    ("CONNECTED", "connected"),
    ("  connected\t", "connected"),
    (" Left - Voicemail ", "left_voicemail"),
    ("left-voicemail", "left_voicemail"),
    ("no  answer", "no_answer"),
    ("No\u00a0Answer", "no_answer"),  # non-breaking space inside
    ("\u00a0Busy\u3000", "busy"),  # non-breaking and ideographic spaces around
    ("\u2003Wrong\u2009-\u2009Number\n", "wrong_number"),  # em space, thin spaces, newline
    ("Left  -\u00a0Live   Message", "left_live_message"),
    ("left_live_message", "left_live_message"),
    ("Meeting booked", "other"),
    ("connected!", "other"),
    ("-", "other"),
    ("Other", "other"),
    ("", None),
    ("   ", None),
    ("\u00a0\u2028", None),
    (None, None),
]

HUBSPOT_DISPOSITIONS = [
    ("f240bbac-87c9-4f6e-bf70-924b57d47db7", "connected"),
    ("9d9162e7-6cf3-4944-bf63-4dff82258764", "busy"),
    ("73a0d17f-1163-4015-bdd5-ec830791da20", "no_answer"),
    ("b2cf5968-551e-4856-9783-52b3da59a7d0", "left_voicemail"),
    ("a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "left_live_message"),
    ("17b47fee-58de-441e-a44c-c6300d46f273", "wrong_number"),
    ("0d2a7b9e-1111-4e4e-8888-123456789abc", "other"),  # a portal's custom disposition
    ("connected", "other"),  # HubSpot stores GUIDs: a label is just another value
    ("", None),
    (None, None),
]

MEETING_OUTCOMES = [
    ("SCHEDULED", "scheduled"),
    ("COMPLETED", "completed"),
    ("RESCHEDULED", "rescheduled"),
    ("NO_SHOW", "no_show"),
    ("CANCELED", "canceled"),
    ("Completed", "completed"),
    ("CANCELLED", None),  # not one of HubSpot's values
    ("", None),
    (None, None),
]


def _owners(engine):
    insert(
        engine,
        USERS,
        {"Id": "005R1", "Email": "Rita@Example.com", "Name": "Rita"},
        {"Id": "005R2", "Email": None, "Name": "No Mail"},
    )
    insert(
        engine,
        OWNERS,
        {"id": 201, "email": "Hal@Example.com", "first_name": "Hal"},
        {"id": 202, "email": None, "first_name": "Nomail"},
    )


@pytest.fixture(scope="module")
def activities(raw_template, tmp_path_factory):
    engine = warehouse(raw_template, tmp_path_factory.mktemp("activities") / "warehouse.duckdb")
    _owners(engine)
    insert(
        engine,
        TASKS,
        # Every field: account before contact, WhatId an Opportunity (006).
        {"Id": "00T1", "TaskSubtype": "Call", "OwnerId": "005R1", "AccountId": "001A", "WhoId": "003C",
         "WhatId": "006D", "CallDisposition": "Connected", "CallDurationInSeconds": 125,
         "CompletedDateTime": at("2024-03-01 10:05"), "CreatedDate": at("2024-03-01 09:00"),
         "SystemModstamp": at("2024-03-02 08:00"), "IsDeleted": False, "IsArchived": False},
        # No CompletedDateTime: CreatedDate; no account: the lead (WhoId); WhatId an account (001): no deal.
        {"Id": "00T2", "TaskSubtype": "Call", "OwnerId": "005R2", "AccountId": None, "WhoId": "00Q9",
         "WhatId": "001A", "CreatedDate": at("2024-03-01 09:30"), "SystemModstamp": at("2024-03-01 09:30")},
        # Deleted; owner not among the users; neither account nor contact.
        {"Id": "00T3", "TaskSubtype": "Call", "OwnerId": "005XX", "CreatedDate": at("2024-03-01 11:00"),
         "SystemModstamp": at("2024-03-09 00:00"), "IsDeleted": True, "_is_deleted": True},
        # Archived by Salesforce, not deleted (IsArchived alone is history); no owner.
        {"Id": "00T4", "TaskSubtype": "Call", "OwnerId": None, "CreatedDate": at("2024-03-01 12:00"),
         "SystemModstamp": at("2024-03-10 00:00"), "IsArchived": True},
        # An e-mail (follow-up): an activity of its own type, no outcome (tests/sql/test_core_followups.py).
        {"Id": "00T5", "TaskSubtype": "Email", "OwnerId": "005R1", "CreatedDate": at("2024-03-01 12:00"),
         "SystemModstamp": at("2024-03-01 12:00")},
    )  # fmt: skip
    insert(
        engine,
        EVENTS,
        {"Id": "00U1", "OwnerId": "005R1", "AccountId": None, "WhoId": "003C", "WhatId": "006D",
         "StartDateTime": at("2024-03-05 14:00"), "EndDateTime": at("2024-03-05 14:45"),
         "DurationInMinutes": 45, "CreatedDate": at("2024-03-01 09:30"),
         "SystemModstamp": at("2024-03-05 15:00")},
        {"Id": "00U2", "OwnerId": "005R1", "AccountId": "001A", "WhoId": "003C", "WhatId": "0019",
         "StartDateTime": at("2024-03-06 09:00"), "DurationInMinutes": None,
         "CreatedDate": at("2024-03-02 09:00"), "SystemModstamp": at("2024-03-11 00:00"), "IsArchived": True},
        {"Id": "00U3", "OwnerId": "005R2", "StartDateTime": at("2024-03-07 09:00"), "DurationInMinutes": 30,
         "CreatedDate": at("2024-03-02 10:00"), "SystemModstamp": at("2024-03-12 00:00"), "IsDeleted": True,
         "_is_deleted": True},
    )  # fmt: skip
    insert(
        engine,
        CALLS,
        {"id": 301, "hubspot_owner_id": 201, "hs_timestamp": at("2024-03-03 11:00"),
         "hs_call_duration": 65999.0, "hs_call_disposition": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
         "hs_createdate": at("2024-03-03 11:02"), "hs_lastmodifieddate": at("2024-03-04 00:00"),
         "created_at": at("2024-03-03 11:02"), "updated_at": at("2024-03-05 00:00")},
        {"id": 302, "hubspot_owner_id": 202, "hs_timestamp": at("2024-03-03 12:00"), "hs_call_duration": None,
         "hs_call_disposition": "", "hs_lastmodifieddate": None, "updated_at": at("2024-03-06 00:00")},
        {"id": 303, "hubspot_owner_id": 999, "hs_timestamp": at("2024-03-03 13:00"),
         "hs_call_duration": 999.0,
         "hs_lastmodifieddate": at("2024-03-10 00:00"), "updated_at": at("2024-03-10 00:00"),
         "archived": True, "archived_at": at("2024-04-01 00:00"), "_is_deleted": True},
        {"id": 304, "hubspot_owner_id": None, "hs_timestamp": at("2024-03-03 14:00"), "hs_call_duration": 0.0,
         "hs_lastmodifieddate": at("2024-03-03 14:00")},
    )  # fmt: skip
    insert(
        engine,
        CALL_LINKS,
        # Companies 10 and 9: the smallest numerically is 9 (as text, '10' < '9').
        {"call_id": 301, "to_object_type": "companies", "to_id": 10},
        {"call_id": 301, "to_object_type": "companies", "to_id": 9},
        {"call_id": 301, "to_object_type": "companies", "to_id": 9, "association_type_id": 182},
        {"call_id": 301, "to_object_type": "contacts", "to_id": 5},
        {"call_id": 301, "to_object_type": "deals", "to_id": 1000},
        {"call_id": 301, "to_object_type": "deals", "to_id": 999},
        # No company: the smallest contact (40 < 300 numerically).
        {"call_id": 302, "to_object_type": "contacts", "to_id": 300},
        {"call_id": 302, "to_object_type": "contacts", "to_id": 40},
    )
    insert(
        engine,
        MEETINGS,
        {"id": 401, "hubspot_owner_id": 201, "hs_meeting_start_time": at("2024-03-06 15:00"),
         "hs_timestamp": at("2024-03-06 14:00"), "hs_meeting_end_time": at("2024-03-06 15:30:00.999"),
         "hs_createdate": at("2024-03-02 10:00"), "created_at": at("2024-03-02 09:59"),
         "hs_meeting_outcome": "COMPLETED", "hs_lastmodifieddate": at("2024-03-06 16:00")},
        # No start: hs_timestamp, and no duration; no hs_createdate: createdAt. Canceled keeps its outcome.
        {"id": 402, "hubspot_owner_id": 202, "hs_meeting_start_time": None,
         "hs_timestamp": at("2024-03-07 09:00"), "hs_meeting_end_time": at("2024-03-07 10:00"),
         "hs_createdate": None, "created_at": at("2024-03-03 08:00"), "hs_meeting_outcome": "CANCELED",
         "hs_lastmodifieddate": at("2024-03-07 10:00")},
        # No end: no duration; archived without archivedAt: hs_lastmodifieddate.
        {"id": 403, "hubspot_owner_id": None, "hs_meeting_start_time": at("2024-03-08 09:00"),
         "hs_meeting_end_time": None, "hs_createdate": at("2024-03-04 08:00"),
         "hs_meeting_outcome": "Something else", "hs_lastmodifieddate": at("2024-03-08 12:00"),
         "archived": True, "archived_at": None},
    )  # fmt: skip
    insert(
        engine,
        MEETING_LINKS,
        {"meeting_id": 401, "to_object_type": "companies", "to_id": 77},
        {"meeting_id": 401, "to_object_type": "contacts", "to_id": 3},
        {"meeting_id": 401, "to_object_type": "deals", "to_id": 555},
        {"meeting_id": 403, "to_object_type": "deals", "to_id": 556},
    )
    build_core(engine)
    rows = fetch(engine, "select * from core.activities order by activity_id")
    engine.dispose()
    return rows


COLUMNS = [
    "activity_id",
    "source",
    "crm_id",
    "activity_type",
    "rep_id",
    "prospect_id",
    "deal_id",
    "occurred_at",
    "booked_at",
    "duration_seconds",
    "outcome",
    "is_deleted",
    "source_updated_at",
]
# Appended for follow-ups and executive reach (tests/sql/test_core_followups.py).
FOLLOW_UP_COLUMNS = ["direction", "is_done", "contact_id", "reaches_executive"]


def test_activities_columns(activities):
    assert list(activities[0]) == COLUMNS + FOLLOW_UP_COLUMNS


def test_activities_golden(activities):
    assert [tuple(r[c] for c in COLUMNS) for r in activities] == [
        # HubSpot calls
        ("hubspot:301", "hubspot", "301", "call", "hal@example.com", "hubspot:9", "hubspot:999",
         at("2024-03-03 11:00"), None, 65, "connected", False, at("2024-03-04 00:00")),
        ("hubspot:302", "hubspot", "302", "call", "hubspot:202", "hubspot:40", None,
         at("2024-03-03 12:00"), None, None, None, False, at("2024-03-06 00:00")),
        ("hubspot:303", "hubspot", "303", "call", "hubspot:999", None, None,
         at("2024-03-03 13:00"), None, 0, None, True, at("2024-04-01 00:00")),
        ("hubspot:304", "hubspot", "304", "call", None, None, None,
         at("2024-03-03 14:00"), None, 0, None, False, at("2024-03-03 14:00")),
        # HubSpot meetings
        ("hubspot:401", "hubspot", "401", "meeting", "hal@example.com", "hubspot:77", "hubspot:555",
         at("2024-03-06 15:00"), at("2024-03-02 10:00"), 1800, "completed", False, at("2024-03-06 16:00")),
        ("hubspot:402", "hubspot", "402", "meeting", "hubspot:202", None, None,
         at("2024-03-07 09:00"), at("2024-03-03 08:00"), None, "canceled", False, at("2024-03-07 10:00")),
        ("hubspot:403", "hubspot", "403", "meeting", None, None, "hubspot:556",
         at("2024-03-08 09:00"), at("2024-03-04 08:00"), None, None, True, at("2024-03-08 12:00")),
        # Salesforce calls (Tasks)
        ("salesforce:00T1", "salesforce", "00T1", "call", "rita@example.com", "salesforce:001A",
         "salesforce:006D", at("2024-03-01 10:05"), None, 125, "connected", False, at("2024-03-02 08:00")),
        ("salesforce:00T2", "salesforce", "00T2", "call", "salesforce:005R2", "salesforce:00Q9", None,
         at("2024-03-01 09:30"), None, None, None, False, at("2024-03-01 09:30")),
        ("salesforce:00T3", "salesforce", "00T3", "call", "salesforce:005XX", None, None,
         at("2024-03-01 11:00"), None, None, None, True, at("2024-03-09 00:00")),
        # Archived by Salesforce but not deleted: history, counted like any other call.
        ("salesforce:00T4", "salesforce", "00T4", "call", None, None, None,
         at("2024-03-01 12:00"), None, None, None, False, at("2024-03-10 00:00")),
        ("salesforce:00T5", "salesforce", "00T5", "email", "rita@example.com", None, None,
         at("2024-03-01 12:00"), None, None, None, False, at("2024-03-01 12:00")),
        # Salesforce meetings (Events)
        ("salesforce:00U1", "salesforce", "00U1", "meeting", "rita@example.com", "salesforce:003C",
         "salesforce:006D", at("2024-03-05 14:00"), at("2024-03-01 09:30"), 2700, None, False,
         at("2024-03-05 15:00")),
        ("salesforce:00U2", "salesforce", "00U2", "meeting", "rita@example.com", "salesforce:001A", None,
         at("2024-03-06 09:00"), at("2024-03-02 09:00"), None, None, False, at("2024-03-11 00:00")),
        ("salesforce:00U3", "salesforce", "00U3", "meeting", "salesforce:005R2", None, None,
         at("2024-03-07 09:00"), at("2024-03-02 10:00"), 1800, None, True, at("2024-03-12 00:00")),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def outcomes(raw_template, tmp_path_factory):
    """crm_id → outcome for one call/meeting per spelling, built once with a configured Salesforce
    spelling and a configured HubSpot custom disposition."""
    engine = warehouse(raw_template, tmp_path_factory.mktemp("outcomes") / "warehouse.duckdb")
    insert(
        engine,
        TASKS,
        *(
            {"Id": f"00TD{i:02}", "TaskSubtype": "Call", "CallDisposition": value}
            for i, (value, _) in enumerate(SALESFORCE_DISPOSITIONS)
        ),
        {"Id": "00TC01", "TaskSubtype": "Call", "CallDisposition": " REACHED "},
        {"Id": "00TC02", "TaskSubtype": "Call", "CallDisposition": "Gatekeeper - Blocked"},
    )
    insert(
        engine,
        CALLS,
        *(
            {"id": 3100 + i, "hs_call_disposition": value, "hs_lastmodifieddate": at("2024-03-01")}
            for i, (value, _) in enumerate(HUBSPOT_DISPOSITIONS)
        ),
        {"id": 3199, "hs_call_disposition": "custom-guid-reached", "hs_lastmodifieddate": at("2024-03-01")},
    )
    insert(
        engine,
        MEETINGS,
        *(
            {"id": 4100 + i, "hs_meeting_outcome": value, "hs_lastmodifieddate": at("2024-03-01")}
            for i, (value, _) in enumerate(MEETING_OUTCOMES)
        ),
    )
    insert(
        engine,
        EVENTS,
        {"Id": "00UO1", "StartDateTime": at("2024-03-01"), "SystemModstamp": at("2024-03-01")},
    )
    config = ReportingConfig(
        call_outcomes=(
            *DEFAULT_CALL_OUTCOMES,
            ("salesforce", "Reached", "connected"),
            ("salesforce", "gatekeeper  blocked", "busy"),  # matched after normalising both sides
            ("hubspot", "custom-guid-reached", "connected"),
        )
    )
    build_core(engine, config)
    rows = fetch(engine, "select crm_id, activity_type, outcome from core.activities")
    engine.dispose()
    return {row["crm_id"]: (row["activity_type"], row["outcome"]) for row in rows}


@pytest.mark.parametrize(("index", "case"), list(enumerate(SALESFORCE_DISPOSITIONS)), ids=repr)
def test_salesforce_call_disposition(outcomes, index, case):
    assert outcomes[f"00TD{index:02}"] == ("call", case[1])


@pytest.mark.parametrize(("index", "case"), list(enumerate(HUBSPOT_DISPOSITIONS)), ids=repr)
def test_hubspot_call_disposition(outcomes, index, case):
    assert outcomes[str(3100 + index)] == ("call", case[1])


@pytest.mark.parametrize(("index", "case"), list(enumerate(MEETING_OUTCOMES)), ids=repr)
def test_hubspot_meeting_outcome(outcomes, index, case):
    assert outcomes[str(4100 + index)] == ("meeting", case[1])


def test_configured_outcomes(outcomes):
    assert outcomes["00TC01"] == ("call", "connected")
    assert outcomes["00TC02"] == ("call", "busy")
    assert outcomes["3199"] == ("call", "connected")


def test_salesforce_meeting_outcome_is_null(outcomes):
    assert outcomes["00UO1"] == ("meeting", None)

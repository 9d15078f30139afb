"""Golden rows for core.contacts (docs/metrics.md, "core.contacts") and the follow-up and executive-reach
columns of core.activities: every seniority rule and its edge cases (Vice President against President,
Managing Director, Head of Sales, co-founder, empty and punctuation-only titles, titles in other
languages), the prospect of contacts and leads, configurable rules, e-mails and tasks from both CRMs with
their directions and completion, the contact of an activity (a Salesforce lead included), and which
activities reach an executive (a deleted executive does not; one executive among three HubSpot contacts
does)."""

import pytest
from sql_helpers import at, build_core, fetch, insert, warehouse

from models.reporting import ReportingConfig
from models.seniority import DEFAULT_SENIORITY_RULES, SeniorityRule, merge_rules

CONTACTS, LEADS, HS_CONTACTS = "raw_salesforce.contact", "raw_salesforce.lead", "raw_hubspot.contacts"
HS_CONTACT_LINKS = "raw_hubspot.contact_associations"
TASKS, EVENTS = "raw_salesforce.task", "raw_salesforce.event"
CALLS, MEETINGS, EMAILS, HS_TASKS = (
    "raw_hubspot.calls",
    "raw_hubspot.meetings",
    "raw_hubspot.emails",
    "raw_hubspot.tasks",
)
CALL_LINKS, MEETING_LINKS = "raw_hubspot.call_associations", "raw_hubspot.meeting_associations"
EMAIL_LINKS, TASK_LINKS = "raw_hubspot.email_associations", "raw_hubspot.task_associations"

# Salesforce Contact id → (Title as typed, title in core, seniority, is_executive)
TITLES = {
    "003A1": ("Vice President, Sales", "Vice President, Sales", "vp", True),  # vp before president
    "003A2": ("President", "President", "c_level", True),
    "003A3": ("Managing Director", "Managing Director", "c_level", True),  # before director
    "003A4": ("Head of Sales", "Head of Sales", "vp", True),
    "003A5": ("Co-founder", "Co-founder", "c_level", True),  # 'co founder' in sequence
    "003A6": ("Cofounder & CTO", "Cofounder & CTO", "c_level", True),
    "003A7": ("  \u00a0", None, None, False),  # empty after stripping whitespace
    "003A8": ("---", "---", "other", False),  # punctuation only: a title (not empty), no rule matches
    "003A9": ("Directeur Général", "Directeur Général", "other", False),  # another language
    "003B1": ("Account Manager", "Account Manager", "manager", False),
    "003B2": ("Director, Product Management", "Director, Product Management", "director", False),
    "003B3": ("Presidential Aide", "Presidential Aide", "other", False),  # whole words only
    "003B4": ("SVP/GM", "SVP/GM", "vp", True),
    "003B5": (" Gerente de Ventas ", "Gerente de Ventas", "other", False),
    "003B6": ("Owner", "Owner", "c_level", True),
    "003B7": (None, None, None, False),
    "003B8": ("Chief Revenue Officer", "Chief Revenue Officer", "c_level", True),  # deleted below
    "003B9": ("Head Nurse", "Head Nurse", "other", False),  # 'head' without 'of'
}


def _load(engine):
    insert(
        engine,
        CONTACTS,
        *(
            {"Id": crm_id, "Title": typed, "AccountId": "001X" if crm_id < "003B" else None,
             "FirstName": "Pat", "LastName": "Doe", "Email": "pat@prospect.example", "Phone": "+1 555 0100",
             "SystemModstamp": at("2024-02-01 00:00"), "IsDeleted": crm_id == "003B8",
             "_is_deleted": crm_id == "003B8"}
            for crm_id, (typed, *_) in TITLES.items()
        ),
    )  # fmt: skip
    insert(
        engine,
        LEADS,
        # Not converted: its own prospect. Converted: the account it became.
        {"Id": "00Q1", "Title": "CEO", "Email": "ceo@lead.example", "IsConverted": False,
         "SystemModstamp": at("2024-02-02 00:00")},
        {"Id": "00Q2", "Title": "Marketing Manager", "IsConverted": True, "ConvertedAccountId": "001Y",
         "ConvertedContactId": "003Z", "SystemModstamp": at("2024-02-03 00:00")},
        {"Id": "00Q3", "Title": "", "IsConverted": False, "ConvertedAccountId": "",
         "SystemModstamp": at("2024-02-04 00:00")},
    )  # fmt: skip
    insert(
        engine,
        HS_CONTACTS,
        {"id": 501, "jobtitle": "VP Engineering", "firstname": "Ada", "email": "ada@co.example",
         "phone": "+44 20 0000", "lastmodifieddate": at("2024-02-05 00:00")},
        {"id": 502, "jobtitle": "", "updated_at": at("2024-02-06 00:00")},
        {"id": 503, "jobtitle": "Geschäftsführer", "lastmodifieddate": at("2024-02-07 00:00")},
        {"id": 504, "jobtitle": "Chief Executive Officer", "archived": True,
         "archived_at": at("2024-02-09 00:00"), "lastmodifieddate": at("2024-02-08 00:00")},
        {"id": 505, "jobtitle": "Intern", "lastmodifieddate": at("2024-02-10 00:00")},
    )  # fmt: skip
    insert(
        engine,
        HS_CONTACT_LINKS,
        # Companies 20 and 7: the smallest numerically is 7.
        {"contact_id": 501, "to_object_type": "companies", "to_id": 20},
        {"contact_id": 501, "to_object_type": "companies", "to_id": 7},
        {"contact_id": 503, "to_object_type": "companies", "to_id": 7},
    )
    insert(
        engine,
        TASKS,
        # Calls: CallType gives the direction; WhoId a contact or a lead is the activity's contact.
        {"Id": "00T1", "TaskSubtype": "Call", "CallType": "Outbound", "WhoId": "003A1", "OwnerId": "005R",
         "CallDisposition": "Connected", "CompletedDateTime": at("2024-03-01 10:00")},
        {"Id": "00T2", "TaskSubtype": "Call", "CallType": "Inbound", "WhoId": "00Q1",
         "CompletedDateTime": at("2024-03-01 11:00")},
        {"Id": "00T3", "TaskSubtype": "Call", "CallType": "Internal", "WhoId": "003B1",
         "CompletedDateTime": at("2024-03-01 12:00")},
        # E-mails are outbound, have no outcome; a deleted executive does not count as reached.
        {"Id": "00T4", "TaskSubtype": "Email", "WhoId": "003B8", "CallDisposition": "Connected",
         "IsClosed": True, "CompletedDateTime": at("2024-03-02 09:00")},
        # WhoId an account id (001): no contact.
        {"Id": "00T5", "TaskSubtype": "ListEmail", "WhoId": "001X", "CreatedDate": at("2024-03-02 10:00")},
        # Tasks: done when IsClosed; no CompletedDateTime → CreatedDate; an empty subtype is a task.
        {"Id": "00T6", "TaskSubtype": "Task", "IsClosed": True, "WhoId": "003A2",
         "CompletedDateTime": at("2024-03-03 09:00"), "CreatedDate": at("2024-03-01 09:00")},
        {"Id": "00T7", "TaskSubtype": "Task", "IsClosed": False, "CreatedDate": at("2024-03-03 10:00")},
        {"Id": "00T8", "TaskSubtype": None, "IsClosed": None, "CreatedDate": at("2024-03-03 11:00")},
        # Archived by Salesforce, not deleted: history.
        {"Id": "00T9", "TaskSubtype": "Task", "IsClosed": True, "IsArchived": True,
         "CompletedDateTime": at("2023-01-03 11:00")},
        # A subtype the contract does not name: not an activity.
        {"Id": "00TX", "TaskSubtype": "Cadence", "CreatedDate": at("2024-03-03 12:00")},
    )  # fmt: skip
    insert(
        engine,
        EVENTS,
        {"Id": "00U1", "WhoId": "003A3", "StartDateTime": at("2024-03-04 09:00"),
         "CreatedDate": at("2024-03-01 09:00")},
        {"Id": "00U2", "WhoId": "00Q2", "StartDateTime": at("2024-03-04 10:00"),
         "CreatedDate": at("2024-03-01 09:00")},
    )  # fmt: skip
    insert(
        engine,
        CALLS,
        {"id": 601, "hs_call_direction": "OUTBOUND", "hs_timestamp": at("2024-03-05 09:00")},
        {"id": 602, "hs_call_direction": "INBOUND", "hs_timestamp": at("2024-03-05 10:00")},
    )
    insert(
        engine,
        MEETINGS,
        {"id": 701, "hs_meeting_start_time": at("2024-03-06 09:00"), "hs_createdate": at("2024-03-01 09:00")},
        {"id": 702, "hs_meeting_start_time": at("2024-03-06 10:00"), "hs_createdate": at("2024-03-01 09:00")},
    )
    insert(
        engine,
        EMAILS,
        {"id": 801, "hs_email_direction": "EMAIL", "hs_timestamp": at("2024-03-07 09:00"),
         "hs_email_subject": "Proposal for Ada", "hs_lastmodifieddate": at("2024-03-07 09:01")},
        {"id": 802, "hs_email_direction": "INCOMING_EMAIL", "hs_timestamp": at("2024-03-07 10:00")},
        {"id": 803, "hs_email_direction": "FORWARDED_EMAIL", "hs_timestamp": at("2024-03-07 11:00")},
        {"id": 804, "hs_email_direction": None, "hs_timestamp": at("2024-03-07 12:00"), "archived": True,
         "archived_at": at("2024-03-08 00:00")},
    )  # fmt: skip
    insert(
        engine,
        HS_TASKS,
        # Completed: its completion date; open: its due date (hs_timestamp).
        {"id": 901, "hs_task_status": "COMPLETED", "hs_task_completion_date": at("2024-03-09 15:00"),
         "hs_timestamp": at("2024-03-08 09:00")},
        {"id": 902, "hs_task_status": "NOT_STARTED", "hs_timestamp": at("2024-03-10 09:00")},
        {"id": 903, "hs_task_status": None, "hs_timestamp": at("2024-03-10 10:00")},
    )  # fmt: skip
    insert(
        engine,
        CALL_LINKS,
        {"call_id": 601, "to_object_type": "contacts", "to_id": 505},
    )
    insert(
        engine,
        MEETING_LINKS,
        # One executive (501, a VP) among three contacts: the meeting reaches the top; its contact is the
        # smallest id, 501 (numerically; as text '1000' would be smaller).
        {"meeting_id": 701, "to_object_type": "contacts", "to_id": 1000},
        {"meeting_id": 701, "to_object_type": "contacts", "to_id": 505},
        {"meeting_id": 701, "to_object_type": "contacts", "to_id": 501},
        {"meeting_id": 701, "to_object_type": "companies", "to_id": 7},
        # Only a deleted executive (504): does not reach.
        {"meeting_id": 702, "to_object_type": "contacts", "to_id": 504},
    )
    insert(
        engine,
        EMAIL_LINKS,
        {"email_id": 801, "to_object_type": "contacts", "to_id": 501},
        {"email_id": 801, "to_object_type": "deals", "to_id": 3000},
        {"email_id": 802, "to_object_type": "contacts", "to_id": 503},
    )
    insert(
        engine,
        TASK_LINKS,
        {"task_id": 901, "to_object_type": "contacts", "to_id": 503},
        {"task_id": 901, "to_object_type": "companies", "to_id": 7},
    )


@pytest.fixture(scope="module")
def built(raw_template, tmp_path_factory):
    engine = warehouse(raw_template, tmp_path_factory.mktemp("followups") / "warehouse.duckdb")
    _load(engine)
    build_core(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def contacts(built):
    return {row["contact_id"]: row for row in fetch(built, "select * from core.contacts order by contact_id")}


def test_contacts_columns_hold_no_personal_data(built):
    columns = [row["name"] for row in fetch(built, "select name from pragma_table_info('core.contacts')")]
    assert columns == [
        "contact_id",
        "source",
        "crm_id",
        "kind",
        "title",
        "seniority",
        "is_executive",
        "prospect_id",
        "is_deleted",
        "source_updated_at",
    ]
    dump = str(fetch(built, "select * from core.contacts")) + str(
        fetch(built, "select * from core.activities")
    )
    for personal in ("Pat", "Doe", "pat@prospect.example", "555", "ada@co.example", "Ada", "Proposal for"):
        assert personal not in dump


@pytest.mark.parametrize(
    ("crm_id", "case"), list(TITLES.items()), ids=[t[0] or "none" for t in TITLES.values()]
)
def test_salesforce_contact_seniority(contacts, crm_id, case):
    _, title, seniority, executive = case
    row = contacts[f"salesforce:{crm_id}"]
    assert (row["title"], row["seniority"], row["is_executive"]) == (title, seniority, executive)


def test_contacts_golden(contacts):
    got = {
        key: (r["kind"], r["title"], r["seniority"], r["is_executive"], r["prospect_id"], r["is_deleted"],
              r["source_updated_at"])
        for key, r in contacts.items()
        if not key.startswith("salesforce:003")
    }  # fmt: skip
    assert got == {
        "salesforce:00Q1": ("lead", "CEO", "c_level", True, "salesforce:00Q1", False, at("2024-02-02 00:00")),
        "salesforce:00Q2": ("lead", "Marketing Manager", "manager", False, "salesforce:001Y", False,
                            at("2024-02-03 00:00")),
        "salesforce:00Q3": ("lead", None, None, False, "salesforce:00Q3", False, at("2024-02-04 00:00")),
        "hubspot:501": ("contact", "VP Engineering", "vp", True, "hubspot:7", False, at("2024-02-05 00:00")),
        "hubspot:502": ("contact", None, None, False, "hubspot:502", False, at("2024-02-06 00:00")),
        "hubspot:503": ("contact", "Geschäftsführer", "other", False, "hubspot:7", False,
                        at("2024-02-07 00:00")),
        "hubspot:504": ("contact", "Chief Executive Officer", "c_level", True, "hubspot:504", True,
                        at("2024-02-09 00:00")),
        "hubspot:505": ("contact", "Intern", "other", False, "hubspot:505", False, at("2024-02-10 00:00")),
    }  # fmt: skip
    assert contacts["salesforce:003A1"]["prospect_id"] == "salesforce:001X"  # AccountId
    assert contacts["salesforce:003B1"]["prospect_id"] == "salesforce:003B1"  # no account: itself
    assert contacts["salesforce:003B8"]["is_deleted"] is True


def test_activities_golden(built):
    rows = fetch(
        built,
        "select activity_id, activity_type, direction, is_done, contact_id, reaches_executive, occurred_at, "
        "outcome, prospect_id, deal_id, is_deleted from core.activities order by activity_id",
    )
    assert [tuple(r.values()) for r in rows] == [
        ("hubspot:601", "call", "outbound", True, "hubspot:505", False, at("2024-03-05 09:00"), None,
         "hubspot:505", None, False),
        ("hubspot:602", "call", "inbound", True, None, False, at("2024-03-05 10:00"), None, None, None,
         False),
        ("hubspot:701", "meeting", None, True, "hubspot:501", True, at("2024-03-06 09:00"), None, "hubspot:7",
         None, False),
        ("hubspot:702", "meeting", None, True, "hubspot:504", False, at("2024-03-06 10:00"), None,
         "hubspot:504", None, False),
        ("hubspot:801", "email", "outbound", True, "hubspot:501", True, at("2024-03-07 09:00"), None,
         "hubspot:501", "hubspot:3000", False),
        ("hubspot:802", "email", "inbound", True, "hubspot:503", False, at("2024-03-07 10:00"), None,
         "hubspot:503", None, False),
        ("hubspot:803", "email", "outbound", True, None, False, at("2024-03-07 11:00"), None, None,
         None, False),
        ("hubspot:804", "email", None, True, None, False, at("2024-03-07 12:00"), None, None, None, True),
        ("hubspot:901", "task", None, True, "hubspot:503", False, at("2024-03-09 15:00"), None, "hubspot:7",
         None, False),
        ("hubspot:902", "task", None, False, None, False, at("2024-03-10 09:00"), None, None, None, False),
        ("hubspot:903", "task", None, False, None, False, at("2024-03-10 10:00"), None, None, None, False),
        ("salesforce:00T1", "call", "outbound", True, "salesforce:003A1", True, at("2024-03-01 10:00"),
         "connected", "salesforce:003A1", None, False),
        # WhoId a lead (00Q): the lead is the contact, and a CEO.
        ("salesforce:00T2", "call", "inbound", True, "salesforce:00Q1", True, at("2024-03-01 11:00"), None,
         "salesforce:00Q1", None, False),
        ("salesforce:00T3", "call", None, True, "salesforce:003B1", False, at("2024-03-01 12:00"), None,
         "salesforce:003B1", None, False),
        ("salesforce:00T4", "email", "outbound", True, "salesforce:003B8", False,
         at("2024-03-02 09:00"), None,
         "salesforce:003B8", None, False),
        ("salesforce:00T5", "email", "outbound", True, None, False, at("2024-03-02 10:00"), None,
         "salesforce:001X", None, False),
        ("salesforce:00T6", "task", None, True, "salesforce:003A2", True, at("2024-03-03 09:00"), None,
         "salesforce:003A2", None, False),
        ("salesforce:00T7", "task", None, False, None, False, at("2024-03-03 10:00"), None, None, None,
         False),
        ("salesforce:00T8", "task", None, False, None, False, at("2024-03-03 11:00"), None, None, None,
         False),
        ("salesforce:00T9", "task", None, True, None, False, at("2023-01-03 11:00"), None, None, None, False),
        ("salesforce:00U1", "meeting", None, True, "salesforce:003A3", True, at("2024-03-04 09:00"), None,
         "salesforce:003A3", None, False),
        ("salesforce:00U2", "meeting", None, True, "salesforce:00Q2", False, at("2024-03-04 10:00"), None,
         "salesforce:00Q2", None, False),
    ]  # fmt: skip


def test_configured_seniority_rules(raw_template, tmp_path):
    """Each level's terms replaced by the configuration: Spanish titles count, 'head of' no longer does."""
    engine = warehouse(raw_template, tmp_path / "warehouse.duckdb")
    _load(engine)
    rules = merge_rules(
        DEFAULT_SENIORITY_RULES,
        {
            "vp": SeniorityRule("vp", ("vice president", "vp", "svp", "vicepresidente")),
            "manager": SeniorityRule("manager", ("manager", "gerente")),
        },
    )
    build_core(engine, ReportingConfig(seniority_rules=rules))
    got = {
        row["crm_id"]: (row["seniority"], row["is_executive"])
        for row in fetch(engine, "select crm_id, seniority, is_executive from core.contacts")
    }
    assert got["003B5"] == ("manager", False)  # Gerente de Ventas
    assert got["003A4"] == ("other", False)  # Head of Sales
    assert got["003A1"] == ("vp", True)
    assert got["003A2"] == ("c_level", True)  # the other levels keep their default terms
    reached = fetch(engine, "select activity_id from core.activities where reaches_executive order by 1")
    assert [row["activity_id"] for row in reached] == [
        "hubspot:701",
        "hubspot:801",
        "salesforce:00T1",
        "salesforce:00T2",
        "salesforce:00T6",
        "salesforce:00U1",
    ]
    engine.dispose()

"""The bad-input catalogue: malformed records served by the sandbox's emulators, each with the outcome
the pipeline must reach (loaded with an exact value, or rejected with a reason), and the page tampers
that serve them.

Each bad record is built from a real record of the page it is appended to (so every other field is
sound and its modification time lies inside the window and below the page's last one: keyset paging
is not disturbed) and carries a marker (`Barometer_Case__c` / property `barometer_case`), an unknown
field the connectors keep in `_raw` and the reject payload: that is how a record without a usable id
is found again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.faults import PageTamper

MB = 1024 * 1024
HUGE = "x" * MB
HOSTILE = "'); DROP TABLE core.deals; -- ' OR Name LIKE '%\\ \"quoted\"\n\t\x00\x1b[31m\u202eRTL\u202c 🙂"

Record = dict[str, Any]


class _Stored:
    """An expected value: what the sandbox holds for the base record (a superseded duplicate)."""

    def __repr__(self) -> str:
        return "<the base record's value>"


STORED = _Stored()


def marker(case_id: str) -> str:
    return f"case:{case_id};"


@dataclass(frozen=True)
class Case:
    """One malformed record. `build(base, record_id)` returns what the API serves, from a real record
    of the page. Loaded: the row found by id holds `value` in `column` (STORED: the value the sandbox
    holds for the base record). Rejected: the reject holding the case's marker has `reason`."""

    id: str
    crm: str  # "salesforce" or "hubspot"
    table: str  # the landing table, e.g. "raw_salesforce.task"
    input: str  # what is wrong, for docs/reliability.md
    build: Callable[[Record, str], object]
    column: str | None = None
    value: object = None
    reason: str | None = None
    base_id_kept: bool = False  # the record keeps the base record's id (a duplicate of it)

    @property
    def rejected(self) -> bool:
        return self.reason is not None


# -- building records --------------------------------------------------------------------------------


def sf(**fields: object) -> Callable[[Record, str], Record]:
    """A Salesforce record: the base with a new Id and `fields` set."""

    def build(base: Record, record_id: str) -> Record:
        return {**base, "Id": record_id, **fields}

    return build


def sf_without(*names: str, **fields: object) -> Callable[[Record, str], Record]:
    def build(base: Record, record_id: str) -> Record:
        record = {**base, "Id": record_id, **fields}
        for name in names:
            record.pop(name, None)
        return record

    return build


def sf_duplicate(*, newer: bool, column: str = "Subject") -> Callable[[Record, str], Record]:
    """The base record again, later in the page, with `column` changed: an older version (a minute
    before), or a newer one (the page's last modification time)."""

    def build(base: Record, record_id: str) -> Record:
        stamp = base["_page_last_stamp"] if newer else _shift_sf(base["SystemModstamp"], -60)
        return {**base, column: f"duplicate {'newer' if newer else 'older'}", "SystemModstamp": stamp}

    return build


def hs(**properties: object) -> Callable[[Record, str], Record]:
    def build(base: Record, record_id: str) -> Record:
        return {**base, "id": record_id, "properties": {**base["properties"], **properties}}

    return build


def hs_record(**fields: object) -> Callable[[Record, str], Record]:
    """Top-level fields of a HubSpot record changed (a `None` value removes the key)."""

    def build(base: Record, record_id: str) -> Record:
        record = {**base, "id": record_id, **fields}
        return {k: v for k, v in record.items() if v is not None or k not in fields}

    return build


def hs_without_modification_time(base: Record, record_id: str) -> Record:
    properties = {k: v for k, v in base["properties"].items() if k != "hs_lastmodifieddate"}
    record = {**base, "id": record_id, "properties": properties}
    record.pop("updatedAt", None)
    return record


def hs_duplicate(
    *, newer: bool, prop: str = "hs_call_title", modified: str = "hs_lastmodifieddate"
) -> Callable[[Record, str], Record]:
    """The base record again, later in the page, with `prop` changed; `modified`: the object's cursor."""

    def build(base: Record, record_id: str) -> Record:
        stamp = base["_page_last_stamp"] if newer else _shift_hs(base["properties"][modified], -60)
        title = f"duplicate {'newer' if newer else 'older'}"
        properties = {**base["properties"], prop: title, modified: stamp}
        return {**base, "properties": properties, "updatedAt": stamp}

    return build


def hs_association(**fields: object) -> Callable[[Record, str], Record]:
    """An associations v4 `to` entry: a real one of the page with `fields` set; `toObjectId` is the
    case's record id unless `fields` sets it."""

    def build(base: Record, record_id: str) -> Record:
        return {**base, "toObjectId": int(record_id), **fields}

    return build


def _shift_sf(stamp: str, seconds: int) -> str:
    """A REST datetime (2026-05-03T10:00:00.000+0000) moved by `seconds`."""
    moment = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _shift_hs(stamp: str, seconds: int) -> str:
    """A HubSpot datetime (2026-05-03T10:00:00.000Z) moved by `seconds`."""
    moment = datetime.fromisoformat(stamp).astimezone(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- the catalogue ----------------------------------------------------------------------------------

TASK, OPPORTUNITY = "raw_salesforce.task", "raw_salesforce.opportunity"
CONTACT, LEAD = "raw_salesforce.contact", "raw_salesforce.lead"
CALLS, DEALS = "raw_hubspot.calls", "raw_hubspot.deals"
HS_CONTACTS, EMAILS, HS_TASKS = "raw_hubspot.contacts", "raw_hubspot.emails", "raw_hubspot.tasks"
EMAIL_ASSOCIATIONS = "raw_hubspot.email_associations"
NO_CONTACT = "003000000000BADAAA"  # a Contact id (prefix 003) of no contact

SALESFORCE_CASES: tuple[Case, ...] = (
    Case(
        "sf-duration-text",
        "salesforce",
        TASK,
        'CallDurationInSeconds "abc"',
        sf(CallDurationInSeconds="abc"),
        reason="CallDurationInSeconds: cannot read 'abc' as an integer",
    ),
    Case(
        "sf-duration-fraction",
        "salesforce",
        TASK,
        "CallDurationInSeconds 2.5",
        sf(CallDurationInSeconds=2.5),
        reason="CallDurationInSeconds: cannot read 2.5 as an integer",
    ),
    Case(
        "sf-duration-integral-float",
        "salesforce",
        TASK,
        "CallDurationInSeconds 60.0",
        sf(CallDurationInSeconds=60.0),
        column="CallDurationInSeconds",
        value=60,
    ),
    Case(
        "sf-deleted-maybe",
        "salesforce",
        TASK,
        'IsDeleted "maybe"',
        sf(IsDeleted="maybe"),
        reason="IsDeleted: cannot read 'maybe' as a boolean",
    ),
    Case(
        "sf-subject-object",
        "salesforce",
        TASK,
        'Subject {"a": 1} (an object)',
        sf(Subject={"a": 1}),
        reason="Subject: cannot read {'a': 1} as a string",
    ),
    Case(
        "sf-subject-number",
        "salesforce",
        TASK,
        "Subject 12345 (a number)",
        sf(Subject=12345),
        reason="Subject: cannot read 12345 as a string",
    ),
    Case(
        "sf-activity-date-feb-30",
        "salesforce",
        TASK,
        'ActivityDate "2026-02-30"',
        sf(ActivityDate="2026-02-30"),
        reason="ActivityDate: cannot read '2026-02-30' as a date",
    ),
    Case(
        "sf-completed-year-0",
        "salesforce",
        TASK,
        'CompletedDateTime "0000-01-01T00:00:00.000+0000"',
        sf(CompletedDateTime="0000-01-01T00:00:00.000+0000"),
        reason="CompletedDateTime: cannot read '0000-01-01T00:00:00.000+0000' as a datetime",
    ),
    Case(
        "sf-modstamp-empty",
        "salesforce",
        TASK,
        'SystemModstamp ""',
        sf(SystemModstamp=""),
        reason="SystemModstamp: cannot read '' as a datetime",
    ),
    Case(
        "sf-modstamp-null",
        "salesforce",
        TASK,
        "SystemModstamp null",
        sf(SystemModstamp=None),
        reason="SystemModstamp is missing",
    ),
    Case("sf-id-missing", "salesforce", TASK, "no Id", sf_without("Id"), reason="Id is missing"),
    Case("sf-id-empty", "salesforce", TASK, 'Id ""', sf(Id=""), reason="Id is missing"),
    Case(
        "sf-not-a-record",
        "salesforce",
        TASK,
        "a string where a record belongs",
        lambda base, record_id: marker("sf-not-a-record"),
        reason=f"not a record: {marker('sf-not-a-record')!r}",
    ),
    Case(
        "sf-subject-1mb",
        "salesforce",
        TASK,
        "Subject of 1 MB",
        sf(Subject=HUGE),
        column="Subject",
        value=HUGE,
    ),
    Case(
        "sf-subject-hostile",
        "salesforce",
        TASK,
        "Subject with SQL/SOQL fragments, quotes, NUL, ESC, RTL, emoji",
        sf(Subject=HOSTILE),
        column="Subject",
        value=HOSTILE,
    ),
    Case(
        "sf-owner-unknown",
        "salesforce",
        TASK,
        "OwnerId of no user",
        sf(OwnerId="005000000000BADAAA", IsDeleted=False),
        column="OwnerId",
        value="005000000000BADAAA",
    ),
    Case(
        "sf-duplicate-older-last",
        "salesforce",
        TASK,
        "same Id twice in a page, the older version last",
        sf_duplicate(newer=False),
        column="Subject",
        value=STORED,
        base_id_kept=True,
    ),
    Case(
        "sf-duplicate-newer-last",
        "salesforce",
        TASK,
        "same Id twice in a page, the newer version last",
        sf_duplicate(newer=True),
        column="Subject",
        value="duplicate newer",
        base_id_kept=True,
    ),
    Case(
        "sf-amount-infinity-string",
        "salesforce",
        OPPORTUNITY,
        'Amount "Infinity" (a string)',
        sf(Amount="Infinity"),
        reason="Amount: cannot read 'Infinity' as a finite number",
    ),
    Case(
        "sf-amount-nan-string",
        "salesforce",
        OPPORTUNITY,
        'Amount "NaN" (a string)',
        sf(Amount="NaN"),
        reason="Amount: cannot read 'NaN' as a finite number",
    ),
    Case(
        "sf-amount-text",
        "salesforce",
        OPPORTUNITY,
        'Amount "abc"',
        sf(Amount="abc"),
        reason="Amount: cannot read 'abc' as a finite number",
    ),
    Case(
        "sf-amount-negative",
        "salesforce",
        OPPORTUNITY,
        "Amount -500.5",
        sf(Amount=-500.5),
        column="Amount",
        value=-500.5,
    ),
    Case(
        "sf-stage-unknown",
        "salesforce",
        OPPORTUNITY,
        'StageName "Stage Nobody Mapped"',
        sf(StageName="Stage Nobody Mapped", IsClosed=False, IsWon=False, IsDeleted=False),
        column="StageName",
        value="Stage Nobody Mapped",
    ),
    Case(
        "sf-close-date-year-9999",
        "salesforce",
        OPPORTUNITY,
        'CloseDate "9999-12-31"',
        sf(CloseDate="9999-12-31"),
        column="CloseDate",
        value=date(9999, 12, 31),
    ),
    Case(
        "sf-won-number",
        "salesforce",
        OPPORTUNITY,
        "IsWon 1 (a number)",
        sf(IsWon=1),
        reason="IsWon: cannot read 1 as a boolean",
    ),
    Case(
        "sf-email-activity-date-month-13",
        "salesforce",
        TASK,
        'an e-mail (TaskSubtype "Email") with ActivityDate "2026-13-01"',
        sf(TaskSubtype="Email", ActivityDate="2026-13-01"),
        reason="ActivityDate: cannot read '2026-13-01' as a date",
    ),
    Case(
        "sf-email-who-unknown",
        "salesforce",
        TASK,
        "an e-mail whose WhoId is no contact",
        sf(TaskSubtype="Email", WhoId=NO_CONTACT, IsDeleted=False),
        column="WhoId",
        value=NO_CONTACT,
    ),
    Case(
        "sf-list-email-subject-hostile",
        "salesforce",
        TASK,
        'a list e-mail (TaskSubtype "ListEmail") with a hostile Subject',
        sf(TaskSubtype="ListEmail", Subject=HOSTILE),
        column="Subject",
        value=HOSTILE,
    ),
    Case(
        "sf-contact-title-1mb",
        "salesforce",
        CONTACT,
        "Title of 1 MB",
        sf(Title=HUGE),
        column="Title",
        value=HUGE,
    ),
    Case(
        "sf-contact-title-hostile",
        "salesforce",
        CONTACT,
        "Title with SQL/SOQL fragments, quotes, NUL, ESC, RTL, emoji",
        sf(Title=HOSTILE),
        column="Title",
        value=HOSTILE,
    ),
    Case(
        "sf-contact-email-list",
        "salesforce",
        CONTACT,
        "Email a list of the contact's addresses (personal data)",
        lambda base, record_id: {**base, "Id": record_id, "Email": [base["Email"], base["Email"]]},
        reason="Email: cannot read a value of type list as a string (not shown: personal data)",
    ),
    Case(
        "sf-contact-duplicate-newer-last",
        "salesforce",
        CONTACT,
        "same Id twice in a page, the newer version last",
        sf_duplicate(newer=True, column="Title"),
        column="Title",
        value="duplicate newer",
        base_id_kept=True,
    ),
    Case("sf-lead-id-null", "salesforce", LEAD, "Id null", sf(Id=None), reason="Id is missing"),
    Case(
        "sf-lead-phone-number",
        "salesforce",
        LEAD,
        "Phone 15550100123 (a number; personal data)",
        sf(Phone=15550100123),
        reason="Phone: cannot read a value of type int as a string (not shown: personal data)",
    ),
    Case(
        "sf-lead-converted-yes",
        "salesforce",
        LEAD,
        'IsConverted "yes"',
        sf(IsConverted="yes"),
        reason="IsConverted: cannot read 'yes' as a boolean",
    ),
    Case(
        "sf-lead-duplicate-older-last",
        "salesforce",
        LEAD,
        "same Id twice in a page, the older version last",
        sf_duplicate(newer=False, column="Title"),
        column="Title",
        value=STORED,
        base_id_kept=True,
    ),
)

HUBSPOT_CASES: tuple[Case, ...] = (
    Case(
        "hs-duration-text",
        "hubspot",
        CALLS,
        'hs_call_duration "abc"',
        hs(hs_call_duration="abc"),
        reason="hs_call_duration: 'abc' is not a number",
    ),
    Case(
        "hs-duration-object",
        "hubspot",
        CALLS,
        'hs_call_duration {"ms": 5} (an object)',
        hs(hs_call_duration={"ms": 5}),
        reason="hs_call_duration: {'ms': 5} is not a number",
    ),
    Case(
        "hs-duration-negative",
        "hubspot",
        CALLS,
        'hs_call_duration "-5"',
        hs(hs_call_duration="-5"),
        column="hs_call_duration",
        value=-5.0,
    ),
    Case(
        "hs-timestamp-feb-30",
        "hubspot",
        CALLS,
        'hs_timestamp "2026-02-30T10:00:00Z"',
        hs(hs_timestamp="2026-02-30T10:00:00Z"),
        reason="hs_timestamp: '2026-02-30T10:00:00Z' is not a datetime",
    ),
    Case(
        "hs-timestamp-year-0",
        "hubspot",
        CALLS,
        'hs_timestamp "0000-01-01T00:00:00Z"',
        hs(hs_timestamp="0000-01-01T00:00:00Z"),
        reason="hs_timestamp: '0000-01-01T00:00:00Z' is not a datetime",
    ),
    Case(
        "hs-timestamp-epoch-year-10000",
        "hubspot",
        CALLS,
        'hs_timestamp "253402300800000" (epoch ms, year 10000)',
        hs(hs_timestamp="253402300800000"),
        reason="hs_timestamp: '253402300800000' is not a datetime",
    ),
    Case(
        "hs-timestamp-empty",
        "hubspot",
        CALLS,
        'hs_timestamp ""',
        hs(hs_timestamp=""),
        column="hs_timestamp",
        value=None,
    ),
    Case("hs-id-missing", "hubspot", CALLS, "no id", hs_record(id=None), reason="id is missing"),
    Case(
        "hs-id-text",
        "hubspot",
        CALLS,
        'id "abc"',
        hs_record(id="abc"),
        reason="id: 'abc' is not a 64-bit integer",
    ),
    Case(
        "hs-no-modification-time",
        "hubspot",
        CALLS,
        "neither hs_lastmodifieddate nor updatedAt",
        hs_without_modification_time,
        reason="no modification time: hs_lastmodifieddate, updatedAt and archivedAt are empty",
    ),
    Case(
        "hs-archived-yes",
        "hubspot",
        CALLS,
        'archived "yes"',
        hs_record(archived="yes"),
        reason="archived: 'yes' is not true or false",
    ),
    Case(
        "hs-properties-list",
        "hubspot",
        CALLS,
        "properties is a list",
        hs_record(properties=["a"]),
        reason="properties is not a JSON object",
    ),
    Case(
        "hs-not-a-record",
        "hubspot",
        CALLS,
        "a string where a record belongs",
        lambda base, record_id: marker("hs-not-a-record"),
        reason="record is not a JSON object",
    ),
    Case(
        "hs-owner-unknown",
        "hubspot",
        CALLS,
        'hubspot_owner_id "999999999" (no such owner)',
        hs(hubspot_owner_id="999999999"),
        column="hubspot_owner_id",
        value=999_999_999,
    ),
    Case(
        "hs-owner-text",
        "hubspot",
        CALLS,
        'hubspot_owner_id "nobody"',
        hs(hubspot_owner_id="nobody"),
        reason="hubspot_owner_id: 'nobody' is not a 64-bit integer",
    ),
    Case(
        "hs-title-1mb",
        "hubspot",
        CALLS,
        "hs_call_title of 1 MB",
        hs(hs_call_title=HUGE),
        column="hs_call_title",
        value=HUGE,
    ),
    Case(
        "hs-title-hostile",
        "hubspot",
        CALLS,
        "hs_call_title with SQL/SOQL fragments, quotes, NUL, ESC, RTL, emoji",
        hs(hs_call_title=HOSTILE),
        column="hs_call_title",
        value=HOSTILE,
    ),
    Case(
        "hs-duplicate-older-last",
        "hubspot",
        CALLS,
        "same id twice in a page, the older version last",
        hs_duplicate(newer=False),
        column="hs_call_title",
        value=STORED,
        base_id_kept=True,
    ),
    Case(
        "hs-duplicate-newer-last",
        "hubspot",
        CALLS,
        "same id twice in a page, the newer version last",
        hs_duplicate(newer=True),
        column="hs_call_title",
        value="duplicate newer",
        base_id_kept=True,
    ),
    Case(
        "hs-amount-nan",
        "hubspot",
        DEALS,
        'amount "NaN"',
        hs(amount="NaN"),
        reason="amount: 'NaN' is not a finite number",
    ),
    Case(
        "hs-amount-infinity",
        "hubspot",
        DEALS,
        'amount "Infinity"',
        hs(amount="Infinity"),
        reason="amount: 'Infinity' is not a finite number",
    ),
    Case(
        "hs-amount-minus-infinity",
        "hubspot",
        DEALS,
        'amount "-Infinity"',
        hs(amount="-Infinity"),
        reason="amount: '-Infinity' is not a finite number",
    ),
    Case(
        "hs-amount-text",
        "hubspot",
        DEALS,
        'amount "abc"',
        hs(amount="abc"),
        reason="amount: 'abc' is not a number",
    ),
    Case(
        "hs-closed-maybe",
        "hubspot",
        DEALS,
        'hs_is_closed "maybe"',
        hs(hs_is_closed="maybe"),
        reason="hs_is_closed: 'maybe' is not true or false",
    ),
    Case(
        "hs-closedate-epoch-ms",
        "hubspot",
        DEALS,
        'closedate "1767225600000" (epoch ms)',
        hs(closedate="1767225600000"),
        column="closedate",
        value=datetime(2026, 1, 1, tzinfo=UTC),
    ),
    Case(
        "hs-stage-unknown",
        "hubspot",
        DEALS,
        'dealstage "no_such_stage"',
        hs(dealstage="no_such_stage", hs_is_closed="false", hs_is_closed_won="false"),
        column="dealstage",
        value="no_such_stage",
    ),
    Case(
        "hs-email-timestamp-text",
        "hubspot",
        EMAILS,
        'hs_timestamp "yesterday"',
        hs(hs_timestamp="yesterday"),
        reason="hs_timestamp: 'yesterday' is not a datetime",
    ),
    Case(
        "hs-email-direction-unknown",
        "hubspot",
        EMAILS,
        'hs_email_direction "SIDEWAYS_EMAIL"',
        hs(hs_email_direction="SIDEWAYS_EMAIL"),
        column="hs_email_direction",
        value="SIDEWAYS_EMAIL",
    ),
    Case("hs-email-id-missing", "hubspot", EMAILS, "no id", hs_record(id=None), reason="id is missing"),
    Case(
        "hs-email-duplicate-newer-last",
        "hubspot",
        EMAILS,
        "same id twice in a page, the newer version last",
        hs_duplicate(newer=True, prop="hs_email_subject"),
        column="hs_email_subject",
        value="duplicate newer",
        base_id_kept=True,
    ),
    Case(
        "hs-email-association-unknown-contact",
        "hubspot",
        EMAIL_ASSOCIATIONS,
        "an e-mail associated with a contact id of no contact (below every real id)",
        hs_association(),
        column="association_type_id",
        value=198,
    ),
    Case(
        "hs-email-association-id-text",
        "hubspot",
        EMAIL_ASSOCIATIONS,
        'an e-mail associated with toObjectId "abc"',
        hs_association(toObjectId="abc"),
        reason="association to contacts: toObjectId: 'abc' is not a 64-bit integer",
    ),
    Case(
        "hs-contact-email-list",
        "hubspot",
        HS_CONTACTS,
        "email a list of the contact's addresses (personal data)",
        lambda base, record_id: hs(email=[base["properties"]["email"]] * 2)(base, record_id),
        reason="email: a value of type list is not text (not shown: personal data)",
    ),
    Case(
        "hs-contact-jobtitle-hostile",
        "hubspot",
        HS_CONTACTS,
        "jobtitle with SQL/SOQL fragments, quotes, NUL, ESC, RTL, emoji",
        hs(jobtitle=HOSTILE),
        column="jobtitle",
        value=HOSTILE,
    ),
    Case(
        "hs-contact-duplicate-older-last",
        "hubspot",
        HS_CONTACTS,
        "same id twice in a page, the older version last",
        hs_duplicate(newer=False, prop="jobtitle", modified="lastmodifieddate"),
        column="jobtitle",
        value=STORED,
        base_id_kept=True,
    ),
    Case(
        "hs-task-status-unknown",
        "hubspot",
        HS_TASKS,
        'hs_task_status "ABANDONED"',
        hs(hs_task_status="ABANDONED"),
        column="hs_task_status",
        value="ABANDONED",
    ),
    Case(
        "hs-task-completion-feb-30",
        "hubspot",
        HS_TASKS,
        'hs_task_completion_date "2026-02-30T10:00:00Z"',
        hs(hs_task_completion_date="2026-02-30T10:00:00Z"),
        reason="hs_task_completion_date: '2026-02-30T10:00:00Z' is not a datetime",
    ),
)

CASES = SALESFORCE_CASES + HUBSPOT_CASES


# -- serving them --------------------------------------------------------------------------------------


def record_id(case: Case, base_id: str) -> str:
    """A fresh id for a case (never one the sandbox generated), unique across the catalogue: a
    Salesforce id with its base record's key prefix (00T, 003, 00Q, ...); a HubSpot record id above
    every generated one, and an associated record's id below every generated one (so it is the
    record's smallest associated id)."""
    n = CASES.index(case)
    if case.crm == "salesforce":
        return f"{base_id[:3]}BAD{n:012d}"
    if case.table.endswith("_associations"):
        return str(1_000_000_000 + n)
    return str(99_000_000_000 + n)


class Served:
    """What the tampers served: per case, the id of the base record it was built from and the id it
    carries (the same for a duplicate)."""

    def __init__(self) -> None:
        self.base_ids: dict[str, str] = {}
        self.record_ids: dict[str, str] = {}


def _append(cases: list[Case], records: list, served: Served, *, id_key: str, stamp: Callable[[Record], str]):
    real = [r for r in records if isinstance(r, dict)]
    last_stamp = stamp(real[-1])
    for n, case in enumerate(cases):
        base = json.loads(json.dumps(real[n % len(real)]))  # a deep copy
        base["_page_last_stamp"] = last_stamp
        rid = base[id_key] if case.base_id_kept else record_id(case, str(base[id_key]))
        built = case.build(base, rid)
        if isinstance(built, dict):
            built.pop("_page_last_stamp", None)
            _mark(built, case)
        served.base_ids[case.id] = base[id_key]
        served.record_ids[case.id] = rid
        records.append(built)


def _mark(record: Record, case: Case) -> None:
    if case.crm == "salesforce":
        record["Barometer_Case__c"] = marker(case.id)
    elif isinstance(record.get("properties"), dict):
        record["properties"]["barometer_case"] = marker(case.id)
    else:
        record["barometer_case"] = marker(case.id)


def salesforce_tamper(sobject: str, cases: list[Case], served: Served) -> PageTamper:
    """Appends the cases to the first REST page of `sobject` (queryAll)."""

    def edit(body: bytes) -> bytes | None:
        page = json.loads(body)
        records = page.get("records") or []
        if not records or records[0].get("attributes", {}).get("type") != sobject:
            return None
        _append(cases, records, served, id_key="Id", stamp=lambda r: r["SystemModstamp"])
        page["totalSize"] = page["totalSize"] + len(cases)
        return json.dumps(page, allow_nan=False).encode()

    return PageTamper("salesforce.query_all", edit, times=1)


def hubspot_tamper(
    object_property: str, cases: list[Case], served: Served, *, modified: str = "hs_lastmodifieddate"
) -> PageTamper:
    """Appends the cases to the first search page whose records have `object_property` (e.g.
    hs_call_title for calls); `modified`: the object's cursor property."""

    def edit(body: bytes) -> bytes | None:
        page = json.loads(body)
        records = page.get("results") or []
        if not records or object_property not in records[0].get("properties", {}):
            return None
        _append(cases, records, served, id_key="id", stamp=lambda r: r["properties"][modified])
        return json.dumps(page).encode()

    return PageTamper("hubspot.objects.search", edit, times=1)


def association_tamper(type_id: int, cases: list[Case], served: Served) -> PageTamper:
    """Appends the cases (associated records, `to` entries) to the first record of the first
    associations v4 batch answer holding an association of `type_id` (e.g. 198, e-mail to contact)."""

    def edit(body: bytes) -> bytes | None:
        page = json.loads(body)
        for result in page.get("results") or []:
            targets = result.get("to") or []
            if any(t["typeId"] == type_id for target in targets for t in target["associationTypes"]):
                real = list(targets)
                for n, case in enumerate(cases):
                    base = json.loads(json.dumps(real[n % len(real)]))
                    built = case.build(base, record_id(case, ""))
                    _mark(built, case)
                    served.base_ids[case.id] = str(result["from"]["id"])
                    served.record_ids[case.id] = str(built["toObjectId"])
                    targets.append(built)
                return json.dumps(page).encode()
        return None

    return PageTamper("hubspot.associations.batch_read", edit, times=1)


def amount_token_once(sobject: str, token: float) -> PageTamper:
    """The first REST page of `sobject` arrives with its first record's Amount written as a bare
    NaN / Infinity token: not JSON (RFC 8259), so the whole page is unreadable."""

    def edit(body: bytes) -> bytes | None:
        page = json.loads(body)
        records = page.get("records") or []
        if not records or records[0].get("attributes", {}).get("type") != sobject:
            return None
        records[0]["Amount"] = token
        return json.dumps(page, allow_nan=True).encode()

    return PageTamper("salesforce.query_all", edit, times=1)


def broken_once(endpoints: str, breaking: Callable[[bytes], bytes]) -> PageTamper:
    """The first answer of `endpoints` arrives broken (complete, status 200, not JSON)."""
    return PageTamper(endpoints, breaking, times=1)


def truncated(body: bytes) -> bytes:
    return body[: len(body) // 2]


def invalid_token(body: bytes) -> bytes:
    return body.replace(b"[", b"[undefined, ", 1)

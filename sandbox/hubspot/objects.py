"""The HubSpot CRM objects the emulator serves: properties, their types and storage types.

One definition drives the DuckDB store, the property filters of list/search, the wire formats
(every property value is a string on the wire) and the default property sets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# HubSpot property type -> DuckDB column type in the emulator's store.
STORAGE_TYPES = {
    "string": "VARCHAR",
    "enumeration": "VARCHAR",
    "number": "DOUBLE",
    "datetime": "TIMESTAMP",  # naive UTC, millisecond precision
    "date": "DATE",
    "bool": "BOOLEAN",
}


@dataclass(frozen=True)
class HProperty:
    name: str
    type: str
    label: str = ""
    field_type: str = "text"

    @property
    def storage_type(self) -> str:
        return STORAGE_TYPES[self.type]


@dataclass(frozen=True)
class HObject:
    """A CRM object type. Store table `hubspot."<name>"` has columns id, archived, archived_at, then
    one column per property (hs_object_id is derived from id and not stored)."""

    name: str  # path segment: calls, meetings, deals, companies, contacts
    properties: tuple[HProperty, ...]
    default_properties: tuple[str, ...]
    created_property: str  # its value is the object's createdAt
    modified_property: str  # its value is the object's updatedAt
    first_id: int  # ids are allocated upwards from here
    by_name: dict[str, HProperty] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {p.name: p for p in self.properties})

    def prop(self, name: str) -> HProperty | None:
        return self.by_name.get(name)

    @property
    def stored_properties(self) -> tuple[HProperty, ...]:
        return tuple(p for p in self.properties if p.name != "hs_object_id")


def _p(name: str, type_: str, label: str = "", field_type: str | None = None) -> HProperty:
    default_ft = {"datetime": "date", "date": "date", "number": "number", "bool": "booleancheckbox"}
    return HProperty(name, type_, label or name, field_type or default_ft.get(type_, "text"))


_OWNER = _p("hubspot_owner_id", "enumeration", "Activity assigned to", "select")
_OBJECT_ID = _p("hs_object_id", "number", "Record ID")


def _engagement(name: str, own: tuple[HProperty, ...], *, first_id: int) -> HObject:
    """An engagement (call, meeting, e-mail, task): its own properties, then the owner and the
    create/modify timestamps every engagement has."""
    return HObject(
        name,
        (
            *own,
            _OWNER,
            _p("hs_createdate", "datetime", "Create date"),
            _p("hs_lastmodifieddate", "datetime", "Last modified date"),
            _OBJECT_ID,
        ),
        default_properties=("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
        created_property="hs_createdate",
        modified_property="hs_lastmodifieddate",
        first_id=first_id,
    )


CALLS = _engagement(
    "calls",
    (
        _p("hs_timestamp", "datetime", "Activity date"),
        _p("hs_call_title", "string", "Call Title"),
        _p("hs_call_body", "string", "Call notes", "html"),
        _p("hs_call_direction", "enumeration", "Call direction", "select"),
        _p("hs_call_disposition", "enumeration", "Call outcome", "select"),
        _p("hs_call_duration", "number", "Call duration"),
        _p("hs_call_status", "enumeration", "Call status", "select"),
        _p("hs_call_from_number", "string", "From number"),
        _p("hs_call_to_number", "string", "To Number"),
    ),
    first_id=31_000_000_001,
)

MEETINGS = _engagement(
    "meetings",
    (
        _p("hs_timestamp", "datetime", "Activity date"),
        _p("hs_meeting_title", "string", "Meeting name"),
        _p("hs_meeting_body", "string", "Meeting description", "html"),
        _p("hs_meeting_location", "string", "Meeting location"),
        _p("hs_meeting_start_time", "datetime", "Meeting start time"),
        _p("hs_meeting_end_time", "datetime", "Meeting end time"),
        _p("hs_meeting_outcome", "enumeration", "Meeting outcome", "select"),
        _p("hs_activity_type", "enumeration", "Call and meeting type", "select"),
    ),
    first_id=52_000_000_001,
)

DEALS = HObject(
    "deals",
    (
        _p("dealname", "string", "Deal Name"),
        _p("amount", "number", "Amount"),
        _p("deal_currency_code", "enumeration", "Currency", "select"),
        _p("closedate", "datetime", "Close Date"),
        _p("createdate", "datetime", "Create Date"),
        _p("dealstage", "enumeration", "Deal Stage", "radio"),
        _p("pipeline", "enumeration", "Pipeline", "select"),
        _p("dealtype", "enumeration", "Deal Type", "radio"),
        _p("hs_analytics_source", "enumeration", "Original Source Type", "select"),
        _p("hs_is_closed", "bool", "Is Deal Closed?"),
        _p("hs_is_closed_won", "bool", "Is Closed Won"),
        _p("description", "string", "Deal Description", "textarea"),
        _p("hubspot_owner_id", "enumeration", "Deal owner", "select"),
        _p("hs_lastmodifieddate", "datetime", "Last Modified Date"),
        _OBJECT_ID,
    ),
    default_properties=(
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    created_property="createdate",
    modified_property="hs_lastmodifieddate",
    first_id=11_000_000_001,
)

COMPANIES = HObject(
    "companies",
    (
        _p("name", "string", "Company name"),
        _p("domain", "string", "Company Domain Name"),
        _p("industry", "enumeration", "Industry", "select"),
        _p("hubspot_owner_id", "enumeration", "Company owner", "select"),
        _p("createdate", "datetime", "Create Date"),
        _p("hs_lastmodifieddate", "datetime", "Last Modified Date"),
        _OBJECT_ID,
    ),
    default_properties=("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    created_property="createdate",
    modified_property="hs_lastmodifieddate",
    first_id=21_000_000_001,
)

CONTACTS = HObject(
    "contacts",
    (
        _p("firstname", "string", "First Name"),
        _p("lastname", "string", "Last Name"),
        _p("email", "string", "Email"),
        _p("jobtitle", "string", "Job Title"),
        _p("phone", "string", "Phone Number"),
        _p("lifecyclestage", "enumeration", "Lifecycle Stage", "radio"),
        _p("associatedcompanyid", "number", "Primary Associated Company ID"),
        _p("hubspot_owner_id", "enumeration", "Contact owner", "select"),
        _p("createdate", "datetime", "Create Date"),
        _p("lastmodifieddate", "datetime", "Last Modified Date"),
        _OBJECT_ID,
    ),
    default_properties=("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    created_property="createdate",
    modified_property="lastmodifieddate",
    first_id=41_000_000_001,
)

EMAILS = _engagement(
    "emails",
    (
        _p("hs_timestamp", "datetime", "Activity date"),
        _p("hs_email_subject", "string", "Email subject"),
        _p("hs_email_text", "string", "Email body", "textarea"),
        _p("hs_email_direction", "enumeration", "Email direction", "select"),
        _p("hs_email_status", "enumeration", "Email send status", "select"),
        _p("hs_email_from_email", "string", "From email"),
        _p("hs_email_to_email", "string", "To email"),
    ),
    first_id=61_000_000_001,
)

TASKS = _engagement(
    "tasks",
    (
        _p("hs_timestamp", "datetime", "Due date"),
        _p("hs_task_subject", "string", "Task Title"),
        _p("hs_task_body", "string", "Notes", "html"),
        _p("hs_task_status", "enumeration", "Task Status", "select"),
        _p("hs_task_completion_date", "datetime", "Completed at"),
        _p("hs_task_type", "enumeration", "Task Type", "select"),
        _p("hs_task_priority", "enumeration", "Priority", "select"),
    ),
    first_id=71_000_000_001,
)

HOBJECTS: dict[str, HObject] = {
    o.name: o for o in (CALLS, MEETINGS, DEALS, COMPANIES, CONTACTS, EMAILS, TASKS)
}

# HUBSPOT_DEFINED association type ids, (from, to) -> typeId, and v3 association type names.
ASSOCIATION_TYPES: dict[tuple[str, str], tuple[int, str]] = {
    ("deals", "companies"): (5, "deal_to_company"),
    ("companies", "deals"): (6, "company_to_deal"),
    ("deals", "contacts"): (3, "deal_to_contact"),
    ("contacts", "deals"): (4, "contact_to_deal"),
    ("contacts", "companies"): (1, "contact_to_company"),
    ("companies", "contacts"): (2, "company_to_contact"),
    ("calls", "contacts"): (194, "call_to_contact"),
    ("contacts", "calls"): (193, "contact_to_call"),
    ("calls", "companies"): (182, "call_to_company"),
    ("companies", "calls"): (181, "company_to_call"),
    ("calls", "deals"): (206, "call_to_deal"),
    ("deals", "calls"): (205, "deal_to_call"),
    ("meetings", "contacts"): (200, "meeting_event_to_contact"),
    ("contacts", "meetings"): (199, "contact_to_meeting_event"),
    ("meetings", "companies"): (188, "meeting_event_to_company"),
    ("companies", "meetings"): (187, "company_to_meeting_event"),
    ("meetings", "deals"): (212, "meeting_event_to_deal"),
    ("deals", "meetings"): (211, "deal_to_meeting_event"),
    ("emails", "contacts"): (198, "email_to_contact"),
    ("contacts", "emails"): (197, "contact_to_email"),
    ("emails", "companies"): (186, "email_to_company"),
    ("companies", "emails"): (185, "company_to_email"),
    ("emails", "deals"): (210, "email_to_deal"),
    ("deals", "emails"): (209, "deal_to_email"),
    ("tasks", "contacts"): (204, "task_to_contact"),
    ("contacts", "tasks"): (203, "contact_to_task"),
    ("tasks", "companies"): (192, "task_to_company"),
    ("companies", "tasks"): (191, "company_to_task"),
    ("tasks", "deals"): (216, "task_to_deal"),
    ("deals", "tasks"): (215, "deal_to_task"),
}

# The default call dispositions (GUID -> label), as every HubSpot portal has them.
CALL_DISPOSITIONS = {
    "9d9162e7-6cf3-4944-bf63-4dff82258764": "Busy",
    "f240bbac-87c9-4f6e-bf70-924b57d47db7": "Connected",
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": "Left live message",
    "b2cf5968-551e-4856-9783-52b3da59a7d0": "Left voicemail",
    "73a0d17f-1163-4015-bdd5-ec830791da20": "No answer",
    "17b47fee-58de-441e-a44c-c6300d46f273": "Wrong number",
}

# HubSpot's original-source types (a deal's hs_analytics_source).
DEAL_SOURCES = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
)
MEETING_OUTCOMES = ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED")
EMAIL_DIRECTIONS = ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL")
EMAIL_STATUSES = ("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT")
TASK_STATUSES = ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED")
TASK_TYPES = ("TODO", "CALL", "EMAIL")
TASK_PRIORITIES = ("NONE", "LOW", "MEDIUM", "HIGH")
LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)


def table_ddl(obj: HObject) -> str:
    """CREATE TABLE for the object's store table `hubspot."<name>"`."""
    cols = ["id BIGINT NOT NULL", "archived BOOLEAN NOT NULL", "archived_at TIMESTAMP"]
    cols += [f'"{p.name}" {p.storage_type}' for p in obj.stored_properties]
    return f'CREATE TABLE IF NOT EXISTS hubspot."{obj.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


# Tables beside the objects.
AUX_DDL = (
    """CREATE TABLE IF NOT EXISTS hubspot.owners (
  id BIGINT NOT NULL, email VARCHAR, "firstName" VARCHAR, "lastName" VARCHAR, "userId" BIGINT,
  type VARCHAR NOT NULL, "createdAt" TIMESTAMP NOT NULL, "updatedAt" TIMESTAMP NOT NULL,
  archived BOOLEAN NOT NULL, team_id BIGINT, team_name VARCHAR
)""",
    # One row per direction; both directions of a pair are stored.
    """CREATE TABLE IF NOT EXISTS hubspot.associations (
  from_type VARCHAR NOT NULL, from_id BIGINT NOT NULL, to_type VARCHAR NOT NULL, to_id BIGINT NOT NULL,
  type_id INTEGER NOT NULL, category VARCHAR NOT NULL, label VARCHAR
)""",
    # Property value history (dealstage, newest last by timestamp).
    """CREATE TABLE IF NOT EXISTS hubspot.property_history (
  object_type VARCHAR NOT NULL, object_id BIGINT NOT NULL, property VARCHAR NOT NULL, value VARCHAR,
  timestamp TIMESTAMP NOT NULL, source_type VARCHAR NOT NULL, source_id VARCHAR, updated_by_user_id BIGINT
)""",
    """CREATE TABLE IF NOT EXISTS hubspot.pipeline_stages (
  pipeline_id VARCHAR NOT NULL, pipeline_label VARCHAR NOT NULL, pipeline_display_order INTEGER NOT NULL,
  stage_id VARCHAR NOT NULL, label VARCHAR NOT NULL, display_order INTEGER NOT NULL,
  is_closed BOOLEAN NOT NULL, probability DOUBLE NOT NULL,
  "createdAt" TIMESTAMP NOT NULL, "updatedAt" TIMESTAMP NOT NULL
)""",
)

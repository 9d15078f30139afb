"""Constants of the HubSpot connector: API limits, page sizes, retry policy, and the CRM objects it reads
with the properties landed as typed columns (every other property is kept in `_raw`)."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.streams import ColumnType

SOURCE = "hubspot"
DEFAULT_BASE_URL = "https://api.hubapi.com"

# -- rate limits -------------------------------------------------------------------------------
# Private apps on Free/Starter portals: 100 requests per rolling 10 s (Professional/Enterprise: 190);
# HUBSPOT_REQUESTS_PER_10S overrides it. The client spends at most RATE_LIMIT_MARGIN of it, so other
# apps on the same portal and clock drift between client and HubSpot leave it under the limit.
DEFAULT_REQUESTS_PER_10S = 100
RATE_LIMIT_MARGIN = 0.9
TEN_SECONDS = 10.0
# The search endpoints allow 5 requests per second per portal; the client sends at most 4.
SEARCH_REQUESTS_PER_SECOND = 4
# Whether search requests also count against the 10-second budget. HubSpot documents search's own
# per-second limit; the sandbox emulator (like the public docs) keeps search out of the 10-s window.
SEARCH_COUNTS_AGAINST_TEN_SECOND_BUDGET = False

# -- page and batch sizes (HubSpot's maxima) ---------------------------------------------------
SEARCH_PAGE_SIZE = 200  # search results per request
SEARCH_MAX_RESULTS = 10_000  # a search query pages no further; the keyset paging never reaches it
LIST_PAGE_SIZE = 100  # GET /crm/v3/objects/{type} (the archived listing)
OWNERS_PAGE_SIZE = 500  # GET /crm/v3/owners/
BATCH_READ_SIZE = 100  # POST /crm/v3/objects/{type}/batch/read
HISTORY_BATCH_SIZE = 50  # the same with propertiesWithHistory
ASSOCIATIONS_BATCH_SIZE = 1_000  # POST /crm/v4/associations/{from}/{to}/batch/read (Feb 2025 limit)
# Records per yielded Page: one associations call per target type covers a whole page.
PAGE_ROWS = ASSOCIATIONS_BATCH_SIZE

# -- retries and timeouts ----------------------------------------------------------------------
MAX_ATTEMPTS = 8  # per request, the first included
BACKOFF_SECONDS = 0.5  # full-jitter exponential backoff: uniform(0, min(max, base * 2**retry))
BACKOFF_MAX_SECONDS = 30.0
RETRY_AFTER_MAX_SECONDS = 60.0  # a Retry-After header is honoured up to this
CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 120.0


# -- the CRM objects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TypedProperty:
    """A HubSpot property landed as its own typed column (named as the property)."""

    name: str
    type: ColumnType
    description: str
    personal: bool = False  # a prospect's name, e-mail or phone: never quoted in a reject reason


@dataclass(frozen=True)
class CrmObject:
    object_type: str  # the API's path segment: calls, meetings, deals
    singular: str  # call, meeting, deal: names the child tables' parent column (<singular>_id)
    description: str
    properties: tuple[TypedProperty, ...]
    associations: tuple[str, ...]  # object types whose associations land in <singular>_associations
    history_property: str | None = None  # a property whose value history lands in a child table
    modified_property: str = "hs_lastmodifieddate"  # the cursor: windows and search sort on it


OWNER_ID = TypedProperty(
    "hubspot_owner_id", "bigint", "The owner (hubspot.owners.id) the record is credited to."
)

CALLS = CrmObject(
    "calls",
    "call",
    "HubSpot calls (engagements), one row per call, archived ones included.",
    (
        TypedProperty("hs_timestamp", "timestamp", "When the call happened."),
        TypedProperty("hs_call_title", "string", "Call title."),
        TypedProperty("hs_call_direction", "string", "INBOUND or OUTBOUND."),
        TypedProperty(
            "hs_call_disposition", "string", "Call outcome: a disposition GUID (six defaults plus custom)."
        ),
        TypedProperty("hs_call_duration", "double", "Call duration in milliseconds."),
        TypedProperty("hs_call_status", "string", "COMPLETED, BUSY, NO_ANSWER, ..."),
        OWNER_ID,
        TypedProperty("hs_createdate", "timestamp", "When the call was logged."),
        TypedProperty("hs_lastmodifieddate", "timestamp", "Last modification (the cursor)."),
    ),
    associations=("companies", "contacts", "deals"),
)

MEETINGS = CrmObject(
    "meetings",
    "meeting",
    "HubSpot meetings (engagements), one row per meeting, archived ones included.",
    (
        TypedProperty("hs_timestamp", "timestamp", "Activity date (defaults to the start time)."),
        TypedProperty("hs_meeting_title", "string", "Meeting name."),
        TypedProperty("hs_meeting_start_time", "timestamp", "When the meeting starts."),
        TypedProperty("hs_meeting_end_time", "timestamp", "When the meeting ends."),
        TypedProperty(
            "hs_meeting_outcome", "string", "SCHEDULED, COMPLETED, RESCHEDULED, NO_SHOW, CANCELED or empty."
        ),
        TypedProperty("hs_activity_type", "string", "Call and meeting type (portal-defined)."),
        OWNER_ID,
        TypedProperty("hs_createdate", "timestamp", "When the meeting was created (booked)."),
        TypedProperty("hs_lastmodifieddate", "timestamp", "Last modification (the cursor)."),
    ),
    associations=("companies", "contacts", "deals"),
)

DEALS = CrmObject(
    "deals",
    "deal",
    "HubSpot deals, one row per deal, archived ones included.",
    (
        TypedProperty("dealname", "string", "Deal name."),
        TypedProperty("amount", "double", "Deal amount in deal_currency_code; NULL when empty."),
        TypedProperty("deal_currency_code", "string", "ISO currency code; NULL means the portal currency."),
        TypedProperty("closedate", "timestamp", "Close date (expected while open)."),
        TypedProperty("createdate", "timestamp", "When the deal was created."),
        TypedProperty("dealstage", "string", "Current stage id (see deal_pipelines)."),
        TypedProperty("pipeline", "string", "Pipeline id (see deal_pipelines)."),
        TypedProperty("dealtype", "string", "newbusiness, existingbusiness, ..."),
        TypedProperty(
            "hs_analytics_source",
            "string",
            "Original source (ORGANIC_SEARCH, REFERRALS, OFFLINE, ...); NULL where the portal has no such "
            "property.",
        ),
        TypedProperty("hs_is_closed", "boolean", "HubSpot's own closed flag."),
        TypedProperty("hs_is_closed_won", "boolean", "HubSpot's own closed-won flag."),
        OWNER_ID,
        TypedProperty("hs_lastmodifieddate", "timestamp", "Last modification (the cursor)."),
    ),
    associations=("companies", "contacts"),
    history_property="dealstage",
)

CONTACTS = CrmObject(
    "contacts",
    "contact",
    "HubSpot contacts: the people reps sell to, one row per contact, archived ones included.",
    (
        TypedProperty("jobtitle", "string", "Job title, as typed (its seniority is derived in core)."),
        TypedProperty("firstname", "string", "First name (personal data: kept in raw only).", personal=True),
        TypedProperty("lastname", "string", "Last name (personal data: kept in raw only).", personal=True),
        TypedProperty("email", "string", "E-mail address (personal data: kept in raw only).", personal=True),
        TypedProperty("phone", "string", "Phone number (personal data: kept in raw only).", personal=True),
        TypedProperty("lifecyclestage", "string", "lead, opportunity, customer, ..."),
        OWNER_ID,
        TypedProperty("createdate", "timestamp", "When the contact was created."),
        TypedProperty("lastmodifieddate", "timestamp", "Last modification (the cursor; contacts' own name)."),
    ),
    associations=("companies",),
    modified_property="lastmodifieddate",
)

EMAILS = CrmObject(
    "emails",
    "email",
    "HubSpot e-mails (engagements) logged or sent from the CRM, one row per e-mail, archived ones included.",
    (
        TypedProperty("hs_timestamp", "timestamp", "When the e-mail was sent or received."),
        TypedProperty("hs_email_subject", "string", "Subject line."),
        TypedProperty("hs_email_direction", "string", "EMAIL (sent), INCOMING_EMAIL or FORWARDED_EMAIL."),
        TypedProperty("hs_email_status", "string", "SENT, BOUNCED, FAILED, SCHEDULED, ..."),
        OWNER_ID,
        TypedProperty("hs_createdate", "timestamp", "When the e-mail was logged."),
        TypedProperty("hs_lastmodifieddate", "timestamp", "Last modification (the cursor)."),
    ),
    associations=("companies", "contacts", "deals"),
)

TASKS = CrmObject(
    "tasks",
    "task",
    "HubSpot tasks (to-dos), one row per task, archived ones included.",
    (
        TypedProperty("hs_timestamp", "timestamp", "Due date."),
        TypedProperty("hs_task_subject", "string", "Task title."),
        TypedProperty("hs_task_status", "string", "NOT_STARTED, IN_PROGRESS, WAITING, COMPLETED, DEFERRED."),
        TypedProperty("hs_task_completion_date", "timestamp", "When it was completed; empty while open."),
        TypedProperty("hs_task_type", "string", "TODO, CALL, EMAIL, ..."),
        TypedProperty("hs_task_priority", "string", "NONE, LOW, MEDIUM or HIGH."),
        OWNER_ID,
        TypedProperty("hs_createdate", "timestamp", "When the task was created."),
        TypedProperty("hs_lastmodifieddate", "timestamp", "Last modification (the cursor)."),
    ),
    associations=("companies", "contacts", "deals"),
)

CRM_OBJECTS = (CALLS, MEETINGS, DEALS, CONTACTS, EMAILS, TASKS)

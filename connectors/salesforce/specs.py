"""The Salesforce landing tables (`raw_salesforce.*`) and what each stream extracts.

Typed columns carry the API field names core reads (docs/metrics.md); every other field of the record
survives in `_raw`. A typed column whose field the org lacks (e.g. `CurrencyIsoCode` in a
single-currency org) is NULL. Cursor: `SystemModstamp`; primary key: `Id`.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.salesforce.settings import SOURCE
from connectors.streams import Column, StreamSpec


def _id(what: str) -> Column:
    return Column("Id", "string", f"Salesforce {what} id (18 characters).", nullable=False)


def _ref(name: str, description: str) -> Column:
    return Column(name, "string", description)


_OWNER = _ref("OwnerId", "User who owns the record (the rep it is credited to).")
_CREATED = Column("CreatedDate", "timestamp", "When the record was created (UTC).")
_MODSTAMP = Column(
    "SystemModstamp", "timestamp", "When a user or Salesforce last changed the record (UTC); the cursor."
)
_DELETED = Column("IsDeleted", "boolean", "In the recycle bin (deleted); read through queryAll.")
_ARCHIVED = Column("IsArchived", "boolean", "Archived by Salesforce (old activities); read through queryAll.")
_WHO = _ref("WhoId", "Contact or lead the activity is with.")
_WHAT = _ref("WhatId", "Record the activity relates to: an account, or an opportunity (prefix 006).")
_ACCOUNT = _ref("AccountId", "Account of the activity (from WhatId/WhoId).")
_CURRENCY = Column(
    "CurrencyIsoCode", "string", "ISO currency of the amounts; NULL in a single-currency org (no such field)."
)

USER = StreamSpec(
    source=SOURCE,
    name="user",
    description="Salesforce users: the reps records are credited to (active and inactive).",
    columns=(
        _id("User"),
        Column("Username", "string", "Login name."),
        Column("Name", "string", "Full name."),
        Column("FirstName", "string", "First name."),
        Column("LastName", "string", "Last name."),
        Column("Email", "string", "E-mail address; lower-cased it identifies the rep across CRMs."),
        Column("IsActive", "boolean", "Can log in; false for people who left."),
        _CREATED,
        _MODSTAMP,
    ),
    primary_key=("Id",),
)

TASK = StreamSpec(
    source=SOURCE,
    name="task",
    description=(
        "Salesforce Tasks of every subtype: calls (TaskSubtype 'Call'), e-mails ('Email', 'ListEmail') and "
        "to-dos ('Task' or empty); deleted and archived ones included."
    ),
    columns=(
        _id("Task"),
        _OWNER,
        _WHO,
        _WHAT,
        _ACCOUNT,
        Column("Subject", "string", "Subject line, verbatim."),
        Column("TaskSubtype", "string", "Call, Email, ListEmail or Task (empty on some old records)."),
        Column("Type", "string", "Task type picklist."),
        Column("Status", "string", "Task status picklist."),
        Column("IsClosed", "boolean", "The task's status is a closed one (done)."),
        Column("CallType", "string", "Inbound, Internal or Outbound."),
        Column("CallDisposition", "string", "Call result, free text as the rep entered it."),
        Column("CallDurationInSeconds", "integer", "Call duration in seconds."),
        Column("ActivityDate", "date", "Due date."),
        Column("CompletedDateTime", "timestamp", "When the call was logged as completed (UTC)."),
        _CREATED,
        _MODSTAMP,
        _DELETED,
        _ARCHIVED,
    ),
    primary_key=("Id",),
)

EVENT = StreamSpec(
    source=SOURCE,
    name="event",
    description="Salesforce meetings: Events, deleted and archived ones included.",
    columns=(
        _id("Event"),
        _OWNER,
        _WHO,
        _WHAT,
        _ACCOUNT,
        Column("Subject", "string", "Subject line, verbatim."),
        Column("Type", "string", "Event type picklist."),
        Column("EventSubtype", "string", "Event subtype."),
        Column("StartDateTime", "timestamp", "When the meeting starts (UTC)."),
        Column("EndDateTime", "timestamp", "When the meeting ends (UTC)."),
        Column("DurationInMinutes", "integer", "Planned duration in minutes."),
        Column("IsAllDayEvent", "boolean", "An all-day event."),
        _CREATED,
        _MODSTAMP,
        _DELETED,
        _ARCHIVED,
    ),
    primary_key=("Id",),
)

_TITLE = Column("Title", "string", "Job title, as typed (its seniority is derived in core).")
_PERSON = (
    Column("FirstName", "string", "First name (personal data: kept in raw only).", personal=True),
    Column("LastName", "string", "Last name (personal data: kept in raw only).", personal=True),
    Column("Email", "string", "E-mail address (personal data: kept in raw only).", personal=True),
    Column("Phone", "string", "Phone number (personal data: kept in raw only).", personal=True),
)

CONTACT = StreamSpec(
    source=SOURCE,
    name="contact",
    description="Salesforce contacts: the people reps sell to, deleted ones included.",
    columns=(
        _id("Contact"),
        _ref("AccountId", "Account (company) the contact works for; NULL for a private person."),
        _TITLE,
        *_PERSON,
        _OWNER,
        _CREATED,
        _MODSTAMP,
        _DELETED,
    ),
    primary_key=("Id",),
)

LEAD = StreamSpec(
    source=SOURCE,
    name="lead",
    description="Salesforce leads: prospects not yet converted to an account and contact, and converted "
    "ones (with what they became), deleted ones included.",
    columns=(
        _id("Lead"),
        _TITLE,
        *_PERSON,
        Column("Company", "string", "Company name as the lead gave it."),
        Column("Status", "string", "Lead status picklist."),
        Column("IsConverted", "boolean", "Converted to an account, a contact and maybe an opportunity."),
        _ref("ConvertedAccountId", "Account the lead became, once converted."),
        _ref("ConvertedContactId", "Contact the lead became, once converted."),
        _ref("ConvertedOpportunityId", "Opportunity created on conversion, if any."),
        Column("ConvertedDate", "date", "When the lead was converted."),
        _OWNER,
        _CREATED,
        _MODSTAMP,
        _DELETED,
    ),
    primary_key=("Id",),
)

OPPORTUNITY = StreamSpec(
    source=SOURCE,
    name="opportunity",
    description="Salesforce deals: Opportunities, deleted ones included.",
    columns=(
        _id("Opportunity"),
        Column("Name", "string", "Deal name, verbatim."),
        _OWNER,
        _ref("AccountId", "Account (prospect) of the deal."),
        _ref("ContactId", "Contact of the deal, used when it has no account."),
        Column("StageName", "string", "Current stage (OpportunityStage.ApiName)."),
        Column("Amount", "double", "Deal amount in CurrencyIsoCode."),
        _CURRENCY,
        Column("Probability", "double", "Win probability in percent."),
        Column("CloseDate", "date", "Expected or actual close date."),
        Column("IsClosed", "boolean", "In a closed stage."),
        Column("IsWon", "boolean", "In a won stage."),
        Column("ForecastCategoryName", "string", "Forecast category."),
        Column("LeadSource", "string", "Where the deal came from (picklist: Web, Partner Referral, ...)."),
        _CREATED,
        _MODSTAMP,
        _DELETED,
    ),
    primary_key=("Id",),
)

OPPORTUNITY_HISTORY = StreamSpec(
    source=SOURCE,
    name="opportunity_history",
    description="Salesforce deal history: a row each time a deal's stage, amount, probability or close "
    "date changed (insert-only), deleted ones included.",
    columns=(
        _id("OpportunityHistory"),
        _ref("OpportunityId", "The deal."),
        Column("StageName", "string", "Stage the deal was in after the change."),
        Column("Amount", "double", "Amount after the change."),
        _CURRENCY,
        Column("Probability", "double", "Probability in percent after the change."),
        Column("CloseDate", "date", "Close date after the change."),
        _CREATED,
        _MODSTAMP,
        _DELETED,
    ),
    primary_key=("Id",),
)

OPPORTUNITY_STAGE = StreamSpec(
    source=SOURCE,
    name="opportunity_stage",
    description="Salesforce opportunity stages: the stage picklist with closed/won flags and order.",
    columns=(
        _id("OpportunityStage"),
        Column("MasterLabel", "string", "Stage label."),
        Column("ApiName", "string", "Stage value as Opportunity.StageName holds it."),
        Column("IsActive", "boolean", "Offered in the picklist."),
        Column("IsClosed", "boolean", "A closed stage."),
        Column("IsWon", "boolean", "A won stage."),
        Column("DefaultProbability", "double", "Default probability in percent."),
        Column("SortOrder", "integer", "Position in the picklist."),
        Column("ForecastCategoryName", "string", "Forecast category."),
        _CREATED,
        _MODSTAMP,
    ),
    primary_key=("Id",),
)


@dataclass(frozen=True)
class Extraction:
    """What one stream reads: an object, an optional fixed filter, and whether rows carry IsDeleted
    (read with queryAll, which also returns deleted and archived rows)."""

    sobject: str
    spec: StreamSpec
    where: str | None = None  # SOQL condition ANDed to the window
    has_is_deleted: bool = True

    @property
    def stream_name(self) -> str:
        return f"{SOURCE}.{self.spec.name}"


EXTRACTIONS: tuple[Extraction, ...] = (
    Extraction("User", USER, has_is_deleted=False),
    Extraction("Task", TASK),
    Extraction("Event", EVENT),
    Extraction("Contact", CONTACT),
    Extraction("Lead", LEAD),
    Extraction("Opportunity", OPPORTUNITY),
    Extraction("OpportunityHistory", OPPORTUNITY_HISTORY),
    Extraction("OpportunityStage", OPPORTUNITY_STAGE, has_is_deleted=False),
)

SPECS: tuple[StreamSpec, ...] = tuple(e.spec for e in EXTRACTIONS)

# Each stream (its cursor's name) and the table its pages fill, as connectors.hubspot.specs declares its own.
CATALOG: dict[str, tuple[StreamSpec, ...]] = {e.stream_name: (e.spec,) for e in EXTRACTIONS}

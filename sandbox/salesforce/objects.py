"""The Salesforce objects the emulator serves: fields, their Salesforce types and storage types.

One definition drives the DuckDB store (column types), SOQL validation (INVALID_FIELD), the
`describe` endpoint and the wire formats, so the three can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Salesforce field type -> DuckDB column type in the emulator's store.
STORAGE_TYPES = {
    "id": "VARCHAR",
    "reference": "VARCHAR",
    "string": "VARCHAR",
    "textarea": "VARCHAR",
    "email": "VARCHAR",
    "phone": "VARCHAR",
    "picklist": "VARCHAR",
    "boolean": "BOOLEAN",
    "datetime": "TIMESTAMP",  # naive UTC, millisecond precision
    "date": "DATE",
    "int": "INTEGER",
    "double": "DOUBLE",
    "currency": "DOUBLE",
    "percent": "DOUBLE",
}

# Three-character key prefixes (standard objects).
KEY_PREFIXES = {
    "User": "005",
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Task": "00T",
    "Event": "00U",
    "Opportunity": "006",
    "OpportunityHistory": "008",
    "OpportunityStage": "01J",
}


@dataclass(frozen=True)
class SField:
    name: str
    type: str
    label: str = ""
    nillable: bool = True
    length: int = 0
    reference_to: tuple[str, ...] = ()
    picklist: tuple[str, ...] = ()
    filterable: bool = True
    sortable: bool = True

    @property
    def storage_type(self) -> str:
        return STORAGE_TYPES[self.type]


@dataclass(frozen=True)
class SObject:
    name: str
    label: str
    fields: tuple[SField, ...]
    # query() hides rows where any of these is true; queryAll() shows them.
    hidden_flags: tuple[str, ...] = ()
    by_lower_name: dict[str, SField] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_lower_name", {f.name.lower(): f for f in self.fields})

    def field(self, name: str) -> SField | None:
        """Field by name, case-insensitively as SOQL resolves names; None when the object has none."""
        return self.by_lower_name.get(name.lower())

    @property
    def key_prefix(self) -> str:
        return KEY_PREFIXES[self.name]


def _f(name: str, type_: str, label: str = "", **kw) -> SField:
    length = kw.pop("length", 255 if STORAGE_TYPES[type_] == "VARCHAR" else 0)
    if type_ in ("id", "reference"):
        length = 18
    return SField(name=name, type=type_, label=label or name, length=length, **kw)


def _audit_fields(with_last_modified: bool = True) -> tuple[SField, ...]:
    fields = [
        _f("CreatedDate", "datetime", "Created Date", nillable=False),
        _f("CreatedById", "reference", "Created By ID", nillable=False, reference_to=("User",)),
    ]
    if with_last_modified:
        fields += [
            _f("LastModifiedDate", "datetime", "Last Modified Date", nillable=False),
            _f(
                "LastModifiedById", "reference", "Last Modified By ID", nillable=False, reference_to=("User",)
            ),
        ]
    fields.append(_f("SystemModstamp", "datetime", "System Modstamp", nillable=False))
    return tuple(fields)


_ID = _f("Id", "id", "Record ID", nillable=False)
_IS_DELETED = _f("IsDeleted", "boolean", "Deleted", nillable=False)
_OWNER = _f("OwnerId", "reference", "Owner ID", nillable=False, reference_to=("User",))

TASK_SUBTYPES = ("Task", "Email", "ListEmail", "Cadence", "Call")
CURRENCIES = ("USD", "EUR")

USER = SObject(
    "User",
    "User",
    (
        _ID,
        _f("Username", "string", "Username", nillable=False, length=80),
        _f("Name", "string", "Full Name", nillable=False, length=121),
        _f("FirstName", "string", "First Name", length=40),
        _f("LastName", "string", "Last Name", nillable=False, length=80),
        _f("Email", "email", "Email", nillable=False, length=128),
        _f("IsActive", "boolean", "Active", nillable=False),
        _f("Department", "string", "Department", length=80),
        _f("Title", "string", "Title", length=80),
        _f("TimeZoneSidKey", "picklist", "Time Zone", nillable=False),
        *_audit_fields(),
    ),
)

ACCOUNT = SObject(
    "Account",
    "Account",
    (
        _ID,
        _IS_DELETED,
        _f("Name", "string", "Account Name", nillable=False),
        _f("Type", "picklist", "Account Type"),
        _f("Industry", "picklist", "Industry"),
        _f("Website", "string", "Website"),
        _OWNER,
        *_audit_fields(),
    ),
    hidden_flags=("IsDeleted",),
)

# The person a Contact or a Lead is.
_PERSON_FIELDS = (
    _f("FirstName", "string", "First Name", length=40),
    _f("LastName", "string", "Last Name", nillable=False, length=80),
    _f("Name", "string", "Full Name", nillable=False, length=121),
    _f("Email", "email", "Email", length=80),
    _f("Phone", "phone", "Phone", length=40),
    _f("Title", "string", "Title", length=128),
)

CONTACT = SObject(
    "Contact",
    "Contact",
    (
        _ID,
        _IS_DELETED,
        _f("AccountId", "reference", "Account ID", reference_to=("Account",)),
        *_PERSON_FIELDS,
        _OWNER,
        *_audit_fields(),
    ),
    hidden_flags=("IsDeleted",),
)

LEAD_STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
)

LEAD = SObject(
    "Lead",
    "Lead",
    (
        _ID,
        _IS_DELETED,
        *_PERSON_FIELDS,
        _f("Company", "string", "Company", nillable=False),
        _f("Status", "picklist", "Status", nillable=False, picklist=LEAD_STATUSES),
        _f("LeadSource", "picklist", "Lead Source"),
        _f("IsConverted", "boolean", "Converted", nillable=False),
        _f("ConvertedAccountId", "reference", "Converted Account ID", reference_to=("Account",)),
        _f("ConvertedContactId", "reference", "Converted Contact ID", reference_to=("Contact",)),
        _f("ConvertedOpportunityId", "reference", "Converted Opportunity ID", reference_to=("Opportunity",)),
        _f("ConvertedDate", "date", "Converted Date"),
        _OWNER,
        *_audit_fields(),
    ),
    hidden_flags=("IsDeleted",),
)

_ACTIVITY_COMMON = (
    _ID,
    _IS_DELETED,
    _f("IsArchived", "boolean", "Archived", nillable=False),
    _f("WhoId", "reference", "Name ID", reference_to=("Contact", "Lead")),
    _f("WhatId", "reference", "Related To ID", reference_to=("Account", "Opportunity")),
    _f("AccountId", "reference", "Account ID", reference_to=("Account",)),
    _f("Subject", "string", "Subject"),
    _f("ActivityDate", "date", "Due Date Only"),
    _f("Description", "textarea", "Description", length=32000, filterable=False, sortable=False),
    _OWNER,
    _f("Type", "picklist", "Type"),
)

TASK = SObject(
    "Task",
    "Task",
    (
        *_ACTIVITY_COMMON,
        _f("Status", "picklist", "Status", nillable=False),
        _f("Priority", "picklist", "Priority", nillable=False),
        _f("IsHighPriority", "boolean", "High Priority", nillable=False),
        _f("IsClosed", "boolean", "Closed", nillable=False),
        _f("CallDurationInSeconds", "int", "Call Duration"),
        _f("CallType", "picklist", "Call Type", picklist=("Inbound", "Internal", "Outbound")),
        _f("CallDisposition", "string", "Call Result"),
        _f("CallObject", "string", "Call Object Identifier"),
        _f("TaskSubtype", "picklist", "Task Subtype", picklist=TASK_SUBTYPES),
        _f("CompletedDateTime", "datetime", "Completed Date/Time"),
        *_audit_fields(),
    ),
    hidden_flags=("IsDeleted", "IsArchived"),
)

EVENT = SObject(
    "Event",
    "Event",
    (
        *_ACTIVITY_COMMON,
        _f("Location", "string", "Location"),
        _f("IsAllDayEvent", "boolean", "All-Day Event", nillable=False),
        _f("ActivityDateTime", "datetime", "Due Date Time"),
        _f("DurationInMinutes", "int", "Duration"),
        _f("StartDateTime", "datetime", "Start Date Time"),
        _f("EndDateTime", "datetime", "End Date Time"),
        _f("EventSubtype", "picklist", "Event Subtype", picklist=("Event",)),
        _f("ShowAs", "picklist", "Show Time As", picklist=("Busy", "OutOfOffice", "Free")),
        *_audit_fields(),
    ),
    hidden_flags=("IsDeleted", "IsArchived"),
)

OPPORTUNITY = SObject(
    "Opportunity",
    "Opportunity",
    (
        _ID,
        _IS_DELETED,
        _f("AccountId", "reference", "Account ID", reference_to=("Account",)),
        _f("ContactId", "reference", "Contact ID", reference_to=("Contact",)),
        _f("Name", "string", "Name", nillable=False, length=120),
        _f("Description", "textarea", "Description", length=32000, filterable=False, sortable=False),
        _f("StageName", "picklist", "Stage", nillable=False),
        _f("Amount", "currency", "Amount"),
        _f("Probability", "percent", "Probability (%)"),
        _f("CloseDate", "date", "Close Date", nillable=False),
        _f("Type", "picklist", "Opportunity Type"),
        _f("LeadSource", "picklist", "Lead Source"),
        _f("IsClosed", "boolean", "Closed", nillable=False),
        _f("IsWon", "boolean", "Won", nillable=False),
        _f("ForecastCategory", "picklist", "Forecast Category", nillable=False),
        _f("ForecastCategoryName", "picklist", "Forecast Category"),
        _f("CurrencyIsoCode", "picklist", "Opportunity Currency", nillable=False, picklist=CURRENCIES),
        _OWNER,
        *_audit_fields(),
    ),
    hidden_flags=("IsDeleted",),
)

OPPORTUNITY_HISTORY = SObject(
    "OpportunityHistory",
    "Opportunity History",
    (
        _ID,
        _f("OpportunityId", "reference", "Opportunity ID", nillable=False, reference_to=("Opportunity",)),
        _f("StageName", "picklist", "Stage Name", nillable=False),
        _f("Amount", "currency", "Amount"),
        _f("ExpectedRevenue", "currency", "Expected Revenue"),
        _f("CloseDate", "date", "Close Date"),
        _f("Probability", "percent", "Probability (%)"),
        _f("ForecastCategory", "picklist", "Forecast Category"),
        _f("CurrencyIsoCode", "picklist", "Currency ISO Code", nillable=False, picklist=CURRENCIES),
        _IS_DELETED,
        *_audit_fields(with_last_modified=False),
    ),
    hidden_flags=("IsDeleted",),
)

OPPORTUNITY_STAGE = SObject(
    "OpportunityStage",
    "Opportunity Stage",
    (
        _ID,
        _f("MasterLabel", "string", "Master Label", nillable=False),
        _f("ApiName", "string", "Api Name", nillable=False),
        _f("IsActive", "boolean", "Is Active", nillable=False),
        _f("SortOrder", "int", "Sort Order"),
        _f("IsClosed", "boolean", "Closed", nillable=False),
        _f("IsWon", "boolean", "Won", nillable=False),
        _f("ForecastCategory", "picklist", "Forecast Type", nillable=False),
        _f("ForecastCategoryName", "picklist", "Forecast Category", nillable=False),
        _f("DefaultProbability", "percent", "Probability (%)"),
        _f("Description", "string", "Description"),
        *_audit_fields(),
    ),
)

SOBJECTS: dict[str, SObject] = {
    o.name: o
    for o in (USER, ACCOUNT, CONTACT, LEAD, TASK, EVENT, OPPORTUNITY, OPPORTUNITY_HISTORY, OPPORTUNITY_STAGE)
}
_BY_LOWER = {name.lower(): o for name, o in SOBJECTS.items()}


def sobject(name: str) -> SObject | None:
    """Object by name, case-insensitively (as SOQL's FROM resolves it); None when the org has none."""
    return _BY_LOWER.get(name.lower())


def table_ddl(obj: SObject) -> str:
    """CREATE TABLE for the object's store table `salesforce."<Name>"`."""
    cols = ",\n  ".join(f'"{f.name}" {f.storage_type}' for f in obj.fields)
    return f'CREATE TABLE IF NOT EXISTS salesforce."{obj.name}" (\n  {cols}\n)'

"""Custom fields of a wide org: `OrgConfig.custom_fields` of them on each of Task, Event, Contact and
Opportunity, as admins add them over the years (`Renewal_Risk_Score_0007__c`, ...).

The definitions depend only on the object and the count, so the store, the catalog (describe, SOQL)
and the mutation API agree without sharing state; the values depend on the seed
(sandbox.org.custom_values). Types cycle through text, number, checkbox, date and picklist.
"""

from __future__ import annotations

from sandbox.salesforce.objects import SField, SObject

WIDE_OBJECTS = ("Task", "Event", "Contact", "Opportunity")
MAX_CUSTOM_FIELDS = 800  # Salesforce's cap per object in Unlimited and Performance Editions (Enterprise: 500)

# (Salesforce type, name stems, picklist values) per kind; names are long, as real ones are.
_TEXT = (
    "Competitor_Notes",
    "Implementation_Partner",
    "Legacy_System_Name",
    "Referral_Source_Detail",
    "Procurement_Contact_Role",
    "Integration_Requirements",
)
_NUMBER = (
    "Renewal_Risk_Score",
    "Expected_Seat_Count",
    "Discount_Percentage",
    "Customer_Health_Index",
    "Annual_Revenue_Estimate",
)
_CHECKBOX = (
    "Budget_Confirmed",
    "Security_Review_Passed",
    "Executive_Sponsor_Engaged",
    "Legal_Approval_Received",
    "Marketing_Qualified",
)
_DATE = (
    "Contract_Review_Date",
    "Next_Business_Review",
    "Pilot_Start_Date",
    "Procurement_Deadline",
    "Renewal_Notice_Date",
)
_PICKLIST = (
    ("Support_Tier", ("Basic", "Standard", "Premier", "Signature")),
    ("Region_Override", ("EMEA", "NA", "LATAM", "APAC")),
    ("Onboarding_Status", ("Not Started", "In Progress", "Live", "Stalled")),
    ("Industry_Segment", ("SMB", "Mid-Market", "Enterprise", "Public Sector")),
    ("Preferred_Channel", ("Email", "Phone", "Video", "In Person")),
)
KINDS = ("string", "double", "boolean", "date", "picklist")


def custom_fields(sobject: str, count: int) -> tuple[SField, ...]:
    """The `count` custom fields of `sobject` (none for objects outside WIDE_OBJECTS)."""
    if not 0 <= count <= MAX_CUSTOM_FIELDS:
        raise ValueError(f"custom fields per object must be within 0..{MAX_CUSTOM_FIELDS}, got {count}")
    if sobject not in WIDE_OBJECTS:
        return ()
    shift = WIDE_OBJECTS.index(sobject)  # each object names its fields a little differently
    fields = []
    for i in range(count):
        kind, turn = KINDS[i % len(KINDS)], i // len(KINDS) + shift
        suffix = f"_{i + 1:04d}__c"
        if kind == "string":
            stem = _TEXT[turn % len(_TEXT)]
            fields.append(SField(stem + suffix, kind, stem.replace("_", " "), length=255))
        elif kind == "double":
            stem = _NUMBER[turn % len(_NUMBER)]
            fields.append(SField(stem + suffix, kind, stem.replace("_", " ")))
        elif kind == "boolean":  # a checkbox is never null
            stem = _CHECKBOX[turn % len(_CHECKBOX)]
            fields.append(SField(stem + suffix, kind, stem.replace("_", " "), nillable=False))
        elif kind == "date":
            stem = _DATE[turn % len(_DATE)]
            fields.append(SField(stem + suffix, kind, stem.replace("_", " ")))
        else:
            stem, values = _PICKLIST[turn % len(_PICKLIST)]
            fields.append(SField(stem + suffix, kind, stem.replace("_", " "), length=255, picklist=values))
    return tuple(fields)


def with_custom_fields(obj: SObject, count: int) -> SObject:
    """`obj` with its custom fields appended (itself when it gets none)."""
    extra = custom_fields(obj.name, count)
    return SObject(obj.name, obj.label, (*obj.fields, *extra), obj.hidden_flags) if extra else obj

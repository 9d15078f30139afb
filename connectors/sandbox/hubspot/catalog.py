"""Object-type names as HubSpot accepts them in paths and parameters, and association type names."""

from __future__ import annotations

from connectors.sandbox.hubspot.errors import ApiError
from connectors.sandbox.hubspot.objects import ASSOCIATION_TYPES, HOBJECTS, HObject

# name in messages (e.g. "No company is associated with deal 7.") and HubSpot's object type ids
SINGULAR = {
    "calls": "call",
    "meetings": "meeting",
    "deals": "deal",
    "companies": "company",
    "contacts": "contact",
}
OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3", "meetings": "0-47", "calls": "0-48"}

_ALIASES: dict[str, str] = {}
for _name in HOBJECTS:
    _ALIASES[_name] = _name
    _ALIASES[SINGULAR[_name]] = _name
    _ALIASES[OBJECT_TYPE_IDS[_name]] = _name
_ALIASES["meeting_event"] = _ALIASES["meeting_events"] = "meetings"


def canonical_type(name: str) -> str | None:
    """The store's object name for a path/parameter spelling ("deal", "Deals", "0-3"), else None."""
    return _ALIASES.get(name.strip().lower())


def resolve_object(name: str) -> HObject:
    """The object for a path segment; HubSpot answers 400 without a category for unknown types."""
    canonical = canonical_type(name)
    if canonical is None:
        raise ApiError(400, f"Unable to infer object type from: {name}")
    return HOBJECTS[canonical]


def v3_association_type(from_type: str, to_type: str, type_id: int, category: str) -> str:
    """The `type` of an association in v3 responses: the default HUBSPOT_DEFINED type keeps its name
    (`deal_to_company`), other HUBSPOT_DEFINED types of the pair get `_unlabeled`
    (`deal_to_company_unlabeled`, as HubSpot returns for the primary company's second entry), and
    USER_DEFINED labels show their type id."""
    default = ASSOCIATION_TYPES.get((from_type, to_type))
    name = default[1] if default else f"{SINGULAR[from_type]}_to_{SINGULAR[to_type]}"
    if category != "HUBSPOT_DEFINED":
        return str(type_id)
    if default is None or type_id == default[0]:
        return name
    return f"{name}_unlabeled"

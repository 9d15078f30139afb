"""Object-type names as HubSpot accepts them in paths and parameters, association type names, and the
portal's objects as the API shows them right now (`PortalCatalog`: properties added or removed since
the sandbox started, which is how tests make schema drift real between two syncs)."""

from __future__ import annotations

import dataclasses
import re
import threading

from sandbox.hubspot.errors import ApiError
from sandbox.hubspot.objects import (
    ASSOCIATION_TYPES,
    HOBJECTS,
    STORAGE_TYPES,
    HObject,
    HProperty,
    _p,
)
from sandbox.store import Store

# name in messages (e.g. "No company is associated with deal 7.") and HubSpot's object type ids
SINGULAR = {
    "calls": "call",
    "meetings": "meeting",
    "deals": "deal",
    "companies": "company",
    "contacts": "contact",
    "emails": "email",
    "tasks": "task",
}
OBJECT_TYPE_IDS = {
    "contacts": "0-1",
    "companies": "0-2",
    "deals": "0-3",
    "tasks": "0-27",
    "meetings": "0-47",
    "calls": "0-48",
    "emails": "0-49",
}

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


_PROPERTY_NAME = re.compile(r"[a-z][a-z0-9_]{0,99}")


class PortalCatalog:
    """The objects the emulator serves: `objects.py`'s definitions plus the properties an admin added,
    minus those removed. The properties endpoints list exactly these; reads return an added property
    (values set in the store, column `hubspot."<type>"."<property>"`) and ignore a removed one, as
    HubSpot ignores unknown property names. A removed property's values stay in the store unseen."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._objects: dict[str, HObject] = dict(HOBJECTS)

    def resolve(self, name: str) -> HObject:
        """The object for a path segment; HubSpot answers 400 without a category for unknown types."""
        canonical = canonical_type(name)
        if canonical is None:
            raise ApiError(400, f"Unable to infer object type from: {name}")
        return self._objects[canonical]

    def add_property(self, object_type: str, name: str, type_: str, label: str = "") -> None:
        """A new (custom) property, empty on every record until the store gives it values."""
        obj = self._require(object_type)
        if not _PROPERTY_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a property name (lower-case letters, digits and _)")
        if type_ not in STORAGE_TYPES:
            raise ValueError(f"property type {type_!r} unknown; one of {sorted(STORAGE_TYPES)}")
        if obj.prop(name) is not None:
            raise ValueError(f"{obj.name} already has a property {name}")
        prop = _p(name, type_, label)
        with self._store.write() as cur:
            table = f'hubspot."{obj.name}"'
            cur.execute(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{name}" {prop.storage_type}')
        self._replace(obj, (*obj.properties, prop))

    def remove_property(self, object_type: str, name: str) -> None:
        obj = self._require(object_type)
        if obj.prop(name) is None:
            raise ValueError(f"{obj.name} has no property {name}")
        if name in ("hs_object_id", obj.created_property, obj.modified_property):
            raise ValueError(f"{obj.name}.{name} cannot be removed: every record has it")
        self._replace(obj, tuple(p for p in obj.properties if p.name != name))

    def _require(self, object_type: str) -> HObject:
        canonical = canonical_type(object_type)
        if canonical is None:
            raise ValueError(f"the portal has no object type {object_type!r}; known: {sorted(HOBJECTS)}")
        return self._objects[canonical]

    def _replace(self, obj: HObject, properties: tuple[HProperty, ...]) -> None:
        with self._lock:
            names = {p.name for p in properties}
            defaults = tuple(n for n in obj.default_properties if n in names)
            self._objects[obj.name] = dataclasses.replace(
                obj, properties=properties, default_properties=defaults
            )

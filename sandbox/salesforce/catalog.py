"""The org's objects as its API shows them right now: the store's definitions (`objects.py`, plus a wide
org's custom fields), plus the fields an admin added and minus those removed since the sandbox started.

This is how tests make schema drift real between two syncs: `describe` lists exactly these fields,
SOQL naming a removed one fails with INVALID_FIELD, and an added one is selectable (its values are
set in the store, column `salesforce."<Object>"."<Field>"`). A removed field's stored values stay in
the store, out of the API's sight, as Salesforce keeps a deleted field's data for a while.
"""

from __future__ import annotations

import dataclasses
import re
import threading

from sandbox.salesforce.objects import SOBJECTS, STORAGE_TYPES, SField, SObject, _f
from sandbox.store import Store

_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")


class OrgCatalog:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._objects: dict[str, SObject] = {
            name.lower(): obj for name, obj in store.salesforce_objects.items()
        }

    def get(self, name: str) -> SObject | None:
        """Object by name, case-insensitively (as SOQL's FROM resolves it); None when the org has none."""
        return self._objects.get(name.lower())

    def objects(self) -> tuple[SObject, ...]:
        return tuple(self._objects.values())

    def add_field(self, sobject: str, name: str, type_: str, label: str = "") -> SField:
        """A new field on `sobject` (e.g. a custom field `Score__c` of type `double`), NULL on every
        record until the store gives it values."""
        obj = self._require(sobject)
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a field API name (a letter, then letters, digits or _)")
        if type_ not in STORAGE_TYPES or type_ == "id":
            raise ValueError(f"field type {type_!r} unknown; one of {sorted(set(STORAGE_TYPES) - {'id'})}")
        if obj.field(name) is not None:
            raise ValueError(f"{obj.name} already has a field {name}")
        field = _f(name, type_, label)
        with self._store.write() as cur:
            table = f'salesforce."{obj.name}"'
            cur.execute(f'ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "{name}" {field.storage_type}')
        self._replace(obj, (*obj.fields, field))
        return field

    def remove_field(self, sobject: str, name: str) -> None:
        """`sobject` loses field `name`: describe no longer lists it and SOQL naming it fails."""
        obj = self._require(sobject)
        field = obj.field(name)
        if field is None:
            raise ValueError(f"{obj.name} has no field {name}")
        if field.name in ("Id", "SystemModstamp"):
            raise ValueError(f"{obj.name}.{field.name} cannot be removed: every record has it")
        self._replace(obj, tuple(f for f in obj.fields if f is not field))

    def _require(self, sobject: str) -> SObject:
        obj = self.get(sobject)
        if obj is None:
            raise ValueError(f"the org has no object {sobject!r}; known: {sorted(SOBJECTS)}")
        return obj

    def _replace(self, obj: SObject, fields: tuple[SField, ...]) -> None:
        with self._lock:
            self._objects[obj.name.lower()] = dataclasses.replace(obj, fields=fields)

"""`sobjects/{X}/describe` and the global `sobjects/` listing, generated from objects.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox.salesforce.objects import SOBJECTS, SField, SObject

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "datetime": "xsd:dateTime",
    "date": "xsd:date",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
}


def _field(f: SField) -> dict[str, Any]:
    return {
        "name": f.name,
        "label": f.label,
        "type": f.type,
        "soapType": _SOAP_TYPES.get(f.type, "xsd:string"),
        "length": f.length,
        "byteLength": f.length * 3,
        "precision": 18 if f.type in ("currency", "double", "percent") else 0,
        "scale": 2 if f.type in ("currency", "percent") else 0,
        "digits": 9 if f.type == "int" else 0,
        "nillable": f.nillable,
        "filterable": f.filterable,
        "sortable": f.sortable,
        "groupable": f.filterable and f.type not in ("datetime", "double", "currency", "percent"),
        "createable": f.name not in ("Id", "IsDeleted", "SystemModstamp", "CreatedDate", "LastModifiedDate"),
        "updateable": f.name not in ("Id", "IsDeleted", "SystemModstamp", "CreatedDate", "LastModifiedDate"),
        "custom": f.name.endswith("__c"),
        "calculated": False,
        "idLookup": f.name == "Id",
        "unique": False,
        "externalId": False,
        "referenceTo": list(f.reference_to),
        "relationshipName": f.name[:-2] if f.type == "reference" and f.name.endswith("Id") else None,
        "picklistValues": [
            {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
            for v in f.picklist
        ],
        "defaultValue": None,
        "defaultedOnCreate": f.type == "boolean",
        "inlineHelpText": None,
    }


def describe(obj: SObject, version: str) -> dict[str, Any]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        **_summary(obj, version),
        "fields": [_field(f) for f in obj.fields],
        "childRelationships": [],
        "recordTypeInfos": [],
        "urls": {**_summary(obj, version)["urls"], "describe": f"{base}/describe"},
    }


def _summary(obj: SObject, version: str) -> dict[str, Any]:
    base = f"/services/data/v{version}/sobjects/{obj.name}"
    return {
        "name": obj.name,
        "label": obj.label,
        "labelPlural": obj.label + ("es" if obj.label.endswith("s") else "s"),
        "keyPrefix": obj.key_prefix,
        "custom": False,
        "queryable": True,
        "retrieveable": True,
        "searchable": obj.name not in ("OpportunityHistory", "OpportunityStage"),
        "createable": obj.name not in ("OpportunityHistory",),
        "updateable": obj.name not in ("OpportunityHistory",),
        "deletable": obj.name not in ("OpportunityHistory", "OpportunityStage", "User"),
        "replicateable": True,
        "urls": {"sobject": base, "rowTemplate": f"{base}/{{ID}}"},
    }


def global_describe(version: str, objects: Iterable[SObject] = SOBJECTS.values()) -> dict[str, Any]:
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [_summary(o, version) for o in objects],
    }

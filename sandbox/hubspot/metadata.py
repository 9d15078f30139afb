"""Owners, deal pipelines and property definitions."""

from __future__ import annotations

from typing import Any

import duckdb

from sandbox.hubspot.errors import not_found
from sandbox.hubspot.formats import format_probability, iso_sql
from sandbox.hubspot.objects import (
    CALL_DISPOSITIONS,
    DEAL_SOURCES,
    EMAIL_STATUSES,
    LIFECYCLE_STAGES,
    MEETING_OUTCOMES,
    TASK_PRIORITIES,
    TASK_STATUSES,
    TASK_TYPES,
    HObject,
    HProperty,
)

# -- owners ------------------------------------------------------------------------------------

_OWNER_SELECT = f"""SELECT id, email, "firstName", "lastName", "userId", type, {iso_sql('"createdAt"')},
    {iso_sql('"updatedAt"')}, archived, team_id, team_name FROM hubspot.owners"""


def _owner(row: tuple) -> dict[str, Any]:
    oid, email, first, last, user_id, kind, created, updated, archived, team_id, team_name = row
    owner: dict[str, Any] = {
        "id": str(oid),
        "email": email,
        "type": kind,
        "firstName": first,
        "lastName": last,
        "userId": user_id,
        "userIdIncludingInactive": user_id,
        "createdAt": created,
        "updatedAt": updated,
        "archived": archived,
    }
    if team_id is not None:
        owner["teams"] = [{"id": str(team_id), "name": team_name, "primary": True}]
    return owner


def owners_page(
    cur: duckdb.DuckDBPyConnection, *, archived: bool, email: str | None, after: int, limit: int
) -> dict[str, Any]:
    where, params = ["archived = ?", "id >= ?"], [archived, after]
    if email:
        where.append("lower(email) = lower(?)")
        params.append(email)
    rows = cur.execute(
        f"{_OWNER_SELECT} WHERE {' AND '.join(where)} ORDER BY id LIMIT {limit + 1}", params
    ).fetchall()
    body: dict[str, Any] = {"results": [_owner(r) for r in rows[:limit]]}
    if len(rows) > limit:
        next_after = str(rows[limit][0])
        body["paging"] = {"next": {"after": next_after, "link": f"?after={next_after}"}}
    return body


def owner(cur: duckdb.DuckDBPyConnection, key: int, *, by_user_id: bool, archived: bool) -> dict[str, Any]:
    column = '"userId"' if by_user_id else "id"
    row = cur.execute(f"{_OWNER_SELECT} WHERE {column} = ? AND archived = ?", [key, archived]).fetchone()
    if row is None:
        raise not_found()
    return _owner(row)


# -- pipelines ---------------------------------------------------------------------------------


def pipelines(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    rows = cur.execute(
        f"""SELECT pipeline_id, pipeline_label, pipeline_display_order, stage_id, label, display_order,
                   is_closed, probability, {iso_sql('"createdAt"')}, {iso_sql('"updatedAt"')}
            FROM hubspot.pipeline_stages
            ORDER BY pipeline_display_order, pipeline_id, display_order, stage_id"""
    ).fetchall()
    out: dict[str, dict[str, Any]] = {}
    for pid, plabel, porder, sid, label, order, closed, probability, created, updated in rows:
        pipeline = out.get(pid)
        if pipeline is None:
            pipeline = out[pid] = {
                "id": pid,
                "label": plabel,
                "displayOrder": porder,
                "stages": [],
                "createdAt": created,
                "updatedAt": updated,
                "archived": False,
            }
        pipeline["createdAt"] = min(pipeline["createdAt"], created)
        pipeline["updatedAt"] = max(pipeline["updatedAt"], updated)
        pipeline["stages"].append(
            {
                "id": sid,
                "label": label,
                "displayOrder": order,
                "metadata": {
                    "isClosed": "true" if closed else "false",
                    "probability": format_probability(probability),
                },
                "createdAt": created,
                "updatedAt": updated,
                "archived": False,
                "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
            }
        )
    return list(out.values())


# -- property definitions ----------------------------------------------------------------------

_GROUPS = {
    "calls": "callinformation",
    "meetings": "meetinginformation",
    "deals": "dealinformation",
    "companies": "companyinformation",
    "contacts": "contactinformation",
    "emails": "emailinformation",
    "tasks": "taskinformation",
}
_READ_ONLY = frozenset({"hs_object_id", "hs_createdate", "hs_lastmodifieddate", "lastmodifieddate"})
_CALCULATED = frozenset({"hs_is_closed", "hs_is_closed_won", "hs_lastmodifieddate", "lastmodifieddate"})
_DEFINED_AT = "2019-08-06T02:41:52.000Z"
_STATIC_OPTIONS: dict[str, list[tuple[str, str]]] = {
    "hs_call_direction": [("Inbound", "INBOUND"), ("Outbound", "OUTBOUND")],
    "hs_call_disposition": [(label, guid) for guid, label in CALL_DISPOSITIONS.items()],
    "hs_call_status": [
        (v.replace("_", " ").title(), v)
        for v in (
            "BUSY",
            "CALLING_CRM_USER",
            "CANCELED",
            "COMPLETED",
            "CONNECTING",
            "FAILED",
            "IN_PROGRESS",
            "MISSED",
            "NO_ANSWER",
            "QUEUED",
            "RINGING",
        )
    ],
    "hs_meeting_outcome": [(v.replace("_", " ").title(), v) for v in MEETING_OUTCOMES],
    "deal_currency_code": [("US Dollar", "USD"), ("Euro", "EUR"), ("British Pound", "GBP")],
    "dealtype": [("New Business", "newbusiness"), ("Existing Business", "existingbusiness")],
    "hs_analytics_source": [(v.replace("_", " ").title(), v) for v in DEAL_SOURCES],
    "hs_email_direction": [
        ("Sent by owner", "EMAIL"),
        ("Reply from contact", "INCOMING_EMAIL"),
        ("Forwarded", "FORWARDED_EMAIL"),
    ],
    "hs_email_status": [(v.title(), v) for v in EMAIL_STATUSES],
    "hs_task_status": [(v.replace("_", " ").title(), v) for v in TASK_STATUSES],
    "hs_task_type": [(v.title(), v) for v in TASK_TYPES],
    "hs_task_priority": [(v.title(), v) for v in TASK_PRIORITIES],
    "lifecyclestage": [(v.title(), v) for v in LIFECYCLE_STAGES],
}


def _options(cur: duckdb.DuckDBPyConnection, obj: HObject, prop: HProperty) -> list[dict[str, Any]]:
    pairs: list[tuple[str, str]]
    if prop.type == "bool":
        pairs = [("True", "true"), ("False", "false")]
    elif obj.name == "deals" and prop.name == "dealstage":
        pairs = [(s["label"], s["id"]) for p in pipelines(cur) for s in p["stages"]]
    elif obj.name == "deals" and prop.name == "pipeline":
        pairs = [(p["label"], p["id"]) for p in pipelines(cur)]
    else:
        pairs = _STATIC_OPTIONS.get(prop.name, [])
    return [
        {"label": label, "value": value, "displayOrder": i, "hidden": False}
        for i, (label, value) in enumerate(pairs)
    ]


def property_definition(cur: duckdb.DuckDBPyConnection, obj: HObject, prop: HProperty) -> dict[str, Any]:
    return {
        "updatedAt": _DEFINED_AT,
        "createdAt": _DEFINED_AT,
        "name": prop.name,
        "label": prop.label,
        "type": prop.type,
        "fieldType": prop.field_type,
        "description": "",
        "groupName": _GROUPS[obj.name],
        "options": _options(cur, obj, prop) if prop.type in ("enumeration", "bool") else [],
        "displayOrder": -1,
        "calculated": prop.name in _CALCULATED,
        "externalOptions": prop.name == "hubspot_owner_id",
        "hasUniqueValue": False,
        "hidden": False,
        "hubspotDefined": True,
        "modificationMetadata": {
            "archivable": False,
            "readOnlyDefinition": True,
            "readOnlyValue": prop.name in _READ_ONLY or prop.name in _CALCULATED,
        },
        "formField": prop.name not in _READ_ONLY and prop.name not in _CALCULATED,
        "dataSensitivity": "non_sensitive",
    }

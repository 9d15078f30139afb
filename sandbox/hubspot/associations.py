"""Associations v4: one object's associations to a type (GET …/associations/{toType}) and the batch
read (POST /crm/v4/associations/{from}/{to}/batch/read).

Each associated record appears once with every association type linking the pair
(`{"toObjectId": 951, "associationTypes": [{"category", "typeId", "label"}]}`). Pages are ordered by
`toObjectId`; the cursor is the next `toObjectId`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb

from sandbox.hubspot.catalog import SINGULAR
from sandbox.hubspot.errors import validation_error
from sandbox.hubspot.formats import is_record_id

MAX_PAGE = 500  # associations per page, and per input of a batch read
MAX_BATCH_INPUTS = 1000  # "may not exceed 1000 IDs per request body" (HubSpot changelog, Feb 2025)


def parse_cursor(after: object) -> int:
    if after is None or after == "":
        return 0
    try:
        return int(str(after))
    except ValueError:
        raise validation_error(f"Invalid paging cursor '{after}'.") from None


def _grouped(rows: list[tuple]) -> list[dict[str, Any]]:
    """Rows (to_id, type_id, category, label) ordered by to_id -> one entry per associated record."""
    out: list[dict[str, Any]] = []
    last = None
    for to_id, type_id, category, label in rows:
        if to_id != last:
            types: list[dict[str, Any]] = []
            out.append({"toObjectId": to_id, "associationTypes": types})
            last = to_id
        types.append({"category": category, "typeId": type_id, "label": label})
    return out


def list_page(
    cur: duckdb.DuckDBPyConnection, from_type: str, from_id: int, to_type: str, after: int, limit: int
) -> dict[str, Any]:
    rows = cur.execute(
        """SELECT to_id, type_id, category, label FROM hubspot.associations
           WHERE from_type = ? AND from_id = ? AND to_type = ? AND to_id IN (
               SELECT DISTINCT to_id FROM hubspot.associations
               WHERE from_type = ? AND from_id = ? AND to_type = ? AND to_id >= ?
               ORDER BY to_id LIMIT ?)
           ORDER BY to_id, type_id""",
        [from_type, from_id, to_type, from_type, from_id, to_type, after, limit + 1],
    ).fetchall()
    results = _grouped(rows)
    body: dict[str, Any] = {"results": results[:limit]}
    if len(results) > limit:
        next_after = str(results[limit]["toObjectId"])
        body["paging"] = {"next": {"after": next_after, "link": f"?after={next_after}"}}
    return body


def batch_read(
    cur: duckdb.DuckDBPyConnection, from_type: str, to_type: str, inputs: list[tuple[str, int]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(results, errors) for inputs of (id as sent, cursor). Ids without associations (or that are not
    record ids) become NO_ASSOCIATIONS_FOUND errors, as HubSpot reports them in a 207."""
    numeric = sorted({int(raw) for raw, _ in inputs if is_record_id(raw)})
    by_from: dict[int, list[tuple]] = defaultdict(list)
    if numeric:
        rows = cur.execute(
            """SELECT from_id, to_id, type_id, category, label FROM hubspot.associations
               WHERE from_type = ? AND to_type = ? AND from_id IN (SELECT unnest(?::BIGINT[]))
               ORDER BY from_id, to_id, type_id""",
            [from_type, to_type, numeric],
        ).fetchall()
        for from_id, *rest in rows:
            by_from[from_id].append(tuple(rest))
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()
    for raw, after in inputs:
        if (raw, after) in seen:
            continue
        seen.add((raw, after))
        grouped = (
            _grouped([r for r in by_from.get(int(raw), ()) if r[0] >= after]) if is_record_id(raw) else []
        )
        if not grouped:
            errors.append(_no_associations(from_type, to_type, raw))
            continue
        result: dict[str, Any] = {"from": {"id": raw}, "to": grouped[:MAX_PAGE]}
        if len(grouped) > MAX_PAGE:
            next_after = str(grouped[MAX_PAGE]["toObjectId"])
            result["paging"] = {"next": {"after": next_after, "link": None}}
        results.append(result)
    return results, errors


def _no_associations(from_type: str, to_type: str, raw_id: str) -> dict[str, Any]:
    return {
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {SINGULAR[to_type]} is associated with {SINGULAR[from_type]} {raw_id}.",
        "context": {
            "fromObjectId": [raw_id],
            "fromObjectType": [SINGULAR[from_type]],
            "toObjectType": [SINGULAR[to_type]],
        },
    }

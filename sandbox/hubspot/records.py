"""Reading CRM records out of the store and shaping them as HubSpot's SimplePublicObject JSON.

A page is one SELECT over `hubspot."<type>"` with every value already formatted by SQL, plus one
query for the page's associations and one for its property history (each only when requested).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb

from sandbox.hubspot.catalog import v3_association_type
from sandbox.hubspot.formats import iso_sql, quote, value_sql
from sandbox.hubspot.objects import HObject

# Leading columns of every record SELECT: id, createdAt, updatedAt, archived, archivedAt.
_LEAD = 5


@dataclass(frozen=True)
class Projection:
    """What a request asked to see of each record."""

    properties: tuple[str, ...]  # output order (alphabetical, as HubSpot returns them)
    history: tuple[str, ...] = ()  # a subset of `properties`
    associations: tuple[str, ...] = ()  # canonical object types


def projection(
    obj: HObject,
    requested: list[str],
    history: list[str] | tuple[str, ...] = (),
    associations: tuple[str, ...] = (),
    *,
    base: tuple[str, ...] | None = None,
) -> Projection:
    """Unknown names are ignored. With nothing requested the object's default properties are
    returned; otherwise the requested ones plus `base` (by default hs_object_id and the created and
    last-modified properties, which HubSpot always includes). Properties asked only with history
    also appear in `properties`."""
    known = [name for name in requested if name in obj.by_name]
    known_history = tuple(name for name in history if name in obj.by_name)
    if base is None:
        base = ("hs_object_id", obj.created_property, obj.modified_property)
    if not requested and not known_history:
        names = set(obj.default_properties)
    else:
        names = set(base) | set(known) | set(known_history)
    return Projection(tuple(sorted(names)), tuple(sorted(set(known_history))), associations)


@lru_cache(maxsize=512)
def _select_sql(obj: HObject, columns: tuple[str, ...]) -> str:
    parts = [
        "id",
        iso_sql(quote(obj.created_property)),
        iso_sql(quote(obj.modified_property)),
        "archived",
        iso_sql("archived_at"),
    ]
    parts += [value_sql(obj, obj.by_name[name]) for name in columns]
    return ", ".join(parts)


def table(obj: HObject) -> str:
    return f"hubspot.{quote(obj.name)}"


def page_where(obj: HObject, archived: bool, after_id: int, count: int) -> tuple[str, list[Any]]:
    """WHERE selecting the `count` records from id `after_id` on: the ids are picked over the narrow
    id/archived columns first, so only the page's rows are formatted."""
    return (
        f"id IN (SELECT id FROM {table(obj)} WHERE archived = ? AND id >= ? ORDER BY id LIMIT {int(count)})",
        [archived, after_id],
    )


def fetch_rows(
    cur: duckdb.DuckDBPyConnection,
    obj: HObject,
    proj: Projection,
    where: str,
    params: list[Any],
    *,
    order: str = "id",
    limit: int | None = None,
    offset: int = 0,
    extra_columns: str = "",
) -> list[tuple]:
    """Rows of `_select_sql` (+ extra columns) matching `where`. `limit`/`offset` are validated ints."""
    select = _select_sql(obj, proj.properties) + extra_columns
    sql = f"SELECT {select} FROM {table(obj)} WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    if offset:
        sql += f" OFFSET {int(offset)}"
    return cur.execute(sql, params).fetchall()


def build_results(
    cur: duckdb.DuckDBPyConnection, obj: HObject, proj: Projection, rows: list[tuple]
) -> list[dict[str, Any]]:
    """SimplePublicObject(WithAssociations) dicts for `rows` (from `fetch_rows`)."""
    if not rows:
        return []
    names = proj.properties
    end = _LEAD + len(names)
    ids = [row[0] for row in rows]
    history = _history(cur, obj, proj, ids) if proj.history else None
    associations = _associations(cur, obj, proj.associations, ids) if proj.associations else None
    column_index = {name: _LEAD + i for i, name in enumerate(names)}
    results = []
    for row in rows:
        record: dict[str, Any] = {
            "id": str(row[0]),
            "properties": dict(zip(names, row[_LEAD:end], strict=True)),
        }
        if history is not None:
            record["propertiesWithHistory"] = _record_history(obj, proj, row, history, column_index)
        record["createdAt"] = row[1]
        record["updatedAt"] = row[2]
        record["archived"] = row[3]
        if row[3]:
            record["archivedAt"] = row[4]
        if associations is not None:
            found = associations.get(row[0])
            if found:
                record["associations"] = found
        results.append(record)
    return results


def _record_history(
    obj: HObject,
    proj: Projection,
    row: tuple,
    history: dict[tuple[int, str], list[dict[str, Any]]],
    column_index: dict[str, int],
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name in proj.history:
        entries = history.get((row[0], name))
        if entries is None:
            # No stored history: the current value is the only version HubSpot would know of.
            value = row[column_index[name]]
            if value is None:
                entries = []
            else:
                stamp = row[2] if name == obj.modified_property else row[1]
                entries = [{"value": value, "timestamp": stamp, "sourceType": "API"}]
        out[name] = entries
    return out


def _history(
    cur: duckdb.DuckDBPyConnection, obj: HObject, proj: Projection, ids: list[int]
) -> dict[tuple[int, str], list[dict[str, Any]]]:
    rows = cur.execute(
        f"""SELECT object_id, property, value, {iso_sql("timestamp")}, source_type, source_id,
                   updated_by_user_id
            FROM hubspot.property_history
            WHERE object_type = ? AND property IN (SELECT unnest(?::VARCHAR[]))
              AND object_id IN (SELECT unnest(?::BIGINT[]))
            ORDER BY object_id, property, timestamp DESC, rowid DESC""",
        [obj.name, list(proj.history), ids],
    ).fetchall()
    out: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for object_id, prop, value, stamp, source_type, source_id, user_id in rows:
        entry: dict[str, Any] = {"value": value, "timestamp": stamp, "sourceType": source_type}
        if source_id is not None:
            entry["sourceId"] = source_id
        if user_id is not None:
            entry["updatedByUserId"] = user_id
        out[(object_id, prop)].append(entry)
    return out


def _associations(
    cur: duckdb.DuckDBPyConnection, obj: HObject, to_types: tuple[str, ...], ids: list[int]
) -> dict[int, dict[str, dict[str, list[dict[str, str]]]]]:
    rows = cur.execute(
        """SELECT from_id, to_type, to_id, type_id, category
           FROM hubspot.associations
           WHERE from_type = ? AND to_type IN (SELECT unnest(?::VARCHAR[]))
             AND from_id IN (SELECT unnest(?::BIGINT[]))
           ORDER BY from_id, to_type, to_id, type_id""",
        [obj.name, list(to_types), ids],
    ).fetchall()
    out: dict[int, dict[str, dict[str, list[dict[str, str]]]]] = {}
    for from_id, to_type, to_id, type_id, category in rows:
        per_type = out.setdefault(from_id, {})
        entry = per_type.get(to_type)
        if entry is None:
            entry = per_type[to_type] = {"results": []}
        entry["results"].append(
            {"id": str(to_id), "type": v3_association_type(obj.name, to_type, type_id, category)}
        )
    return out

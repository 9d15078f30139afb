"""POST /crm/v3/objects/{type}/search: validating a PublicObjectSearchRequest and compiling its
filter groups to one DuckDB WHERE clause.

Semantics: groups are OR-ed, filters within a group AND-ed; string comparisons are case-insensitive;
datetime values are epoch milliseconds (number or string) or ISO-8601; NEQ / NOT_IN /
NOT_HAS_PROPERTY / NOT_CONTAINS_TOKEN match records without a value. Archived records never match.
Paging is by numeric offset (`after`), capped at 10,000 results per query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandbox.hubspot.errors import validation_error
from sandbox.hubspot.formats import (
    parse_bool_value,
    parse_date_value,
    parse_datetime_value,
    parse_number_value,
    quote,
)
from sandbox.hubspot.objects import HObject

MAX_LIMIT = 200
DEFAULT_LIMIT = 10
MAX_RESULTS = 10_000
# Current limits of the search guide (the August 2024 changelog announced 5 / 10 / 25).
MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_SORTS = 1

OPERATORS = frozenset(
    (
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    )
)
_COMPARE = {"EQ": "=", "LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}
# Token boundaries for CONTAINS_TOKEN: anything that is not a letter or a digit.
_BOUNDARY_L = r"(^|[^\pL\pN])"
_BOUNDARY_R = r"([^\pL\pN]|$)"


@dataclass(frozen=True)
class SearchRequest:
    where: str
    params: list[Any]
    order: str
    limit: int
    after: int
    properties: list[str]


def parse_request(obj: HObject, body: object) -> SearchRequest:
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON: expected an object.")
    limit = _int_field(body.get("limit"), "limit", DEFAULT_LIMIT)
    if limit < 0 or limit > MAX_LIMIT:
        raise validation_error(f"limit must be between 0 and {MAX_LIMIT}, but was {limit}.")
    after = _int_field(body.get("after"), "after", 0)
    if after < 0:
        raise validation_error(f"after must be a non-negative offset, but was {after}.")
    if after + limit > MAX_RESULTS:
        raise validation_error(
            f"The search API returns at most {MAX_RESULTS} results for a query: after ({after}) + limit "
            f"({limit}) exceeds {MAX_RESULTS}. Narrow the query's filters to page through more records."
        )
    where, params = _compile_groups(obj, body.get("filterGroups") or [])
    query = body.get("query")
    if isinstance(query, str) and query.strip():
        query_sql, query_params = _compile_query(obj, query)
        where = f"({where}) AND {query_sql}"
        params += query_params
    properties = body.get("properties") or []
    if not isinstance(properties, list) or not all(isinstance(p, str) for p in properties):
        raise validation_error("properties must be a list of property names.")
    return SearchRequest(
        where=f"archived = false AND ({where})",
        params=params,
        order=_compile_sorts(obj, body.get("sorts") or []),
        limit=limit,
        after=after,
        properties=properties,
    )


def _int_field(value: object, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise validation_error(f"Invalid value {value!r} for '{name}'.")
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise validation_error(f"Invalid value '{value}' for '{name}': expected an integer.") from None


def _compile_groups(obj: HObject, groups: object) -> tuple[str, list[Any]]:
    if not isinstance(groups, list):
        raise validation_error("filterGroups must be a list.")
    if len(groups) > MAX_GROUPS:
        raise validation_error(
            f"Too many filter groups: {len(groups)}. A search may have at most {MAX_GROUPS} filterGroups."
        )
    total = 0
    clauses: list[str] = []
    params: list[Any] = []
    for group in groups:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise validation_error("Each filter group needs a list of filters.")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation_error(
                f"Too many filters in a filter group: {len(filters)}. "
                f"A filter group may have at most {MAX_FILTERS_PER_GROUP} filters."
            )
        total += len(filters)
        parts = []
        for f in filters:
            sql, values = _compile_filter(obj, f)
            parts.append(sql)
            params += values
        clauses.append("(" + " AND ".join(parts) + ")" if parts else "true")
    if total > MAX_FILTERS:
        raise validation_error(f"Too many filters: {total}. A search may have at most {MAX_FILTERS} filters.")
    return (" OR ".join(clauses) if clauses else "true"), params


def _column(obj: HObject, name: object) -> tuple[str, str]:
    """(SQL column, HubSpot type) of a filterable/sortable property."""
    if not isinstance(name, str) or not name:
        raise validation_error("Each filter needs a propertyName.")
    if name == "hs_object_id":
        return "id", "id"
    prop = obj.prop(name)
    if prop is None:
        raise validation_error(f"There was a problem with the request: property '{name}' does not exist.")
    return quote(name), prop.type


def _convert(kind: str, value: object, name: str) -> Any:
    if value is None:
        raise validation_error(f"A value is required for the filter on {name}.")
    if kind == "id":
        return int(parse_number_value(value, name))
    if kind == "datetime":
        return parse_datetime_value(value, name)
    if kind == "date":
        return parse_date_value(value, name)
    if kind == "number":
        return parse_number_value(value, name)
    if kind == "bool":
        return parse_bool_value(value, name)
    return str(value).lower()


def _compile_filter(obj: HObject, f: object) -> tuple[str, list[Any]]:
    if not isinstance(f, dict):
        raise validation_error("Each filter must be an object.")
    name = f.get("propertyName")
    operator = f.get("operator") or "EQ"
    if operator not in OPERATORS:
        raise validation_error(f"Unsupported filter operator '{operator}'.")
    column, kind = _column(obj, name)
    is_text = kind in ("string", "enumeration")
    lhs = f"lower({column})" if is_text else column
    if operator == "HAS_PROPERTY":
        return (f"({column} IS NOT NULL AND {column} <> '')" if is_text else f"{column} IS NOT NULL"), []
    if operator == "NOT_HAS_PROPERTY":
        return (f"({column} IS NULL OR {column} = '')" if is_text else f"{column} IS NULL"), []
    if operator in _COMPARE:
        return f"{lhs} {_COMPARE[operator]} ?", [_convert(kind, f.get("value"), name)]  # type: ignore[arg-type]
    if operator == "NEQ":
        return f"({column} IS NULL OR {lhs} <> ?)", [_convert(kind, f.get("value"), name)]  # type: ignore[arg-type]
    if operator == "BETWEEN":
        low = _convert(kind, f.get("value"), name)  # type: ignore[arg-type]
        high = _convert(kind, f.get("highValue"), name)  # type: ignore[arg-type]
        return f"{lhs} BETWEEN ? AND ?", [low, high]
    if operator in ("IN", "NOT_IN"):
        values = f.get("values")
        if not isinstance(values, list) or not values:
            raise validation_error(f"The {operator} operator needs a non-empty 'values' list.")
        converted = [_convert(kind, v, name) for v in values]  # type: ignore[arg-type]
        marks = ", ".join("?" * len(converted))
        if operator == "IN":
            return f"{lhs} IN ({marks})", converted
        return f"({column} IS NULL OR {lhs} NOT IN ({marks}))", converted
    # CONTAINS_TOKEN / NOT_CONTAINS_TOKEN: a word of the value, `*` as wildcard, case-insensitive.
    value = f.get("value")
    if value is None or str(value).strip() == "":
        raise validation_error(f"A value is required for the filter on {name}.")
    pattern = _token_pattern(str(value))
    match = f"regexp_matches(lower(CAST({column} AS VARCHAR)), ?)"
    if operator == "CONTAINS_TOKEN":
        return f"coalesce({match}, false)", [pattern]
    return f"NOT coalesce({match}, false)", [pattern]


def _token_pattern(token: str) -> str:
    parts = [re.escape(part) for part in token.strip().lower().split("*")]
    body = r"[\pL\pN]*".join(parts)
    return _BOUNDARY_L + body + _BOUNDARY_R


def _compile_query(obj: HObject, query: str) -> tuple[str, list[Any]]:
    """Free-text `query`: every word must appear in some text property of the record."""
    text_columns = [quote(p.name) for p in obj.properties if p.type == "string"]
    clauses, params = [], []
    for word in query.lower().split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        ors = " OR ".join(f"lower({c}) LIKE ? ESCAPE '\\'" for c in text_columns)
        clauses.append(f"({ors})")
        params += [pattern] * len(text_columns)
    return "(" + " AND ".join(clauses) + ")", params


def _compile_sorts(obj: HObject, sorts: object) -> str:
    if not isinstance(sorts, list):
        raise validation_error("sorts must be a list.")
    if len(sorts) > MAX_SORTS:
        raise validation_error(f"Too many sorts: {len(sorts)}. A search may have at most {MAX_SORTS} sort.")
    if not sorts:
        return "id"
    sort = sorts[0]
    if isinstance(sort, str):
        descending = sort.startswith("-")
        name: object = sort[1:] if descending else sort
    elif isinstance(sort, dict):
        name = sort.get("propertyName")
        direction = str(sort.get("direction") or "ASCENDING").upper()
        if direction not in ("ASCENDING", "DESCENDING"):
            raise validation_error(f"Invalid sort direction '{direction}'.")
        descending = direction == "DESCENDING"
    else:
        raise validation_error("Each sort must be a property name or a {propertyName, direction} object.")
    column, _ = _column(obj, name)
    if column == "id":
        return "id DESC" if descending else "id"
    return f"{column} {'DESC' if descending else 'ASC'} NULLS LAST, id"

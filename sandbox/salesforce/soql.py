"""SOQL for the Salesforce emulator: the subset Barometer's connectors use, answered from the DuckDB
store with Salesforce's semantics, and everything else refused the way Salesforce refuses it.

    compiled = compile_soql("SELECT Id, Subject FROM Task WHERE CreatedDate >= LAST_N_DAYS:7",
                            include_deleted=False, now=datetime.now(UTC))
    rows = store.cursor().execute(compiled.sql, compiled.params).fetchall()

`parse` (syntax, in `soql_parser`) and `compile_query` (names, types and SQL, in `soql_compiler`) are
separate steps; `SoqlError` carries the errorCode and message the REST API returns with status 400.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sandbox.salesforce.objects import SObject, sobject
from sandbox.salesforce.soql_compiler import CompiledQuery, compile_query
from sandbox.salesforce.soql_errors import (
    INVALID_FIELD,
    INVALID_QUERY_FILTER_OPERATOR,
    INVALID_TYPE,
    MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE,
    SoqlError,
)
from sandbox.salesforce.soql_parser import MAX_OFFSET, Query, parse

__all__ = [
    "INVALID_FIELD",
    "INVALID_QUERY_FILTER_OPERATOR",
    "INVALID_TYPE",
    "MALFORMED_QUERY",
    "MAX_OFFSET",
    "NUMBER_OUTSIDE_VALID_RANGE",
    "CompiledQuery",
    "Query",
    "SoqlError",
    "compile_query",
    "compile_soql",
    "parse",
]


def compile_soql(
    text: str,
    *,
    include_deleted: bool,
    now: datetime,
    objects: Callable[[str], SObject | None] = sobject,
) -> CompiledQuery:
    """parse() then compile_query(): SOQL text to a DuckDB query over the store, or SoqlError."""
    return compile_query(parse(text), include_deleted=include_deleted, now=now, objects=objects)

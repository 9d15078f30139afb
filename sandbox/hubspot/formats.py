"""Wire formats of the HubSpot CRM API, and parsing of what clients send.

Every property value is a string on the wire: datetimes as ISO-8601 UTC with milliseconds and `Z`
(`2024-01-05T14:03:00.123Z`), dates as `YYYY-MM-DD`, numbers without a trailing `.0` when integral,
booleans as `"true"`/`"false"`. Formatting happens in SQL (one expression per column) so a page is
formatted by DuckDB in bulk, never value by value in Python.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sandbox.hubspot.errors import validation_error
from sandbox.hubspot.objects import HObject, HProperty

ISO_SQL_FORMAT = "%Y-%m-%dT%H:%M:%S.%gZ"
# Integral doubles below this magnitude print as integers; larger ones keep DuckDB's shortest form.
_MAX_EXACT_INT = 1e15


def quote(name: str) -> str:
    """A DuckDB identifier; property names come from objects.py, never from the request."""
    return '"' + name.replace('"', '""') + '"'


def iso_sql(column_sql: str) -> str:
    return f"strftime({column_sql}, '{ISO_SQL_FORMAT}')"


def value_sql(obj: HObject, prop: HProperty) -> str:
    """SQL producing the wire string (or NULL) of `prop` for a row of `hubspot."<obj>"`."""
    if prop.name == "hs_object_id":
        return "CAST(id AS VARCHAR)"
    col = quote(prop.name)
    if prop.type == "datetime":
        return iso_sql(col)
    if prop.type == "date":
        return f"strftime({col}, '%Y-%m-%d')"
    if prop.type == "number":
        return (
            f"CASE WHEN {col} = trunc({col}) AND abs({col}) < {_MAX_EXACT_INT:.0f} "
            f"THEN CAST(CAST({col} AS BIGINT) AS VARCHAR) ELSE CAST({col} AS VARCHAR) END"
        )
    if prop.type == "bool":
        return f"CASE WHEN {col} THEN 'true' WHEN NOT {col} THEN 'false' END"
    return col


def iso(value: datetime | None) -> str | None:
    """Python-side ISO formatting for the few values not formatted in SQL (e.g. startedAt)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_probability(value: float) -> str:
    """Pipeline-stage probability metadata: Python's float repr ("0.2", "1.0", "0.0")."""
    return repr(float(value))


def is_record_id(raw: str) -> bool:
    """A record id as sent in a path or body: ASCII digits that fit a BIGINT."""
    return raw.isascii() and raw.isdigit() and len(raw) < 19


# -- query parameters --------------------------------------------------------------------------


def parse_bool(value: str | None, name: str, default: bool = False) -> bool:
    """Booleans as the Python client sends them (`False`/`True`) or as JSON (`false`/`true`)."""
    if value is None or value == "":
        return default
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise validation_error(f"Unable to parse '{value}' as a boolean for query parameter '{name}'.")


def parse_limit(value: str | int | None, *, default: int, maximum: int, minimum: int = 1) -> int:
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise validation_error(f"Unable to parse '{value}' as an integer for 'limit'.") from None
    if limit < minimum or limit > maximum:
        raise validation_error(f"limit must be between {minimum} and {maximum}, but was {limit}.")
    return limit


def split_names(values: list[str] | None) -> list[str]:
    """`properties=a&properties=b` and `properties=a,b` alike; order kept, duplicates dropped."""
    out: list[str] = []
    seen: set[str] = set()
    for value in values or ():
        for part in value.split(","):
            name = part.strip()
            if name and name not in seen:
                seen.add(name)
                out.append(name)
    return out


# -- filter values -----------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1)


def parse_datetime_value(value: object, name: str) -> datetime:
    """A datetime filter value: epoch milliseconds (number or numeric string), ISO-8601, or a date."""
    if isinstance(value, bool):
        raise validation_error(f"Invalid datetime value {value!r} for property {name}.")
    if isinstance(value, int | float):
        return _EPOCH + timedelta(milliseconds=value)
    text = str(value).strip()
    try:
        return _EPOCH + timedelta(milliseconds=int(text))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise validation_error(f"Invalid datetime value '{text}' for property {name}.") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def parse_date_value(value: object, name: str) -> date:
    return parse_datetime_value(value, name).date()


def parse_number_value(value: object, name: str) -> float:
    if isinstance(value, bool):
        raise validation_error(f"Invalid number value {value!r} for property {name}.")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise validation_error(f"Invalid number value '{value}' for property {name}.") from None


def parse_bool_value(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise validation_error(f"Invalid boolean value '{value}' for property {name}.")

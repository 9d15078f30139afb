"""Pure functions from API records to typed rows: REST JSON records and Bulk API 2.0 CSV pages in,
Arrow tables in the stream's landing-table shape and `Reject`s out.

Columns are converted whole (Arrow casts); only a column that fails is looked at value by value, to
name the records it cannot read. A record that cannot be mapped (no Id, no SystemModstamp, a value
that does not parse as its column's type) becomes a Reject carrying the reason (field and value) and
the record as JSON; nothing is dropped silently. Text lands verbatim.

REST datetimes look like `2013-05-07T22:07:19.000+0000`, Bulk CSV ones `2024-01-05T14:03:00.000Z`;
CSV values are all text (booleans `true`/`false`, an empty field is null). `_raw` holds the record as
REST returns it: for Bulk rows it is rebuilt in that shape (attributes, JSON numbers and booleans,
REST datetimes), so both paths land the same rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from connectors.salesforce.settings import CURSOR_FIELD, SKIPPED_FIELD_TYPES
from connectors.streams import IS_DELETED, RAW, SOURCE_UPDATED_AT, Column, Reject, StreamSpec

TIMESTAMP = pa.timestamp("us", tz="UTC")
_ARROW_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError)
_MAX_SHOWN = 120  # characters of a bad value quoted in a reject reason

# describe() field types whose values are JSON numbers or booleans in REST (text otherwise).
_INTEGER_TYPES = frozenset({"int", "long"})
_NUMBER_TYPES = frozenset({"double", "currency", "percent"})


@dataclass(frozen=True)
class Field:
    """A field as describe() reports it: API name and Salesforce type."""

    name: str
    type: str


def selectable_fields(describe: Mapping) -> tuple[Field, ...]:
    """Every field of a describe() answer a query can select: compound and binary fields left out."""
    return tuple(
        Field(f["name"], f.get("type", "string"))
        for f in describe.get("fields", ())
        if f.get("type") not in SKIPPED_FIELD_TYPES and not f.get("deprecatedAndHidden", False)
    )


@dataclass(frozen=True)
class Mapped:
    """One page's worth of mapped records."""

    rows: pa.Table
    rejects: list[Reject]


# --- values ------------------------------------------------------------------------------------------


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def _reason(column: Column, value: object) -> str:
    kind = {
        "timestamp": "a datetime",
        "date": "a date",
        "integer": "an integer",
        "bigint": "an integer",
        "double": "a finite number",
    }
    expected = kind.get(column.type, f"a {column.type}")
    if column.personal:  # reasons reach check metadata and logs; a prospect's data stays in raw
        shown = f"a value of type {type(value).__name__}"
        return f"{column.name}: cannot read {shown} as {expected} (not shown: personal data)"
    return f"{column.name}: cannot read {_show(value)} as {expected}"


def _from_text(texts: pa.Array, column: Column) -> pa.Array:
    """Typed array from a text array (REST datetimes/dates, every CSV value); raises when a value
    does not parse."""
    if column.type == "string":
        return texts
    if column.type == "boolean":
        valid = pc.or_kleene(pc.is_null(texts), pc.is_in(texts, value_set=pa.array(["true", "false"])))
        if not pc.all(valid).as_py():
            raise ValueError("not a boolean")
        return pc.equal(texts, "true")
    return _in_range(_finite(pc.cast(texts, column.arrow_type)))


def _from_json(values: list, column: Column) -> pa.Array:
    """Typed array from JSON values (REST); raises on a value of the wrong JSON type."""
    if column.type in ("timestamp", "date"):
        return _from_text(pa.array(values, pa.string()), column)
    if column.type in ("integer", "bigint"):
        # Arrow would truncate 2.5 to 2 and read True as 1: accept only ints and integral floats.
        if any(type(v) is not int and v is not None for v in values):
            if any(
                type(v) is not float or not v.is_integer()
                for v in values
                if v is not None and type(v) is not int
            ):
                raise ValueError("not an integer")
            values = [int(v) if type(v) is float else v for v in values]
    elif column.type == "double" and any(type(v) is bool for v in values):
        raise ValueError("not a number")
    return _finite(pa.array(values, column.arrow_type))


# Dates and datetimes every reader of the warehouse can represent (Python's, among others): Arrow
# parses year 0 and years beyond 9999, Salesforce never sends them.
_FIRST, _LAST = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def _in_range(array: pa.Array) -> pa.Array:
    """`array`, unless a date or datetime lies outside years 1 to 9999."""
    if pa.types.is_timestamp(array.type):
        first, last = _FIRST, _LAST
    elif pa.types.is_date32(array.type):
        first, last = _FIRST.date(), _LAST.date()
    else:
        return array
    outside = pc.or_(
        pc.less(array, pa.scalar(first, array.type)), pc.greater(array, pa.scalar(last, array.type))
    )
    if pc.any(outside).as_py():
        raise ValueError("outside years 1 to 9999")
    return array


def _finite(array: pa.Array) -> pa.Array:
    """`array`, unless it holds NaN or an infinity (JSON tokens a lenient encoder writes, or CSV text):
    an amount that poisons every sum is refused, not loaded."""
    if pa.types.is_floating(array.type) and pc.any(pc.invert(pc.is_finite(array))).as_py():
        raise ValueError("not a finite number")
    return array


def _column_from_json(values: list, column: Column, bad: dict[int, str]) -> pa.Array:
    try:
        return _from_json(values, column)
    except _ARROW_ERRORS:
        pass
    cleaned = list(values)
    for i, value in enumerate(values):
        if value is None:
            continue
        try:
            _from_json([value], column)
        except _ARROW_ERRORS:
            bad.setdefault(i, _reason(column, value))
            cleaned[i] = None
    return _from_json(cleaned, column)


def _column_from_text(texts: pa.Array, column: Column, bad: dict[int, str]) -> pa.Array:
    try:
        return _from_text(texts, column)
    except _ARROW_ERRORS:
        pass
    values = texts.to_pylist()
    for i, value in enumerate(values):
        if value is None:
            continue
        try:
            _from_text(pa.array([value], pa.string()), column)
        except _ARROW_ERRORS:
            bad.setdefault(i, _reason(column, value))
            values[i] = None
    return _from_text(pa.array(values, pa.string()), column)


def _dumps(records: Sequence[object]) -> list[bytes]:
    try:
        return [orjson.dumps(r) for r in records]
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: the standard library copes
        return [json.dumps(r, ensure_ascii=False).encode() for r in records]


# --- pages ---------------------------------------------------------------------------------------------


def map_records(
    spec: StreamSpec,
    records: Sequence[Mapping],
    *,
    has_is_deleted: bool,
    window: tuple[datetime, datetime | None] | None = None,
) -> Mapped:
    """REST query records → typed rows and rejects. `window`, when given, drops rows outside
    [start, end) (for window bounds finer than the SOQL literal)."""
    bad: dict[int, str] = {}
    usable = []
    for i, record in enumerate(records):
        if isinstance(record, Mapping):
            usable.append(record)
        else:
            bad[i] = f"not a record: {_show(record)}"
            usable.append({})
    raw = pa.array(_dumps(records), pa.binary()).cast(pa.string())
    arrays = {
        column.name: _column_from_json([r.get(column.name) for r in usable], column, bad)
        for column in spec.columns
    }
    return _finish(spec, arrays, raw, bad, has_is_deleted=has_is_deleted, window=window)


def read_bulk_csv(data: bytes) -> pa.Table:
    """A Bulk API 2.0 results page (CSV with a header row) as a table of text columns: an empty
    field (quoted or not) is null, any other text is kept as is ('NULL' stays 'NULL')."""
    if b"\x00" in data:  # Salesforce can emit NUL bytes; they are not text
        data = data.replace(b"\x00", b"")
    if not data or data.isspace():
        return pa.table({})
    names = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8")]))
    return pa_csv.read_csv(
        io.BytesIO(data),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


class RawRenderer:
    """Renders Bulk CSV rows as the REST JSON record (`_raw`), column-wise in an in-memory DuckDB:
    numbers and booleans become JSON numbers and booleans (text that does not parse stays text, as
    the API sent it), datetimes take the REST form (…+0000)."""

    def __init__(self) -> None:
        self._db = duckdb.connect(":memory:")

    def close(self) -> None:
        self._db.close()

    def render(self, table: pa.Table, fields: Sequence[Field], *, sobject: str, api_version: str) -> pa.Array:
        if table.num_rows == 0:
            return pa.array([], pa.string())
        present = set(table.column_names)
        named = [(f, f"c{i}") for i, f in enumerate(fields) if f.name in present]
        columns = pa.table({alias: table.column(f.name) for f, alias in named})
        pairs = ", ".join(f"'{f.name}', {_json_value(alias, f.type)}" for f, alias in named)
        id_alias = next((alias for f, alias in named if f.name == "Id"), "NULL")
        sql = (
            f"SELECT json_object('attributes', json_object('type', $type, 'url', $url || {id_alias}), "
            f"{pairs})::VARCHAR FROM columns"
        )
        url = f"/services/data/v{api_version}/sobjects/{sobject}/"
        self._db.register("columns", columns)
        try:
            result = self._db.sql(sql, params={"type": sobject, "url": url}).to_arrow_table()
        finally:
            self._db.unregister("columns")
        return result.column(0).combine_chunks()


def _json_value(column: str, field_type: str) -> str:
    """SQL for one text column as the JSON value REST gives the field."""
    if field_type == "boolean":
        return (
            f"CASE {column} WHEN 'true' THEN 'true'::JSON WHEN 'false' THEN 'false'::JSON "
            f"ELSE to_json({column}) END"
        )
    if field_type in _INTEGER_TYPES:
        return f"coalesce(to_json(TRY_CAST({column} AS BIGINT)), to_json({column}))"
    if field_type in _NUMBER_TYPES:
        return f"coalesce(to_json(TRY_CAST({column} AS DOUBLE)), to_json({column}))"
    if field_type == "datetime":
        return f"regexp_replace({column}, 'Z$', '+0000')"
    return column


def map_csv(
    spec: StreamSpec,
    table: pa.Table,
    raw: pa.Array,
    *,
    has_is_deleted: bool,
    window: tuple[datetime, datetime | None] | None = None,
) -> Mapped:
    """Bulk CSV rows (text columns from read_bulk_csv) with their rendered `_raw` → typed rows and
    rejects."""
    bad: dict[int, str] = {}
    arrays = {}
    for column in spec.columns:
        if column.name in table.column_names:
            texts = table.column(column.name).combine_chunks()
        else:
            texts = pa.nulls(table.num_rows, pa.string())
        arrays[column.name] = _column_from_text(texts, column, bad)
    return _finish(spec, arrays, raw, bad, has_is_deleted=has_is_deleted, window=window)


def _finish(
    spec: StreamSpec,
    arrays: dict[str, pa.Array],
    raw: pa.Array,
    bad: dict[int, str],
    *,
    has_is_deleted: bool,
    window: tuple[datetime, datetime | None] | None,
) -> Mapped:
    n = len(raw)
    ids = arrays["Id"]
    stamps = arrays[CURSOR_FIELD]
    deleted = arrays["IsDeleted"] if has_is_deleted else pa.array([False] * n, pa.bool_())
    _mark(bad, pc.or_kleene(pc.is_null(ids), pc.equal(ids, "")), "Id is missing")
    _mark(bad, pc.is_null(stamps), f"{CURSOR_FIELD} is missing")
    if has_is_deleted:
        _mark(bad, pc.is_null(deleted), "IsDeleted is missing")
    inside = None  # rows within the window (all when no window is given); a null stamp counts as inside
    if window is not None:
        start, end = window
        inside = pc.greater_equal(stamps, pa.scalar(start, TIMESTAMP))
        if end is not None:
            inside = pc.and_(inside, pc.less(stamps, pa.scalar(end, TIMESTAMP)))
        inside = pc.fill_null(inside, True)
    table = pa.Table.from_arrays(
        [*arrays.values(), stamps, deleted, raw], names=[*arrays.keys(), SOURCE_UPDATED_AT, IS_DELETED, RAW]
    )
    rejects: list[Reject] = []
    if bad:
        keep = [True] * n
        id_values = ids.to_pylist()
        in_window = [True] * n if inside is None else inside.to_pylist()
        for i in sorted(bad):
            keep[i] = False
            if in_window[i]:
                record_id = id_values[i] if isinstance(id_values[i], str) and id_values[i] else None
                rejects.append(Reject(record_id, bad[i], raw[i].as_py()))
        mask = pa.array(keep)
        table = table.filter(mask if inside is None else pc.and_(mask, inside))
    elif inside is not None:
        table = table.filter(inside)
    return Mapped(table.cast(spec.schema), rejects)


def _mark(bad: dict[int, str], mask: pa.Array, reason: str) -> None:
    if pc.any(mask).as_py():
        for i in _true_indices(mask):
            bad.setdefault(i, reason)


def _true_indices(mask: pa.Array) -> Iterable[int]:
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()

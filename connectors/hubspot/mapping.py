"""Pure functions: HubSpot JSON → typed rows (tuples in a spec's column order) or Rejects, and rows →
Arrow tables, built column by column.

Property values arrive as strings: datetimes as ISO-8601 (or epoch milliseconds), numbers, "true"/
"false". An empty value is NULL. A value that cannot be read as its column's type makes the whole
record a Reject naming the property and the value, with the record as payload: nothing is dropped
silently, and text lands exactly as HubSpot sent it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa

from connectors.hubspot.settings import CrmObject, TypedProperty
from connectors.streams import ColumnType, Reject, StreamSpec

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_INT32 = 2**31
_INT64 = 2**63

Row = tuple[Any, ...]


class MappingError(ValueError):
    """A value that does not fit its column; the message names the field and the value."""


def _bad(name: str, value: object, expected: str) -> MappingError:
    text = repr(value)
    if len(text) > 200:
        text = text[:200] + "…"
    return MappingError(f"{name}: {text} is not {expected}")


# -- values ------------------------------------------------------------------------------------


def parse_timestamp(value: object, name: str) -> datetime | None:
    """ISO-8601 (with offset or Z; naive = UTC; a bare date = its UTC midnight) or epoch milliseconds."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.isascii() and (value.isdigit() or (value[:1] == "-" and value[1:].isdigit())):
            return _from_epoch_ms(int(value), name, value)
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise _bad(name, value, "a datetime") from None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    if isinstance(value, int) and not isinstance(value, bool):
        return _from_epoch_ms(value, name, value)
    raise _bad(name, value, "a datetime")


def _from_epoch_ms(ms: int, name: str, raw: object) -> datetime:
    try:
        return EPOCH + ms * _MS
    except OverflowError:
        raise _bad(name, raw, "a datetime") from None


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch, rounded up: t_ms >= epoch_ms(x) iff t_ms >= x for whole-ms t."""
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    return -(-micros // 1000)


def parse_double(value: object, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad(name, value, "a number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and "_" not in value:
        try:
            number = float(value)
        except ValueError:
            raise _bad(name, value, "a number") from None
    else:
        raise _bad(name, value, "a number")
    if not math.isfinite(number):
        raise _bad(name, value, "a finite number")
    return number


def parse_bigint(value: object, name: str) -> int | None:
    return _parse_int(value, name, _INT64, "a 64-bit integer")


def parse_integer(value: object, name: str) -> int | None:
    return _parse_int(value, name, _INT32, "a 32-bit integer")


def _parse_int(value: object, name: str, bound: int, expected: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and (value[1:] if value[:1] == "-" else value).isdigit():
        number = int(value)
    else:
        raise _bad(name, value, expected)
    if not -bound <= number < bound:
        raise _bad(name, value, expected)
    return number


def parse_boolean(value: object, name: str) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.lower()
        if lowered == "true":
            return True
        if lowered == "false":
            return False
    raise _bad(name, value, "true or false")


def parse_string(value: object, name: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _bad(name, value, "text")


def parse_json(value: object, name: str) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


PARSERS: dict[ColumnType, Callable[[object, str], Any]] = {
    "timestamp": parse_timestamp,
    "double": parse_double,
    "bigint": parse_bigint,
    "integer": parse_integer,
    "boolean": parse_boolean,
    "string": parse_string,
    "json": parse_json,
}


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise MappingError(f"{name} is missing")
    return value


def raw_json(record: object) -> str:
    return orjson.dumps(record).decode()


def _reject(record: Any, error: MappingError, id_key: str = "id") -> Reject:
    record_id = record.get(id_key) if isinstance(record, dict) else None
    return Reject(
        record_id=None if record_id is None else str(record_id),
        reason=str(error),
        payload=raw_json(record),
    )


# -- CRM objects (calls, meetings, deals) ------------------------------------------------------


def modified_at(record: dict[str, Any], obj: CrmObject) -> datetime | None:
    """The record's source modification time: hs_lastmodifieddate, else updatedAt; when archived,
    archivedAt (HubSpot never bumps hs_lastmodifieddate on archive). Raises MappingError."""
    if record.get("archived") is True:
        archived = parse_timestamp(record.get("archivedAt"), "archivedAt")
        if archived is not None:
            return archived
    properties = record.get("properties") or {}
    modified = parse_timestamp(properties.get(obj.modified_property), obj.modified_property)
    return modified or parse_timestamp(record.get("updatedAt"), "updatedAt")


def map_crm_record(record: dict[str, Any], obj: CrmObject) -> Row | Reject:
    """A typed row of crm_object_spec(obj), or a Reject."""
    try:
        if not isinstance(record, dict):
            raise MappingError("record is not a JSON object")
        properties = record.get("properties") or {}
        if not isinstance(properties, dict):
            raise MappingError("properties is not a JSON object")
        archived = parse_boolean(record.get("archived"), "archived") or False
        row = [_required(parse_bigint(record.get("id"), "id"), "id")]
        for prop in obj.properties:
            row.append(_parse_property(prop, properties.get(prop.name)))
        row.append(parse_timestamp(record.get("createdAt"), "createdAt"))
        row.append(parse_timestamp(record.get("updatedAt"), "updatedAt"))
        row.append(archived)
        row.append(parse_timestamp(record.get("archivedAt"), "archivedAt"))
        source_updated = modified_at(record, obj)
        if source_updated is None:
            raise MappingError(
                f"no modification time: {obj.modified_property}, updatedAt and archivedAt are empty"
            )
        row += (source_updated, archived, raw_json(record))
        return tuple(row)
    except MappingError as error:
        return _reject(record, error)


def _parse_property(prop: TypedProperty, value: object) -> Any:
    try:
        return PARSERS[prop.type](value, prop.name)
    except MappingError:
        if not prop.personal:
            raise
    # reasons reach check metadata and logs; a prospect's data stays in raw
    expected = "text" if prop.type == "string" else f"a {prop.type}"
    shown = f"a value of type {type(value).__name__}"
    raise MappingError(f"{prop.name}: {shown} is not {expected} (not shown: personal data)")


# -- owners and pipelines ----------------------------------------------------------------------


def map_owner(record: dict[str, Any]) -> Row | Reject:
    try:
        if not isinstance(record, dict):
            raise MappingError("owner is not a JSON object")
        created = parse_timestamp(record.get("createdAt"), "createdAt")
        updated = parse_timestamp(record.get("updatedAt"), "updatedAt")
        archived = parse_boolean(record.get("archived"), "archived") or False
        return (
            _required(parse_bigint(record.get("id"), "id"), "id"),
            parse_string(record.get("email"), "email"),
            parse_string(record.get("firstName"), "firstName"),
            parse_string(record.get("lastName"), "lastName"),
            parse_bigint(record.get("userId"), "userId"),
            parse_bigint(record.get("userIdIncludingInactive"), "userIdIncludingInactive"),
            parse_string(record.get("type"), "type"),
            parse_json(record.get("teams"), "teams"),
            created,
            updated,
            archived,
            _required(updated or created, "updatedAt"),
            archived,
            raw_json(record),
        )
    except MappingError as error:
        return _reject(record, error)


def map_pipeline(pipeline: dict[str, Any]) -> list[Row | Reject]:
    """One row per stage of a deal pipeline; the stage metadata strings typed."""
    if not isinstance(pipeline, dict) or not isinstance(pipeline.get("stages"), list):
        return [_reject(pipeline, MappingError("pipeline without a stages list"))]
    head = {k: v for k, v in pipeline.items() if k != "stages"}
    out: list[Row | Reject] = []
    for stage in pipeline["stages"]:
        raw = {"pipeline": head, "stage": stage}
        try:
            if not isinstance(stage, dict):
                raise MappingError("stage is not a JSON object")
            metadata = stage.get("metadata") or {}
            created = parse_timestamp(stage.get("createdAt"), "stage createdAt")
            updated = parse_timestamp(stage.get("updatedAt"), "stage updatedAt")
            pipeline_updated = parse_timestamp(pipeline.get("updatedAt"), "pipeline updatedAt")
            archived = bool(parse_boolean(stage.get("archived"), "stage archived")) or bool(
                parse_boolean(pipeline.get("archived"), "pipeline archived")
            )
            stamps = [t for t in (updated, pipeline_updated, created) if t is not None]
            out.append(
                (
                    _required(parse_string(pipeline.get("id"), "pipeline id"), "pipeline id"),
                    parse_string(pipeline.get("label"), "pipeline label"),
                    parse_integer(pipeline.get("displayOrder"), "pipeline displayOrder"),
                    _required(parse_string(stage.get("id"), "stage id"), "stage id"),
                    parse_string(stage.get("label"), "stage label"),
                    parse_integer(stage.get("displayOrder"), "stage displayOrder"),
                    parse_boolean(metadata.get("isClosed"), "metadata.isClosed"),
                    parse_double(metadata.get("probability"), "metadata.probability"),
                    created,
                    updated,
                    archived,
                    _required(max(stamps, default=None), "stage updatedAt"),
                    archived,
                    raw_json(raw),
                )
            )
        except MappingError as error:
            record_id = stage.get("id") if isinstance(stage, dict) else None
            out.append(Reject(None if record_id is None else str(record_id), str(error), raw_json(raw)))
    return out


# -- children ----------------------------------------------------------------------------------


def map_history(deal_id: int, entries: Sequence[Any], prop: str) -> tuple[list[Row], list[Reject]]:
    """deal_stage_history rows from a propertiesWithHistory list (HubSpot sends it newest first)."""
    rows: list[Row] = []
    rejects: list[Reject] = []
    for sequence, entry in enumerate(reversed(entries)):
        try:
            if not isinstance(entry, dict):
                raise MappingError(f"{prop} history entry is not a JSON object")
            rows.append(
                (
                    deal_id,
                    sequence,
                    parse_string(entry.get("value"), f"{prop} history value"),
                    _required(
                        parse_timestamp(entry.get("timestamp"), f"{prop} history timestamp"),
                        f"{prop} history timestamp",
                    ),
                    parse_string(entry.get("sourceType"), f"{prop} history sourceType"),
                    parse_string(entry.get("sourceId"), f"{prop} history sourceId"),
                    parse_bigint(entry.get("updatedByUserId"), f"{prop} history updatedByUserId"),
                )
            )
        except MappingError as error:
            rejects.append(Reject(str(deal_id), f"entry {sequence}: {error}", raw_json(entry)))
    return rows, rejects


def map_associations(parent_id: int, to_type: str, targets: Iterable[Any]) -> tuple[list[Row], list[Reject]]:
    """<singular>_associations rows from one associations v4 batch result's `to` list."""
    rows: list[Row] = []
    rejects: list[Reject] = []
    for target in targets:
        try:
            if not isinstance(target, dict):
                raise MappingError(f"association to {to_type} is not a JSON object")
            to_id = _required(parse_bigint(target.get("toObjectId"), "toObjectId"), "toObjectId")
            for kind in target.get("associationTypes") or ():
                rows.append(
                    (
                        parent_id,
                        to_type,
                        to_id,
                        _required(parse_integer(kind.get("typeId"), "typeId"), "typeId"),
                        _required(parse_string(kind.get("category"), "category"), "category"),
                        parse_string(kind.get("label"), "label"),
                    )
                )
        except (MappingError, AttributeError) as error:
            rejects.append(Reject(str(parent_id), f"association to {to_type}: {error}", raw_json(target)))
    return rows, rejects


# -- tables ------------------------------------------------------------------------------------


def to_table(spec: StreamSpec, rows: Sequence[Row]) -> pa.Table:
    """An Arrow table of `spec.schema` from row tuples, one column array at a time."""
    schema = spec.schema
    if not rows:
        return schema.empty_table()
    columns = zip(*rows, strict=True)
    arrays = [pa.array(values, type=field.type) for values, field in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)

"""SOQL for one window of one stream: every selectable field, the window on SystemModstamp, an
optional keyset (resume after the last row read, stop at a row), ordered by SystemModstamp, Id; and
the split of a wide object's fields into chunks whose REST query URIs Salesforce accepts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from urllib.parse import quote_plus, urlencode

from connectors.salesforce.settings import CURSOR_FIELD
from connectors.streams import Window

_MS = timedelta(milliseconds=1)
Key = tuple[datetime, str]  # (SystemModstamp, Id) of a row
# The longest keyset bound a query can carry (a millisecond datetime and an 18-character id).
_LONGEST_KEY: Key = (datetime(2000, 1, 1, 0, 0, 0, 1000, tzinfo=UTC), "x" * 18)
KEY_FIELDS = ("Id", CURSOR_FIELD)  # in every chunk of a wide object: they join and check the chunks


def datetime_literal(value: datetime, *, round_up: bool = False) -> str:
    """A SOQL datetime literal in UTC at millisecond precision (Salesforce's), e.g.
    2026-01-01T00:00:00Z or 2026-01-01T00:00:00.250Z. A finer value is rounded down, or up."""
    value = value.astimezone(UTC)
    whole = value.replace(microsecond=value.microsecond // 1000 * 1000)
    if round_up and whole != value:
        whole += _MS
    if whole.microsecond:
        return whole.strftime("%Y-%m-%dT%H:%M:%S.") + f"{whole.microsecond // 1000:03d}Z"
    return whole.strftime("%Y-%m-%dT%H:%M:%SZ")


def string_literal(value: str) -> str:
    """A quoted SOQL string literal with Salesforce's escapes."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace('"', '\\"')
    )
    return f"'{escaped}'"


def needs_client_filter(window: Window) -> bool:
    """True when a bound is finer than a millisecond, so the SOQL literal cannot be exact."""
    return window.start.microsecond % 1000 != 0 or (
        window.end is not None and window.end.microsecond % 1000 != 0
    )


def window_query(
    sobject: str,
    fields: Sequence[str],
    window: Window,
    *,
    where: str | None = None,
    after: Key | None = None,
    through: Key | None = None,
) -> str:
    """SELECT … FROM sobject WHERE [where AND] start <= SystemModstamp < end [AND (stamp, Id) > after]
    [AND (stamp, Id) <= through] ORDER BY SystemModstamp, Id."""
    conditions = [] if where is None else [where]
    conditions.append(f"{CURSOR_FIELD} >= {datetime_literal(window.start)}")
    if window.end is not None:
        conditions.append(f"{CURSOR_FIELD} < {datetime_literal(window.end, round_up=True)}")
    if after is not None:
        stamp, record_id = after
        literal, last_id = datetime_literal(stamp), string_literal(record_id)
        conditions.append(f"({CURSOR_FIELD} > {literal} OR ({CURSOR_FIELD} = {literal} AND Id > {last_id}))")
    if through is not None:
        stamp, record_id = through
        literal, last_id = datetime_literal(stamp), string_literal(record_id)
        conditions.append(f"({CURSOR_FIELD} < {literal} OR ({CURSOR_FIELD} = {literal} AND Id <= {last_id}))")
    return (
        f"SELECT {', '.join(fields)} FROM {sobject} WHERE {' AND '.join(conditions)} "
        f"ORDER BY {CURSOR_FIELD} ASC, Id ASC"
    )


def query_uri_bytes(soql: str, *, api_version: str, include_deleted: bool) -> int:
    """Length of the URI (path and query string) of the REST query as simple-salesforce sends it."""
    path = f"/services/data/v{api_version}/{'queryAll' if include_deleted else 'query'}/"
    return len(path) + 1 + len(urlencode({"q": soql}))


def field_chunks(
    sobject: str,
    fields: Sequence[str],
    window: Window,
    *,
    where: str | None,
    api_version: str,
    include_deleted: bool,
    max_uri_bytes: int,
) -> tuple[tuple[str, ...], ...]:
    """The fields in as few chunks as keep every REST query of the window under `max_uri_bytes`,
    keyset bounds included: one chunk (`fields` itself) when they all fit. Each chunk of a wide
    object starts with Id and SystemModstamp, then takes the next fields in describe order."""

    def uri_bytes(names: Sequence[str]) -> int:
        soql = window_query(sobject, names, window, where=where, after=_LONGEST_KEY, through=_LONGEST_KEY)
        return query_uri_bytes(soql, api_version=api_version, include_deleted=include_deleted)

    if uri_bytes(fields) <= max_uri_bytes:
        return (tuple(fields),)
    room = max_uri_bytes - uri_bytes(KEY_FIELDS)
    chunks: list[tuple[str, ...]] = []
    current: list[str] = []
    used = 0
    for name in (f for f in fields if f not in KEY_FIELDS):
        cost = len(quote_plus(f", {name}"))
        if cost > room:
            raise ValueError(
                f"{sobject}.{name}: a query of this one field with the window's conditions is longer than "
                f"{max_uri_bytes} bytes; raise SyncSettings.max_uri_bytes if the org accepts longer URIs"
            )
        if used + cost > room:
            chunks.append((*KEY_FIELDS, *current))
            current, used = [], 0
        current.append(name)
        used += cost
    chunks.append((*KEY_FIELDS, *current))
    return tuple(chunks)

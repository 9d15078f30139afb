"""SOQL for one window of one stream: every selectable field, the window on SystemModstamp, an
optional keyset (resume after the last row read), ordered by SystemModstamp, Id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from connectors.salesforce.settings import CURSOR_FIELD
from connectors.streams import Window

_MS = timedelta(milliseconds=1)


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
    after: tuple[datetime, str] | None = None,
) -> str:
    """SELECT … FROM sobject WHERE [where AND] start <= SystemModstamp < end [AND (stamp, Id) > after]
    ORDER BY SystemModstamp, Id."""
    conditions = [] if where is None else [where]
    conditions.append(f"{CURSOR_FIELD} >= {datetime_literal(window.start)}")
    if window.end is not None:
        conditions.append(f"{CURSOR_FIELD} < {datetime_literal(window.end, round_up=True)}")
    if after is not None:
        stamp, record_id = after
        literal, last_id = datetime_literal(stamp), string_literal(record_id)
        conditions.append(f"({CURSOR_FIELD} > {literal} OR ({CURSOR_FIELD} = {literal} AND Id > {last_id}))")
    return (
        f"SELECT {', '.join(fields)} FROM {sobject} WHERE {' AND '.join(conditions)} "
        f"ORDER BY {CURSOR_FIELD} ASC, Id ASC"
    )

"""Reading a modification-time window through the search API without skipping a record.

HubSpot's search pages by offset (`after`) and stops at 10,000 results a query; an offset also skips
a record whenever an earlier one in the sort order is modified or archived while paging. So each
search request here is a fresh query continuing from the last timestamp read (keyset paging):

    hs_lastmodifieddate >= T and < end, sorted ascending, 200 a page

where T is the last page's largest timestamp; the records at exactly T already read are skipped.
A page whose records all share the lower bound T (more than a page in one millisecond) switches
to that millisecond alone, read by ascending hs_object_id ranges (`hs_object_id > last id`), then
the window continues from T + 1 ms. A query never pages past its first 200 results, so the 10,000
cap is never met, however large the window; each request returns about 200 new records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from connectors.hubspot import settings
from connectors.hubspot.mapping import MappingError, epoch_ms, parse_timestamp

JSON = dict[str, Any]
Search = Callable[[JSON], JSON]


def record_ms(record: JSON, prop: str) -> int | None:
    """The record's `prop` datetime in epoch milliseconds, None if missing or unreadable (or if the
    record is not a JSON object: mapping rejects it)."""
    properties = record.get("properties") if isinstance(record, dict) else None
    if not isinstance(properties, dict):
        return None
    try:
        moment = parse_timestamp(properties.get(prop), prop)
    except MappingError:
        return None
    return None if moment is None else epoch_ms(moment)


def search_window(
    search: Search, *, modified_property: str, properties: list[str], start_ms: int, end_ms: int | None
) -> Iterator[JSON]:
    """Every record with start_ms <= modified < end_ms (end None: no upper bound), in ascending
    modification time. A record modified while the window is read may come twice (old, then new)."""
    lower, seen = start_ms, frozenset[str]()
    while True:
        filters = [_filter(modified_property, "GTE", lower)]
        if end_ms is not None:
            filters.append(_filter(modified_property, "LT", end_ms))
        page = search(_request(filters, modified_property, properties))
        results = page.get("results") or []
        for record in results:
            if _id(record) in seen and record_ms(record, modified_property) == lower:
                continue  # read by the previous query
            yield record
        if not results or not _has_next(page):
            return
        stamps = [record_ms(r, modified_property) for r in results]
        last = max((s for s in stamps if s is not None), default=None)
        if last is None or last <= lower:
            # A whole page inside one millisecond: read that millisecond by id ranges, then go past it.
            read = seen | {_id(r) for r in results}
            yield from _one_millisecond(search, modified_property, properties, lower, read)
            lower, seen = lower + 1, frozenset()
        else:
            lower = last
            seen = frozenset(_id(r) for r, s in zip(results, stamps, strict=True) if s == last)


def _one_millisecond(
    search: Search, modified_property: str, properties: list[str], moment: int, read: frozenset[str]
) -> Iterator[JSON]:
    """Records modified at exactly `moment` (ms), by ascending id, except those in `read`."""
    after_id: str | None = None
    while True:
        filters = [_filter(modified_property, "EQ", moment)]
        if after_id is not None:
            filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": after_id})
        page = search(_request(filters, "hs_object_id", properties))
        results = page.get("results") or []
        for record in results:
            if _id(record) not in read:
                yield record
        if not results or not _has_next(page):
            return
        after_id = _id(results[-1])


def _id(record: object) -> str:
    """The record's id as text ('None' when it has none or is not a JSON object: mapping rejects it)."""
    return str(record.get("id")) if isinstance(record, dict) else "None"


def _filter(prop: str, operator: str, ms: int) -> JSON:
    return {"propertyName": prop, "operator": operator, "value": str(ms)}


def _request(filters: list[JSON], sort_property: str, properties: list[str]) -> JSON:
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": sort_property, "direction": "ASCENDING"}],
        "properties": properties,
        "limit": settings.SEARCH_PAGE_SIZE,
    }


def _has_next(page: JSON) -> bool:
    paging = page.get("paging") or {}
    return bool((paging.get("next") or {}).get("after"))

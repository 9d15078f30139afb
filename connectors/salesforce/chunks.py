"""REST reads of a window, wide objects included: `rest_results` yields the pages of one query, or,
when the fields do not fit in one query URI (soql.field_chunks), joins per page the queries of each
field chunk on Id.

The first chunk pages through the window (keyset `after`); for each of its pages, every other chunk
reads the same key range, (previous page's last key, this page's last key], ordered the same way, so
each record is one page of each chunk away. Every chunk selects Id and SystemModstamp: a record whose
SystemModstamp differs between chunks, or that one chunk lacks, changed between the queries. Its
parts belong to different versions, so it is left out of the page (`torn`) instead of landing torn;
its new version has a later SystemModstamp than anything the page's query saw, and the stream reads
it by continuing the window after the last key (see streams.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.settings import CURSOR_FIELD
from connectors.salesforce.soql import Key, window_query
from connectors.salesforce.specs import Extraction
from connectors.streams import Window


@dataclass(frozen=True)
class RestResult:
    """One REST page: its records (whole, joined across chunks), the query's size and state."""

    records: list[Any]
    total: int  # totalSize of the (first chunk's) query
    done: bool
    last: Key | None  # (SystemModstamp, Id) of the page's last record that has both
    torn: tuple[str, ...] = ()  # ids left out: changed between the chunk queries


def rest_results(
    client: SalesforceClient,
    extraction: Extraction,
    chunks: Sequence[Sequence[str]],
    window: Window,
    *,
    after: Key | None,
    context: str,
) -> Iterator[RestResult]:
    """The window's records after `after`, page by page, each page read in every field chunk."""
    x = extraction
    soql = window_query(x.sobject, chunks[0], window, where=x.where, after=after)
    pages = client.query(soql, include_deleted=x.has_is_deleted, context=context)
    with closing(pages):
        previous = after
        for result in pages:
            records = result.get("records") or []
            last = last_key(records)
            torn: tuple[str, ...] = ()
            if len(chunks) > 1 and last is not None:
                parts = [
                    _read_range(client, x, chunk, window, previous, last, context) for chunk in chunks[1:]
                ]
                records, torn = join_chunks(records, parts)
            yield RestResult(records, result.get("totalSize", 0), result.get("done", True), last, torn)
            previous = last or previous


def _read_range(
    client: SalesforceClient,
    x: Extraction,
    fields: Sequence[str],
    window: Window,
    after: Key | None,
    through: Key,
    context: str,
) -> dict[str, Mapping]:
    """One chunk's records with keys in (after, through], by Id."""
    soql = window_query(x.sobject, fields, window, where=x.where, after=after, through=through)
    found: dict[str, Mapping] = {}
    for result in client.query(soql, include_deleted=x.has_is_deleted, context=context):
        for record in result.get("records") or []:
            if isinstance(record, Mapping) and isinstance(record.get("Id"), str):
                found[record["Id"]] = record
    return found


def join_chunks(
    records: Sequence[Any], parts: Sequence[Mapping[str, Mapping]]
) -> tuple[list[Any], tuple[str, ...]]:
    """The first chunk's records completed with the other chunks' fields, and the ids left out
    because a chunk lacks the record or saw another SystemModstamp. A record without an id stays as
    it is (the mapping rejects it)."""
    whole: list[Any] = []
    torn: list[str] = []
    for record in records:
        record_id = record.get("Id") if isinstance(record, Mapping) else None
        if not isinstance(record_id, str) or not record_id:
            whole.append(record)
            continue
        stamp = record.get(CURSOR_FIELD)
        found = [part.get(record_id) for part in parts]
        if any(other is None or other.get(CURSOR_FIELD) != stamp for other in found):
            torn.append(record_id)
            continue
        joined = dict(record)
        for other in found:
            joined.update(other)
        whole.append(joined)
    return whole, tuple(torn)


def parse_stamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return pc.cast(pa.array([value]), pa.timestamp("us", tz="UTC"))[0].as_py()
    except (pa.ArrowException, ValueError):
        return None


def last_key(records: Sequence[Any]) -> Key | None:
    """(SystemModstamp, Id) of the last record that has both: where the window resumes."""
    for record in reversed(records):
        if isinstance(record, Mapping) and isinstance(record.get("Id"), str) and record["Id"]:
            stamp = parse_stamp(record.get(CURSOR_FIELD))
            if stamp is not None:
                return stamp, record["Id"]
    return None

"""One stream per Salesforce object: a window in, pages of typed rows out.

`pages(Window(start, end))` reads exactly the records with start <= SystemModstamp < end, in
ascending (SystemModstamp, Id), through queryAll for objects with IsDeleted (deleted and archived
rows included) and query for the others:

1. The first REST page (2,000 records) comes first and tells the window's size.
2. Up to `SyncSettings.bulk_threshold` records the window continues over REST; beyond it the rest of
   the window (after the last row handed out) is one Bulk API 2.0 job: fewer calls, 50,000 records a
   results page, re-sliced into pages of at most `page_rows`.
3. When the Bulk job fails, the window resumes over REST after the last row handed out.

While the caller works on a page, a worker thread already fetches and parses the next one (one
page ahead, so memory stays bounded by the page size). Each page carries the API calls spent on it
(the first also the login, limits and describe calls).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, suppress
from datetime import UTC, datetime
from typing import Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from connectors.salesforce.client import BulkPage, SalesforceClient
from connectors.salesforce.errors import BulkJobError, RequestError, RetriesExhausted
from connectors.salesforce.mapping import Field, Mapped, RawRenderer, map_csv, map_records, read_bulk_csv
from connectors.salesforce.settings import CURSOR_FIELD
from connectors.salesforce.soql import needs_client_filter, window_query
from connectors.salesforce.specs import EXTRACTIONS, Extraction
from connectors.streams import Page, StreamSpec, Window

log = logging.getLogger(__name__)

Key = tuple[datetime, str]  # (SystemModstamp, Id) of the last row handed out
Bounds = tuple[datetime, datetime | None] | None
T = TypeVar("T")
U = TypeVar("U")


def describe_window(window: Window) -> str:
    def fmt(value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

    return f"[{fmt(window.start)}, {'open' if window.end is None else fmt(window.end)})"


class SalesforceStream:
    """Extraction of one Salesforce object (see specs.EXTRACTIONS); implements connectors.streams.Stream."""

    cursor_field = CURSOR_FIELD
    primary_key = ("Id",)

    def __init__(self, client: SalesforceClient, extraction: Extraction) -> None:
        self.client = client
        self.extraction = extraction
        self.name = extraction.stream_name
        self.specs: tuple[StreamSpec, ...] = (extraction.spec,)

    def __repr__(self) -> str:
        return f"SalesforceStream({self.name!r})"

    @property
    def spec(self) -> StreamSpec:
        return self.extraction.spec

    def pages(self, window: Window) -> Iterator[Page]:
        x = self.extraction
        context = f"salesforce {x.sobject}, window {describe_window(window)}"
        fields = self.client.describe(x.sobject, context=context)
        names = [f.name for f in fields]
        missing = [c.name for c in self.spec.columns if c.name not in names]
        if missing:  # removed, renamed or hidden from the integration user: the columns land NULL
            log.warning("%s: describe lists no %s; those columns stay NULL", context, ", ".join(missing))
        bounds = (window.start, window.end) if needs_client_filter(window) else None

        def soql(after: Key | None) -> str:
            return window_query(x.sobject, names, window, where=x.where, after=after)

        rest = self.client.query(soql(None), include_deleted=x.has_is_deleted, context=context)
        with closing(rest):
            first = next(rest)
            last = _last_key(first.get("records") or [])
            yield self._page(self._map_rest(first, bounds))
            if first.get("done", True):
                return
            if first.get("totalSize", 0) <= self.client.settings.bulk_threshold:
                yield from self._rest_pages(rest, bounds)
                return
        # A large window: the rest in one Bulk API 2.0 job, or over REST again if the job fails.
        try:
            for mapped, key in self._bulk(soql(last), fields, bounds, context):
                last = key or last
                yield self._page(mapped)
            return
        except (RequestError, RetriesExhausted) as exc:  # BulkJobError is a RequestError
            log.warning("%s: Bulk API 2.0 failed (%s); reading the rest over REST", context, exc)
        rest = self.client.query(soql(last), include_deleted=x.has_is_deleted, context=context)
        with closing(rest):
            yield from self._rest_pages(rest, bounds)

    def _rest_pages(self, rest: Iterator[dict[str, Any]], bounds: Bounds) -> Iterator[Page]:
        # Closed before `rest` is, so that no worker is still reading it.
        with closing(_ahead(self.client, rest, lambda result: self._map_rest(result, bounds))) as ahead:
            for mapped in ahead:
                yield self._page(mapped)

    def _map_rest(self, result: dict[str, Any], bounds: Bounds) -> Mapped:
        records = result.get("records") or []
        return map_records(self.spec, records, has_is_deleted=self.extraction.has_is_deleted, window=bounds)

    def _bulk(
        self, soql: str, fields: tuple[Field, ...], bounds: Bounds, context: str
    ) -> Iterator[tuple[Mapped, Key | None]]:
        x = self.extraction
        settings = self.client.settings

        def parse(page: BulkPage) -> tuple[pa.Table, pa.Array]:
            try:
                table = read_bulk_csv(page.csv)
            except pa.ArrowException as exc:
                raise BulkJobError(f"unreadable Bulk API 2.0 CSV page: {exc}", context=context) from None
            raw = renderer.render(table, fields, sobject=x.sobject, api_version=settings.api_version)
            return table, raw

        pages = self.client.bulk_query(soql, include_deleted=x.has_is_deleted, context=context)
        with (
            closing(RawRenderer()) as renderer,
            closing(pages),
            closing(_ahead(self.client, pages, parse)) as ahead,  # closed first: no worker left behind
        ):
            for table, raw in ahead:
                if table.num_rows == 0:
                    yield map_csv(self.spec, table, raw, has_is_deleted=x.has_is_deleted), None
                for offset in range(0, table.num_rows, settings.page_rows):
                    part = table.slice(offset, settings.page_rows)
                    mapped = map_csv(
                        self.spec,
                        part,
                        raw.slice(offset, settings.page_rows),
                        has_is_deleted=x.has_is_deleted,
                        window=bounds,
                    )
                    yield mapped, _last_csv_key(part)

    def _page(self, mapped: Mapped) -> Page:
        return Page(
            spec=self.spec,
            rows=mapped.rows,
            rejects=mapped.rejects,
            api_calls=self.client.take_api_calls(),
        )


def _ahead(client: SalesforceClient, source: Iterator[T], work: Callable[[T], U]) -> Iterator[U]:
    """`work(item)` for each item of `source`, computed one item ahead in a worker thread while the
    caller handles the previous one. The API calls the worker makes are credited when its item is
    handed over (or its error raised), so each page carries its own calls."""

    def step() -> tuple[bool, Any, int]:
        with client.deferred_calls() as calls:
            try:
                outcome: tuple[bool, Any] = (True, work(next(source)))
            except StopIteration:
                outcome = (True, _DONE)
            except BaseException as exc:  # handed to the caller's thread
                outcome = (False, exc)
        return (*outcome, calls[0])

    def result(future: Future) -> Any:
        ok, value, calls = future.result()
        client.credit_api_calls(calls)
        if not ok:
            raise value
        return value

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="salesforce-ahead") as pool:
        future: Future | None = pool.submit(step)
        try:
            while future is not None:
                done, future = future, None  # settled once, whatever it holds
                value = result(done)
                if value is _DONE:
                    return
                future = pool.submit(step)
                yield value
        finally:
            if future is not None:  # the caller stopped early: settle the fetch in flight (its calls count)
                with suppress(Exception):
                    result(future)


_DONE = object()


def _parse_stamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return pc.cast(pa.array([value]), pa.timestamp("us", tz="UTC"))[0].as_py()
    except (pa.ArrowException, ValueError):
        return None


def _last_key(records: list) -> Key | None:
    """(SystemModstamp, Id) of the last record that has both: where the window resumes."""
    for record in reversed(records):
        if isinstance(record, dict) and isinstance(record.get("Id"), str) and record["Id"]:
            stamp = _parse_stamp(record.get(CURSOR_FIELD))
            if stamp is not None:
                return stamp, record["Id"]
    return None


def _last_csv_key(table: pa.Table) -> Key | None:
    if "Id" not in table.column_names or CURSOR_FIELD not in table.column_names:
        return None
    ids = table.column("Id")
    stamps = table.column(CURSOR_FIELD)
    for i in range(table.num_rows - 1, -1, -1):
        record_id = ids[i].as_py()
        if record_id:
            stamp = _parse_stamp(stamps[i].as_py())
            if stamp is not None:
                return stamp, record_id
    return None


def streams(client: SalesforceClient) -> tuple[SalesforceStream, ...]:
    """Every Salesforce stream, reading through `client`."""
    return tuple(SalesforceStream(client, extraction) for extraction in EXTRACTIONS)


def stream(client: SalesforceClient, name: str) -> SalesforceStream:
    """One stream by name: 'salesforce.task' or 'task'."""
    for extraction in EXTRACTIONS:
        if name in (extraction.stream_name, extraction.spec.name):
            return SalesforceStream(client, extraction)
    known = ", ".join(e.stream_name for e in EXTRACTIONS)
    raise KeyError(f"no Salesforce stream {name!r}; the streams are {known}")

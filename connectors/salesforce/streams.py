"""One stream per Salesforce object: a window in, pages of typed rows out.

`pages(Window(start, end))` reads exactly the records with start <= SystemModstamp < end, in
ascending (SystemModstamp, Id), through queryAll for objects with IsDeleted (deleted and archived
rows included) and query for the others:

1. The first REST page (2,000 records) comes first and tells the window's size.
2. Up to `SyncSettings.bulk_threshold` records the window continues over REST; beyond it the rest of
   the window (after the last row handed out) is one Bulk API 2.0 job: fewer calls, 50,000 records a
   results page, re-sliced into pages of at most `page_rows` (fewer for a wide object:
   `SyncSettings.max_page_values` caps records x fields per results page and per page).
3. When the Bulk job fails, the window resumes over REST after the last row handed out.

A wide object (hundreds of custom fields) does not fit in one REST query URI: over REST each page is
read in field chunks joined on Id (chunks.py); a record that changed between the chunk queries is
left out of its page and read again by continuing the window after the last key once REST is done
(a Bulk job, whose query travels in the request body, reads every field at once and covers it too).

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

from connectors.salesforce.chunks import RestResult, parse_stamp, rest_results
from connectors.salesforce.client import BulkPage, SalesforceClient
from connectors.salesforce.errors import BulkJobError, RequestError, RetriesExhausted
from connectors.salesforce.mapping import Field, Mapped, RawRenderer, map_csv, map_records, read_bulk_csv
from connectors.salesforce.settings import CURSOR_FIELD
from connectors.salesforce.soql import Key, field_chunks, needs_client_filter, window_query
from connectors.salesforce.specs import EXTRACTIONS, Extraction
from connectors.streams import Page, StreamSpec, Window

log = logging.getLogger(__name__)

Bounds = tuple[datetime, datetime | None] | None
Chunks = tuple[tuple[str, ...], ...]
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
        settings = self.client.settings
        chunks = field_chunks(
            x.sobject,
            names,
            window,
            where=x.where,
            api_version=settings.api_version,
            include_deleted=x.has_is_deleted,
            max_uri_bytes=settings.max_uri_bytes,
        )
        if len(chunks) > 1:
            log.info("%s: %d fields, read over REST in %d field chunks", context, len(names), len(chunks))
        read = _Read(chunks, window, context)

        rest = self._rest(read, after=None)
        with closing(rest):
            first = next(rest)
            read.note(first)
            yield self._page(self._map_rest(first, bounds))
            small = first.done or first.total <= settings.bulk_threshold
            if small and not first.done:
                yield from self._rest_pages(rest, bounds, read)
        if small:
            yield from self._reread_torn(read, bounds)
            return
        # A large window: the rest in one Bulk API 2.0 job (every field in one query, which travels in
        # the request body; it also reads the new versions of records torn so far), or over REST again
        # if the job fails.
        soql = window_query(x.sobject, names, window, where=x.where, after=read.last)
        try:
            for mapped, key in self._bulk(soql, fields, bounds, context):
                read.last = key or read.last
                yield self._page(mapped)
            return
        except (RequestError, RetriesExhausted) as exc:  # BulkJobError is a RequestError
            log.warning("%s: Bulk API 2.0 failed (%s); reading the rest over REST", context, exc)
        read.torn = 0  # the rest of the window, read afresh, holds their new versions
        rest = self._rest(read, after=read.last)
        with closing(rest):
            yield from self._rest_pages(rest, bounds, read)
        yield from self._reread_torn(read, bounds)

    def _rest(self, read: _Read, *, after: Key | None) -> Iterator[RestResult]:
        return rest_results(
            self.client, self.extraction, read.chunks, read.window, after=after, context=read.context
        )

    def _rest_pages(self, rest: Iterator[RestResult], bounds: Bounds, read: _Read) -> Iterator[Page]:

        def work(result: RestResult) -> tuple[RestResult, Mapped]:
            return result, self._map_rest(result, bounds)

        # Closed before `rest` is, so that no worker is still reading it.
        with closing(_ahead(self.client, rest, work)) as ahead:
            for result, mapped in ahead:
                read.note(result)
                yield self._page(mapped)

    def _reread_torn(self, read: _Read, bounds: Bounds) -> Iterator[Page]:
        """Records left out because they changed between chunk queries have new versions after the
        last key read: continue the window from there until a pass tears nothing."""
        passes = 0
        while read.torn:
            passes += 1
            if passes > self.client.settings.max_attempts:
                raise RequestError(
                    f"{read.torn} records changed again between the field chunks of every read "
                    f"({passes - 1} passes): something keeps rewriting them. Re-run the window later, "
                    "or raise SyncSettings.max_attempts",
                    context=read.context,
                )
            log.info(
                "%s: %d records changed while read in field chunks; reading them again",
                read.context,
                read.torn,
            )
            read.torn = 0
            rest = self._rest(read, after=read.last)
            with closing(rest):
                yield from self._rest_pages(rest, bounds, read)

    def _map_rest(self, result: RestResult, bounds: Bounds) -> Mapped:
        return map_records(
            self.spec, result.records, has_is_deleted=self.extraction.has_is_deleted, window=bounds
        )

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

        per_request = settings.rows_for(len(fields), settings.bulk_max_records)
        per_page = settings.rows_for(len(fields), settings.page_rows)
        pages = self.client.bulk_query(
            soql, include_deleted=x.has_is_deleted, context=context, max_records=per_request
        )
        with (
            closing(RawRenderer()) as renderer,
            closing(pages),
            closing(_ahead(self.client, pages, parse)) as ahead,  # closed first: no worker left behind
        ):
            for table, raw in ahead:
                if table.num_rows == 0:
                    yield map_csv(self.spec, table, raw, has_is_deleted=x.has_is_deleted), None
                for offset in range(0, table.num_rows, per_page):
                    part = table.slice(offset, per_page)
                    mapped = map_csv(
                        self.spec,
                        part,
                        raw.slice(offset, per_page),
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


class _Read:
    """Where a window's read stands: its field chunks, the last key read (handed out or left out)
    and how many records the REST pages so far left out as torn."""

    def __init__(self, chunks: Chunks, window: Window, context: str) -> None:
        self.chunks, self.window, self.context = chunks, window, context
        self.last: Key | None = None
        self.torn = 0

    def note(self, result: RestResult) -> None:
        self.last = result.last or self.last
        self.torn += len(result.torn)


def _last_csv_key(table: pa.Table) -> Key | None:
    if "Id" not in table.column_names or CURSOR_FIELD not in table.column_names:
        return None
    ids = table.column("Id")
    stamps = table.column(CURSOR_FIELD)
    for i in range(table.num_rows - 1, -1, -1):
        record_id = ids[i].as_py()
        if record_id:
            stamp = parse_stamp(stamps[i].as_py())
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

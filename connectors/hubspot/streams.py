"""The HubSpot streams: one per cursor, each yielding Pages of its landing tables.

| stream | tables (specs) | what a run reads |
|---|---|---|
| hubspot.owners | owners | every owner, archived ones included (the window is ignored: the table is small) |
| hubspot.deal_pipelines | deal_pipelines | every deal pipeline's stages (window ignored) |
| hubspot.calls | calls, call_associations | calls modified in the window, calls archived in it |
| hubspot.meetings | meetings, meeting_associations | the same for meetings |
| hubspot.deals | deals, deal_stage_history, deal_associations | the same for deals, with dealstage history |
| hubspot.contacts | contacts, contact_associations | the same for contacts (cursor: lastmodifieddate) |
| hubspot.emails | emails, email_associations | the same for e-mails |
| hubspot.tasks | tasks, task_associations | the same for tasks |

A CRM-object stream first lists the archived records (HubSpot never bumps hs_lastmodifieddate on
archive) and yields those archived within the window as `_is_deleted` rows dated by archivedAt,
then the records modified within the window in ascending modification time (keyset search, see
`paging`). Every page of records is followed by its child pages (stage history, associations;
`parent_ids` = the page's records whose children
were read), fetched by a worker thread while the next page of records is read, and all fetched
before the parent page is yielded: a parent never goes out without its children. A page holds up to
PAGE_ROWS records (one associations call per target type covers it); `api_calls` counts every HTTP
request spent on a page, retries included (the run's property list is counted on its first page; an
empty window still yields one empty page carrying the calls it cost).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any

from connectors.hubspot import settings, specs
from connectors.hubspot.client import HubSpotClient, create_client
from connectors.hubspot.config import HubSpotConfig
from connectors.hubspot.errors import HubSpotError
from connectors.hubspot.mapping import (
    MappingError,
    epoch_ms,
    map_associations,
    map_crm_record,
    map_history,
    map_owner,
    map_pipeline,
    modified_at,
    parse_bigint,
    raw_json,
    to_table,
)
from connectors.hubspot.paging import search_window
from connectors.hubspot.settings import CrmObject
from connectors.streams import Page, Reject, StreamSpec, Window

log = logging.getLogger("connectors.hubspot")

JSON = dict[str, Any]
_NO_ASSOCIATIONS = "NO_ASSOCIATIONS_FOUND"


class _Meter:
    """API calls spent since the last take(), read off a running request count."""

    def __init__(self, total: Callable[[], int]) -> None:
        self._total = total
        self._taken = total()

    def take(self) -> int:
        now = self._total()
        spent, self._taken = now - self._taken, now
        return spent


class _Stream:
    name: str
    specs: tuple[StreamSpec, ...]

    def __init__(self, config: HubSpotConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, base_url={self.config.base_url!r})"

    def pages(self, window: Window) -> Iterator[Page]:
        try:
            with create_client(self.config) as client:
                # the pages' own requests: every one but those the child-page worker counts itself
                meter = _Meter(lambda: client.requests_outside_counting)
                yield from self._pages(client, meter, window)
        except HubSpotError as error:
            if error.window is None:
                error.window = (window.start, window.end)
            raise

    def _pages(self, client: HubSpotClient, meter: _Meter, window: Window) -> Iterator[Page]:
        raise NotImplementedError


class OwnersStream(_Stream):
    """Every owner, active and archived, each run; the window is ignored (owners are few)."""

    name = "hubspot.owners"
    specs = specs.CATALOG[name]
    primary_key = ("id",)

    def _pages(self, client: HubSpotClient, meter: _Meter, window: Window) -> Iterator[Page]:
        for archived in (False, True):
            after = None
            while True:
                body = client.owners_page(archived=archived, after=after)
                yield _page(specs.OWNERS, [map_owner(r) for r in body.get("results") or ()], meter.take())
                after = _next_after(body)
                if after is None:
                    break


class DealPipelinesStream(_Stream):
    """Every deal pipeline's stages, each run; the window is ignored."""

    name = "hubspot.deal_pipelines"
    specs = specs.CATALOG[name]
    primary_key = ("pipeline_id", "stage_id")

    def _pages(self, client: HubSpotClient, meter: _Meter, window: Window) -> Iterator[Page]:
        body = client.deal_pipelines()
        mapped = [row for pipeline in body.get("results") or () for row in map_pipeline(pipeline)]
        yield _page(specs.DEAL_PIPELINES, mapped, meter.take())


class CrmObjectStream(_Stream):
    """One CRM object's records modified (or archived) within a window, with their child tables."""

    def __init__(self, obj: CrmObject, config: HubSpotConfig) -> None:
        super().__init__(config)
        self.obj = obj
        self.name = f"hubspot.{obj.object_type}"
        self.cursor_field = obj.modified_property
        self.primary_key = ("id",)
        # the object's table, its dealstage history (deals only), its associations
        self.specs = specs.CATALOG[self.name]
        self.spec = self.specs[0]
        self.history_spec = specs.DEAL_STAGE_HISTORY if obj.history_property else None
        self.associations_spec = self.specs[-1]

    def _pages(self, client: HubSpotClient, meter: _Meter, window: Window) -> Iterator[Page]:
        """Pages of records; each page's children are fetched by a worker thread while this one reads
        the next page (two requests in flight at most), and yielded right after their parent."""
        totals = [0, 0, 0]  # records, rejects, API calls
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{self.name}.children")
        try:
            in_flight: tuple[Page, Future[list[Page]]] | None = None
            for records, histories in self._batches(client, window):
                parent, ids = self._parent_page(records, meter)
                children = pool.submit(self._child_pages, client, ids, histories)
                if in_flight is not None:
                    yield from _settle(*in_flight, totals)
                in_flight = parent, children
            if in_flight is not None:
                yield from _settle(*in_flight, totals)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        leftover = meter.take()
        if leftover:  # requests not attributed to a page yet (e.g. an empty window): report them
            totals[2] += leftover
            yield Page(self.spec, self.spec.schema.empty_table(), api_calls=leftover)
        log.info(
            "%s [%s, %s): %d records, %d rejects, %d API calls",
            self.name,
            window.start.isoformat(),
            window.end.isoformat() if window.end else "open",
            *totals,
        )

    def _batches(
        self, client: HubSpotClient, window: Window
    ) -> Iterator[tuple[list[JSON], dict[str, list[Any]] | None]]:
        """(records, stage histories if already read) a page at a time: first the records
        archived within the window, then those modified within it, in ascending modification time."""
        obj = self.obj
        properties = client.property_names(object_type=obj.object_type)
        missing = [p.name for p in obj.properties if p.name not in properties]
        if missing:  # removed or renamed in the portal: the columns land NULL
            log.warning(
                "%s: the portal has no property %s; those columns stay NULL", self.name, ", ".join(missing)
            )
        if obj.modified_property not in properties:
            properties.append(obj.modified_property)
        for listed in _chunks(self._archived_in(client, window), settings.PAGE_ROWS):
            records, histories = self._read_archived(client, listed, properties)
            yield records, histories
        found = search_window(
            lambda body: client.search(object_type=obj.object_type, body=body),
            modified_property=obj.modified_property,
            properties=properties,
            start_ms=epoch_ms(window.start),
            end_ms=None if window.end is None else epoch_ms(window.end),
        )
        for records in _chunks(found, settings.PAGE_ROWS):
            yield records, None

    # -- archived records --------------------------------------------------------------------------

    def _archived_in(self, client: HubSpotClient, window: Window) -> Iterator[JSON]:
        """Archived records (list shape, default properties) whose archiving time is in the window."""
        after = None
        while True:
            body = client.list_page(object_type=self.obj.object_type, archived=True, after=after)
            for record in body.get("results") or ():
                try:
                    moment = modified_at(record, self.obj) if isinstance(record, dict) else None
                except MappingError:
                    moment = None  # mapping rejects it, with the reason
                if moment is None or (window.start <= moment and (window.end is None or moment < window.end)):
                    yield record
            after = _next_after(body)
            if after is None:
                return

    def _read_archived(
        self, client: HubSpotClient, listed: list[JSON], properties: list[str]
    ) -> tuple[list[JSON], dict[str, list[Any]] | None]:
        """The listed records with every property (batch read, archived=true), and for deals their
        stage history from the same calls. A record the batch read no longer finds keeps its listing."""
        history = self.obj.history_property
        size = settings.HISTORY_BATCH_SIZE if history else settings.BATCH_READ_SIZE
        full: dict[str, JSON] = {}
        listed_ids = [str(r.get("id")) if isinstance(r, dict) else None for r in listed]
        for chunk in _chunks(dict.fromkeys(i for i in listed_ids if i is not None), size):
            body = client.batch_read(
                object_type=self.obj.object_type,
                ids=chunk,
                properties=properties,
                properties_with_history=[history] if history else (),
                archived=True,
            )
            for result in body.get("results") or ():
                full[str(result.get("id"))] = result
        histories: dict[str, list[Any]] | None = None
        if history:
            histories = {}
            for record_id, result in full.items():
                with_history = result.pop("propertiesWithHistory", None) or {}
                histories[record_id] = with_history.get(history) or []
        records = [full.get(i, r) if i is not None else r for r, i in zip(listed, listed_ids, strict=True)]
        return records, histories

    # -- one page and its children -----------------------------------------------------------------

    def _parent_page(self, records: list[JSON], meter: _Meter) -> tuple[Page, list[str]]:
        """The page of `records` and the ids whose children to read. A record read twice (modified
        while the window was read, or sent twice) stays twice: the merge keeps the newest version and
        the run counts both, so fetched is what the API returned."""
        rows: list[tuple] = []
        rejects: list[Reject] = []
        ids: dict[str, None] = {}  # every parseable id, rejected records' too: their children still load
        for record in records:
            mapped = map_crm_record(record, self.obj)
            if isinstance(mapped, Reject):
                rejects.append(mapped)
                record_id = _record_id(record)
                if record_id is not None:
                    ids[str(record_id)] = None
            else:
                rows.append(mapped)
                ids[str(mapped[0])] = None
        page = Page(self.spec, to_table(self.spec, rows), rejects, api_calls=meter.take())
        return page, list(ids)

    def _child_pages(
        self, client: HubSpotClient, ids: list[str], histories: dict[str, list[Any]] | None
    ) -> list[Page]:
        """The child pages of one page of records (runs in the worker thread)."""
        with client.counting() as count:
            meter = _Meter(lambda: count.value)
            pages = []
            if self.history_spec is not None:
                pages.append(self._history_page(client, meter, ids, histories))
            pages.append(self._associations_page(client, meter, ids))
            return pages

    def _history_page(
        self,
        client: HubSpotClient,
        meter: _Meter,
        ids: list[str],
        histories: dict[str, list[Any]] | None,
    ) -> Page:
        prop, spec = self.obj.history_property, self.history_spec
        if prop is None or spec is None:
            raise TypeError(f"{self.name} has no history property")
        if histories is None:
            histories = {}
            for chunk in _chunks(ids, settings.HISTORY_BATCH_SIZE):
                body = client.batch_read(
                    object_type=self.obj.object_type, ids=chunk, properties=[], properties_with_history=[prop]
                )
                for result in body.get("results") or ():
                    with_history = result.get("propertiesWithHistory") or {}
                    histories[str(result.get("id"))] = with_history.get(prop) or []
        rows: list[tuple] = []
        rejects: list[Reject] = []
        parents = [i for i in ids if i in histories]
        if len(parents) < len(ids):
            log.warning(
                "%s: no %s history returned for %d of %d records (archived or deleted meanwhile?); their "
                "stored history is left as it was",
                self.name,
                prop,
                len(ids) - len(parents),
                len(ids),
            )
        for record_id in parents:
            found, bad = map_history(int(record_id), histories[record_id], prop)
            rows += found
            rejects += bad
        return Page(spec, to_table(spec, rows), rejects, api_calls=meter.take(), parent_ids=parents)

    def _associations_page(self, client: HubSpotClient, meter: _Meter, ids: list[str]) -> Page:
        rows: dict[tuple, None] = {}  # ordered set: one row per association, however often listed
        rejects: list[Reject] = []
        failed: set[str] = set()
        for to_type in self.obj.associations:
            pending: list[JSON] = [{"id": i} for i in ids]
            while pending:
                batch = pending[: settings.ASSOCIATIONS_BATCH_SIZE]
                pending = pending[settings.ASSOCIATIONS_BATCH_SIZE :]
                body = client.associations(from_type=self.obj.object_type, to_type=to_type, inputs=batch)
                for result in body.get("results") or ():
                    from_id = str((result.get("from") or {}).get("id"))
                    parent = int(from_id) if from_id.isascii() and from_id.isdigit() else None
                    if parent is None:
                        reason = f"association result without a valid from id: {from_id!r}"
                        rejects.append(Reject(from_id, reason, raw_json(result)))
                        continue
                    found, bad = map_associations(parent, to_type, result.get("to") or ())
                    rows.update(dict.fromkeys(found))
                    rejects += bad
                    after = _next_after(result)
                    if after is not None:
                        pending.append({"id": from_id, "after": after})
                failed |= self._association_errors(body, batch, to_type)
        parents = [i for i in ids if i not in failed]
        keep = set(parents)
        table = to_table(self.associations_spec, [r for r in rows if str(r[0]) in keep])
        return Page(self.associations_spec, table, rejects, api_calls=meter.take(), parent_ids=parents)

    def _association_errors(self, body: JSON, batch: list[JSON], to_type: str) -> set[str]:
        """Ids whose associations could not be read (other than 'none found'): not replaced this run."""
        failed: set[str] = set()
        for error in body.get("errors") or ():
            if _NO_ASSOCIATIONS in str(error.get("subCategory") or ""):
                continue
            context = error.get("context") or {}
            ids = [str(i) for i in context.get("fromObjectId") or context.get("ids") or ()]
            failed |= set(ids) if ids else {str(item["id"]) for item in batch}
            log.warning(
                "%s: associations to %s not read for %s (%s: %s); their stored associations are kept",
                self.name,
                to_type,
                ", ".join(ids) or "a whole batch",
                error.get("category"),
                error.get("message"),
            )
        return failed


def streams(config: HubSpotConfig) -> tuple[OwnersStream | DealPipelinesStream | CrmObjectStream, ...]:
    """Every HubSpot stream, reading with `config` (see `config_from_env`)."""
    return (
        OwnersStream(config),
        DealPipelinesStream(config),
        *(CrmObjectStream(obj, config) for obj in settings.CRM_OBJECTS),
    )


# -- helpers -----------------------------------------------------------------------------------


def _settle(parent: Page, children: Future[list[Page]], totals: list[int]) -> Iterator[Page]:
    """A page of records and then its child pages, once the worker has them."""
    pages = [parent, *children.result()]
    totals[0] += parent.fetched
    totals[1] += len(parent.rejects)
    totals[2] += sum(p.api_calls for p in pages)
    yield from pages


def _page(spec: StreamSpec, mapped: Sequence[Any], api_calls: int, **kwargs: Any) -> Page:
    rows = [m for m in mapped if not isinstance(m, Reject)]
    rejects = [m for m in mapped if isinstance(m, Reject)]
    return Page(spec, to_table(spec, rows), rejects, api_calls=api_calls, **kwargs)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _record_id(record: Any) -> int | None:
    try:
        return parse_bigint(record.get("id"), "id") if isinstance(record, dict) else None
    except MappingError:
        return None


def _next_after(body: JSON) -> str | None:
    after = ((body.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None

"""Run one stream over one window into the warehouse, page by page, with a record of the run.

Each page is committed as it arrives (models.loader.merge_page), so a failed run keeps what it loaded
and the next incremental run resumes from the saved cursor. A stream with child tables saves each
page's high watermark one page later (with the next page carrying one, or when the run succeeds): its
child pages come after it, and the cursor must not pass records whose children are not stored yet.
Re-fetching that one page after a crash is harmless, the merge being idempotent.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from connectors.streams import Stream, Window
from models.engine import duckdb_connection
from models.loader import MergeResult, advance_cursor, merge_page
from models.raw import ensure_tables, qualified, sync_runs, sync_state, table_columns


class ReconciliationError(RuntimeError):
    """A run's counts do not add up (fetched != loaded + rejected)."""


@dataclass(frozen=True)
class RunReport:
    stream: str
    run_id: str
    window: Window
    fetched: int
    loaded: int
    rejected: int
    api_calls: int
    cursor_at: datetime | None  # the stream's cursor after the run
    tables: dict[str, MergeResult] = field(default_factory=dict)  # per landing table
    seconds: float = 0.0


def saved_cursor(engine: sa.Engine, stream_name: str) -> datetime | None:
    """The stream's saved cursor, or None before its first page with a high watermark."""
    with engine.connect() as conn:
        if not table_columns(conn, sync_state.schema, sync_state.name):
            return None
        return _cursor(conn, stream_name)


def run_stream(
    engine: sa.Engine,
    stream: Stream,
    window: Window | None = None,
    *,
    overlap: timedelta = timedelta(minutes=5),
    initial_start: datetime = datetime(2000, 1, 1, tzinfo=UTC),
    run_id: str | None = None,
) -> RunReport:
    """Load `stream` over `window`; None = incremental, from the saved cursor minus `overlap` (or from
    `initial_start` on the first sync) up to now. Records the run in raw_meta.sync_runs; on failure marks
    it failed, keeps the pages already committed, and re-raises."""
    started = time.perf_counter()
    ensure_tables(engine, stream.specs)
    if window is None:
        cursor = saved_cursor(engine, stream.name)
        window = Window(start=cursor - overlap if cursor is not None else initial_start)
    run_id = run_id or uuid.uuid4().hex
    with engine.begin() as conn:
        _close_abandoned_runs(conn, stream.name)
        conn.execute(
            sync_runs.insert().values(
                run_id=run_id,
                stream=stream.name,
                window_start=window.start,
                window_end=window.end,
                started_at=datetime.now(UTC),
                status="running",
            )
        )
    fetched = api_calls = 0
    tables: dict[str, MergeResult] = {}
    has_children = any(spec.replace_key is not None for spec in stream.specs)
    pending: datetime | None = None  # a high watermark waiting for its page's children
    pages = None
    try:
        pages = stream.pages(window)
        with engine.connect() as conn:
            for page in pages:
                if page.spec not in stream.specs:
                    raise ValueError(
                        f"stream {stream.name} yielded a page for {page.spec.table_name}, which is not "
                        "among its specs; add the spec to the stream's `specs`"
                    )
                if has_children and page.high_watermark is not None:
                    watermark, page = page.high_watermark, replace(page, high_watermark=pending)
                    pending = _later(pending, watermark)
                result = merge_page(conn, page, run_id=run_id, stream_name=stream.name)
                fetched += page.fetched
                api_calls += page.api_calls
                name = page.spec.table_name
                tables[name] = tables.get(name, MergeResult()) + result
        total = sum(tables.values(), MergeResult())
        if fetched != total.loaded + total.rejected:
            raise ReconciliationError(
                f"stream {stream.name}, run {run_id}: fetched {fetched} records but loaded {total.loaded} "
                f"and rejected {total.rejected}; a loader bug: the run's counts must reconcile"
            )
        with engine.begin() as conn:
            if pending is not None:
                advance_cursor(duckdb_connection(conn), stream.name, pending)
            cursor_at = _cursor(conn, stream.name)
            _finish(conn, run_id, "succeeded", fetched, total, api_calls, cursor_at)
            if window.end is not None:
                _advance_last_window_end(conn, stream.name, window.end)
    except BaseException as exc:
        _record_failure(engine, exc, run_id, stream.name, fetched, tables, api_calls)
        raise
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()  # let a generator release its HTTP session now, not at garbage collection
    return RunReport(
        stream=stream.name,
        run_id=run_id,
        window=window,
        fetched=fetched,
        loaded=total.loaded,
        rejected=total.rejected,
        api_calls=api_calls,
        cursor_at=cursor_at,
        tables=tables,
        seconds=time.perf_counter() - started,
    )


ABANDONED = "abandoned: the process ended (killed or crashed) before the run finished"


def _close_abandoned_runs(conn: sa.Connection, stream_name: str) -> None:
    """Mark the stream's earlier runs still 'running' as failed. Runs that write a warehouse take
    turns (one writer), so such a run cannot still be alive: its process died mid-run. The pages it
    committed stay; the new run re-reads from the saved cursor."""
    conn.execute(
        sync_runs.update()
        .where(sync_runs.c.stream == stream_name, sync_runs.c.status == "running")
        .values(status="failed", finished_at=datetime.now(UTC), error=ABANDONED)
    )


def _record_failure(
    engine: sa.Engine,
    exc: BaseException,
    run_id: str,
    stream_name: str,
    fetched: int,
    tables: dict[str, MergeResult],
    api_calls: int,
) -> None:
    """Mark the run failed with the counts of the pages it committed. The message is stored as raised:
    connectors guarantee theirs carry no secrets."""
    try:
        with engine.begin() as conn:
            total = sum(tables.values(), MergeResult())
            cursor_at = _cursor(conn, stream_name)
            error = f"{type(exc).__name__}: {exc}"
            _finish(conn, run_id, "failed", fetched, total, api_calls, cursor_at, error=error)
    except Exception as secondary:  # the original error matters more; keep it, note this one
        exc.add_note(f"recording run {run_id} as failed also failed: {type(secondary).__name__}: {secondary}")


def _finish(
    conn: sa.Connection,
    run_id: str,
    status: str,
    fetched: int,
    total: MergeResult,
    api_calls: int,
    cursor_at: datetime | None,
    error: str | None = None,
) -> None:
    conn.execute(
        sync_runs.update()
        .where(sync_runs.c.run_id == run_id)
        .values(
            status=status,
            finished_at=datetime.now(UTC),
            fetched=fetched,
            loaded=total.loaded,
            rejected=total.rejected,
            api_calls=api_calls,
            cursor_at=cursor_at,
            error=error,
        )
    )


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


def _cursor(conn: sa.Connection, stream_name: str) -> datetime | None:
    return conn.execute(sa.select(sync_state.c.cursor_at).where(sync_state.c.stream == stream_name)).scalar()


def _advance_last_window_end(conn: sa.Connection, stream_name: str, window_end: datetime) -> None:
    conn.execute(
        sa.text(
            f"INSERT INTO {qualified(sync_state)} AS s (stream, last_window_end, updated_at) "
            "VALUES (:stream, :end, :now) ON CONFLICT (stream) DO UPDATE SET "
            "last_window_end = greatest(coalesce(s.last_window_end, excluded.last_window_end), "
            "excluded.last_window_end), updated_at = excluded.updated_at"
        ),
        {"stream": stream_name, "end": window_end.astimezone(UTC), "now": datetime.now(UTC)},
    )

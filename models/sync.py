"""Run one stream over one window into the warehouse, page by page, with a record of the run.

raw_meta.sync_runs is the only sync state: one row per run with its window, status and the
fingerprint of what it extracted. What is loaded is the unbroken span of succeeded windows from
HISTORY_START among the runs of the stream's current fingerprint (`loaded_until`): a stream whose
definition changed (a filter, a column) re-reads its history once. `catch_up_window` is the window
from there to now. Each page is committed as it arrives, with its counts added to the run's
row (models.loader.merge_page), so a failed run keeps what it loaded and records what that was; its
window does not count as loaded, so the next catch-up fetches it again (the merge makes that harmless,
and a parent's child rows, read after it, are never skipped).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from connectors.streams import Stream, StreamSpec, Window
from models.loader import MergeResult, merge_page
from models.raw import ensure_tables, spec_fingerprint, sync_runs, table_columns, warehouse_fingerprint

# The start of every history: a window starting here (or earlier) loads from the beginning.
HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)
# How far a catch-up window reaches back before the loaded data's end: records committed at the
# source with a slightly older modification time (shared timestamps, clock skew) are not missed.
OVERLAP = timedelta(minutes=5)


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
    newest_change_at: datetime | None  # the largest source modification time the run loaded
    tables: dict[str, MergeResult] = field(default_factory=dict)  # per landing table
    seconds: float = 0.0


class Declared(Protocol):
    """A stream as its connector declares it (a live Stream, or a catalogue entry without a client)."""

    name: str
    specs: tuple[StreamSpec, ...]


def loaded_until(engine: sa.Engine, stream: Declared | str) -> datetime | None:
    """Where the stream's loaded data stops: the end of the unbroken span of succeeded windows that
    starts at HISTORY_START, among the runs of the stream's current fingerprint; None when no such
    span exists (never synced, only later windows, or the stream's definition changed since).
    A bare stream name counts the runs of every definition (to inspect a warehouse, not to sync)."""
    name = stream if isinstance(stream, str) else stream.name
    with engine.connect() as conn:
        columns = {c.name for c in table_columns(conn, sync_runs.schema, sync_runs.name)}
        if not columns:
            return None
        where = [sync_runs.c.stream == name, sync_runs.c.status == "succeeded"]
        if not isinstance(stream, str):
            current = spec_fingerprint(name, stream.specs)
            # Runs recorded before fingerprints existed count while the tables they filled are as
            # the stream defines them now.
            unchanged = warehouse_fingerprint(conn, name, stream.specs) == current
            if "fingerprint" in columns:
                counted = sync_runs.c.fingerprint == current
                where.append(counted | sync_runs.c.fingerprint.is_(None) if unchanged else counted)
            elif not unchanged:
                return None
        windows = conn.execute(
            sa.select(
                sync_runs.c.window_start, sa.func.coalesce(sync_runs.c.window_end, sync_runs.c.started_at)
            )
            .where(*where)
            .order_by(sync_runs.c.window_start)
        ).all()
    until: datetime | None = None
    for start, end in windows:
        if until is None and start > HISTORY_START:
            return None
        if until is not None and start > until:
            break  # a gap: nothing after it counts until it is filled
        until = end if until is None else max(until, end)
    return until


def catch_up_window(
    engine: sa.Engine, stream: Declared | str, *, overlap: timedelta = OVERLAP, now: datetime | None = None
) -> Window:
    """From where the stream's loaded data stops (minus `overlap`) to `now` (default: the present);
    from HISTORY_START when nothing is loaded yet (see `loaded_until` for a bare name)."""
    end = now or datetime.now(UTC)
    until = loaded_until(engine, stream)
    start = HISTORY_START if until is None else max(HISTORY_START, min(until, end) - overlap)
    return Window(start, end)


def run_stream(engine: sa.Engine, stream: Stream, window: Window, *, run_id: str | None = None) -> RunReport:
    """Load `stream` over `window` (`catch_up_window` for "what is new"). Records the run in
    raw_meta.sync_runs; on failure marks it failed, keeps the pages already committed, and re-raises."""
    started = time.perf_counter()
    ensure_tables(engine, stream.specs, stream=stream.name)
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
                fingerprint=spec_fingerprint(stream.name, stream.specs),
            )
        )
    fetched = api_calls = 0
    tables: dict[str, MergeResult] = {}
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
            newest_change_at = _finish(conn, run_id, "succeeded")
    except BaseException as exc:
        _record_failure(engine, exc, run_id)
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
        newest_change_at=newest_change_at,
        tables=tables,
        seconds=time.perf_counter() - started,
    )


ABANDONED = "abandoned: the process ended (killed or crashed) before the run finished"


def _close_abandoned_runs(conn: sa.Connection, stream_name: str) -> None:
    """Mark the stream's earlier runs still 'running' as failed. Runs that write a warehouse take
    turns (one writer), so such a run cannot still be alive: its process died mid-run. The pages it
    committed stay and its window does not count as loaded, so a catch-up fetches it again."""
    conn.execute(
        sync_runs.update()
        .where(sync_runs.c.stream == stream_name, sync_runs.c.status == "running")
        .values(status="failed", finished_at=datetime.now(UTC), error=ABANDONED)
    )


def _record_failure(engine: sa.Engine, exc: BaseException, run_id: str) -> None:
    """Mark the run failed; its counts are those of the pages it committed (merge_page adds them). The
    message is stored as raised: connectors guarantee theirs carry no secrets."""
    try:
        with engine.begin() as conn:
            _finish(conn, run_id, "failed", error=f"{type(exc).__name__}: {exc}")
    except Exception as secondary:  # the original error matters more; keep it, note this one
        exc.add_note(f"recording run {run_id} as failed also failed: {type(secondary).__name__}: {secondary}")


def _finish(conn: sa.Connection, run_id: str, status: str, error: str | None = None) -> datetime | None:
    """Close the run's record; returns its newest_change_at."""
    return conn.execute(
        sync_runs.update()
        .where(sync_runs.c.run_id == run_id)
        .values(
            status=status,
            finished_at=datetime.now(UTC),
            fetched=sa.func.coalesce(sync_runs.c.fetched, 0),
            loaded=sa.func.coalesce(sync_runs.c.loaded, 0),
            rejected=sa.func.coalesce(sync_runs.c.rejected, 0),
            api_calls=sa.func.coalesce(sync_runs.c.api_calls, 0),
            error=error,
        )
        .returning(sync_runs.c.newest_change_at)
    ).scalar()

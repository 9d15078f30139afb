"""Query results as Salesforce serves them: snapshots that pages are read from, in REST JSON or CSV.

A query's rows are materialised once, already formatted, into a table of the store's `cursors`
schema, so every page of one query (REST `nextRecordsUrl` or Bulk 2.0 locator) reads the same
snapshot however the org changes meanwhile, as Salesforce's query cursors do.
"""

from __future__ import annotations

import io
import itertools
import threading
import time
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.csv as pa_csv

from sandbox.salesforce.ids import sf_id
from sandbox.salesforce.objects import SField
from sandbox.store import Store

# DuckDB strftime: %g = milliseconds.
REST_DATETIME = "%Y-%m-%dT%H:%M:%S.%g+0000"
CSV_DATETIME = "%Y-%m-%dT%H:%M:%S.%gZ"


def projection(fields: list[SField], *, csv: bool) -> str:
    """SELECT list over columns c0..cn that renders each field in Salesforce's wire format."""
    parts = []
    for i, f in enumerate(fields):
        col = f"c{i}"
        if f.type == "datetime":
            expr = f"strftime({col}, '{CSV_DATETIME if csv else REST_DATETIME}')"
        elif f.type == "date":
            expr = f"strftime({col}, '%Y-%m-%d')"
        elif csv and f.type == "boolean":
            expr = f"CASE WHEN {col} THEN 'true' WHEN NOT {col} THEN 'false' END"
        elif csv:
            expr = f"CAST({col} AS VARCHAR)"
        else:
            expr = col
        parts.append(f'{expr} AS "{f.name}"')
    return ", ".join(parts)


def wrap(sql: str, fields: list[SField], *, csv: bool) -> str:
    aliases = ", ".join(f"c{i}" for i in range(len(fields)))
    return f"SELECT {projection(fields, csv=csv)} FROM ({sql}) AS q({aliases})"


@dataclass
class Snapshot:
    id: str
    table: str
    total: int
    fields: list[SField]
    sobject: str
    page_size: int = 2000  # REST cursors keep the batch size of the request that opened them
    created: float = field(default_factory=time.monotonic)


class Snapshots:
    """Materialised query results, dropped after `ttl_seconds` or beyond `max_open` (oldest first)."""

    def __init__(self, store: Store, *, ttl_seconds: float = 900.0, max_open: int = 64) -> None:
        self.store = store
        self.ttl_seconds = ttl_seconds
        self.max_open = max_open
        self._lock = threading.Lock()
        self._open: dict[str, Snapshot] = {}
        self._ids = itertools.count(1)
        with store.write() as cur:
            cur.execute("CREATE SCHEMA IF NOT EXISTS cursors")

    def create(
        self, key_prefix: str, sql: str, params: list, fields: list[SField], sobject: str, *, csv: bool
    ) -> Snapshot:
        """Run the query once and keep its formatted rows; the snapshot's id has `key_prefix`
        (01g for query locators, 750 for Bulk 2.0 jobs)."""
        number = next(self._ids)
        snap_id = sf_id(key_prefix, number)
        table = f"cursors.q{key_prefix}_{number}"
        cur = self.store.cursor()
        cur.execute(f"CREATE TABLE {table} AS {wrap(sql, fields, csv=csv)}", params)
        total = cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        snap = Snapshot(snap_id, table, total, fields, sobject)
        with self._lock:
            self._open[snap_id] = snap
        self._evict()
        return snap

    def get(self, snap_id: str) -> Snapshot | None:
        self._evict()
        with self._lock:
            return self._open.get(snap_id)

    def rows(self, snap: Snapshot, offset: int, limit: int) -> list[tuple]:
        return (
            self.store.cursor()
            .execute(f"SELECT * FROM {snap.table} WHERE rowid >= ? AND rowid < ?", [offset, offset + limit])
            .fetchall()
        )

    def arrow(self, snap: Snapshot, offset: int, limit: int) -> pa.Table:
        query = f"SELECT * FROM {snap.table} WHERE rowid >= ? AND rowid < ?"
        with self.store.fresh_cursor() as cur:
            return cur.sql(query, params=[offset, offset + limit]).to_arrow_table()

    def drop(self, snap_id: str) -> None:
        with self._lock:
            snap = self._open.pop(snap_id, None)
        if snap is not None:
            self.store.cursor().execute(f"DROP TABLE IF EXISTS {snap.table}")

    def _evict(self) -> None:
        now = time.monotonic()
        with self._lock:
            ordered = sorted(self._open.values(), key=lambda s: s.created)
            stale = [s for s in ordered if now - s.created > self.ttl_seconds]
            overflow = ordered[: max(0, len(ordered) - self.max_open)]
            doomed = {s.id: s for s in stale + overflow}
            for snap_id in doomed:
                self._open.pop(snap_id, None)
        for snap in doomed.values():
            self.store.cursor().execute(f"DROP TABLE IF EXISTS {snap.table}")


def csv_bytes(table: pa.Table) -> bytes:
    """Bulk API 2.0 CSV: header row, every non-null value quoted, nulls empty, LF line endings."""
    sink = io.BytesIO()
    options = pa_csv.WriteOptions(include_header=True, quoting_style="all_valid", delimiter=",")
    pa_csv.write_csv(table, sink, write_options=options)
    return sink.getvalue()

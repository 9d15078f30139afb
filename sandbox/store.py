"""The sandbox's data: one DuckDB database holding both CRMs' records, shared by the emulators,
the generator and the mutation API.

Schemas `salesforce` (one table per SObject, columns named as the API names them) and `hubspot`
(one table per object type plus owners, associations, property history and pipeline stages).
Timestamps are naive UTC. Readers take a cursor per thread; writers hold `write_lock`.
`Store(custom_fields=800)` gives Task, Event, Contact and Opportunity that many custom fields
(sandbox.salesforce.custom_fields); `salesforce_objects` is the org's Salesforce schema.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from sandbox.hubspot import objects as hs
from sandbox.salesforce import objects as sf
from sandbox.salesforce.custom_fields import with_custom_fields


class Store:
    def __init__(self, path: str = ":memory:", *, custom_fields: int = 0) -> None:
        self.custom_fields = custom_fields
        self.salesforce_objects: dict[str, sf.SObject] = {
            name: with_custom_fields(obj, custom_fields) for name, obj in sf.SOBJECTS.items()
        }
        self._con = duckdb.connect(path)
        self._con.execute("SET TimeZone = 'UTC'")
        self.write_lock = threading.RLock()
        self._local = threading.local()
        self._con.execute("CREATE SCHEMA IF NOT EXISTS salesforce")
        self._con.execute("CREATE SCHEMA IF NOT EXISTS hubspot")
        for obj in self.salesforce_objects.values():
            self._con.execute(sf.table_ddl(obj))
        for hobj in hs.HOBJECTS.values():
            self._con.execute(hs.table_ddl(hobj))
        for ddl in hs.AUX_DDL:
            self._con.execute(ddl)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection for the calling thread (DuckDB connections are not shared across threads)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            cur.execute("SET TimeZone = 'UTC'")
            self._local.cursor = cur
        return cur

    @contextmanager
    def fresh_cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own, closed after the block (for the relational API, which refuses to
        run on a connection that still holds an unfinished execute() result)."""
        cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction under the write lock; rolled back if the block raises."""
        with self.write_lock:
            cur = self.cursor()
            cur.execute("BEGIN")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def count(self, table: str) -> int:
        return self.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def close(self) -> None:
        self._con.close()

"""Dagster's local SQLite storage with its event-log connections held open, for the runs `barometer`
executes in its own process (pipelines.runs.cli_instance).

Dagster's SQLite event log opens a new engine and connection for every storage call and closes it
after, and commits with a full sync: about 6 ms an event, 4 s of a daily run's 641 events against an
in-memory instance; with the connections held, nothing measurable (docs/benchmarks.md, "Dagster's
fixed overhead"). Here the files and
tables are Dagster's own (the UI, the daemon and `dagster dev` read them as before); only the
connections differ:
- each shard (a run's database, and the index) keeps one engine with a small pool, the latest
  OPEN_SHARDS shards at most, so a long-lived process does not gather open files; the index's tables
  are looked up once;
- `synchronous=NORMAL`, SQLite's setting for WAL mode (which Dagster's databases use): a commit no
  longer waits for the disk, and the database stays consistent after a crash; only a power loss can
  undo the last commits, of run history that a rerun writes again.

It subclasses Dagster's private storage classes (pinned in requirements.lock);
tests/pipelines/test_pipeline_dagster_storage.py fails if an upgrade changes what it overrides.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster._serdes import ConfigurableClassData

OPEN_SHARDS = 4  # the run being written, the index, and a couple a reader may go back and forth between
DAGSTER_SQLITE = ("dagster._core.storage.sqlite_storage", "DagsterSqliteStorage")
# A server storage's pool (Dagster's webserver setting, optimize_for_webserver): one connection held, up
# to POOL_OVERFLOW more for the moments several threads query at once, renewed hourly; no statement
# timeout (0): a run waits for its storage rather than fail.
POOL_OVERFLOW = 4
POOL_RECYCLE_SECONDS = 3600


_POOLED: weakref.WeakSet = weakref.WeakSet()  # each storage is told once: telling again opens a new pool


def pool_connections(storages) -> None:
    """Tell server storages (PostgreSQL) to hold a pool of connections, as Dagster's webserver does;
    out of the box dagster-postgres opens one per storage call (23 ms an event here). Local storages
    ignore it."""
    for storage in storages:
        if storage in _POOLED:
            continue
        storage.optimize_for_webserver(
            statement_timeout=0, pool_recycle=POOL_RECYCLE_SECONDS, max_overflow=POOL_OVERFLOW
        )
        _POOLED.add(storage)


class HeldConnectionsEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose connections stay open between calls (see the module)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        # As Dagster's: one call at a time per storage (its event watcher runs in another thread).
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Whether the index has the table (Dagster asks before writing each asset event's tags: a new
        engine a time in Dagster's). Called while the storage's lock is held, so it takes a second
        pooled connection; a table found stays found (migrations add tables, never drop them)."""
        if table_name in self._tables_found:
            return True
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            found = bool(engine.dialect.has_table(conn, table_name))
        if found:
            self._tables_found.add(table_name)
        return found

    def _engine(self, shard: str) -> sa.Engine:
        with self._engines_lock:
            engine = self._engines.get(shard)
            if engine is not None:
                self._engines.move_to_end(shard)
                return engine
            engine = sa.create_engine(
                self.conn_string_for_shard(shard),
                pool_size=1,
                max_overflow=2,
                # pooled connections move between the threads that take the storage's lock in turn
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            sa.event.listen(engine, "connect", _wal_normal_sync)
            self._engines[shard] = engine
            while len(self._engines) > OPEN_SHARDS:
                _, oldest = self._engines.popitem(last=False)
                oldest.dispose()
            return engine

    def open_shards(self) -> list[str]:
        """The shards whose connections are held, oldest first."""
        with self._engines_lock:
            return list(self._engines)

    def dispose(self) -> None:
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


def _wal_normal_sync(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class HeldConnectionsSqliteStorage(DagsterSqliteStorage):
    """Dagster's default local storage (runs, event logs, schedules under one folder) with the event
    log of HeldConnectionsEventLogStorage."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = HeldConnectionsEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> HeldConnectionsSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)


def held_instance_ref(home: str, config_filename: str) -> InstanceRef:
    """The instance Dagster would load from `home` with `config_filename` (a name in `home`, or an
    absolute path), its default SQLite storage holding its connections (with_held_connections)."""
    return with_held_connections(InstanceRef.from_dir(home, config_filename=config_filename))


def with_held_connections(ref: InstanceRef) -> InstanceRef:
    """`ref` with Dagster's default SQLite storage replaced by HeldConnectionsSqliteStorage on the same
    folder; any other storage (PostgreSQL, a storage of the user's own) as it is."""
    data = ref.storage_data
    if data is None or (data.module_name, data.class_name) != DAGSTER_SQLITE:
        return ref
    held = ConfigurableClassData(__name__, HeldConnectionsSqliteStorage.__name__, data.config_yaml)
    return ref._replace(storage_data=held)

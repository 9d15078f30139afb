"""Dagster's local SQLite storage with its event-log connections held open and its events written by a
thread of their own, for the runs `barometer` executes in its own process (pipelines.runs.cli_instance).

Dagster's SQLite event log opens a new engine and connection for every storage call and closes it
after, and commits with a full sync: about 6 ms an event, 4 s of a daily run's 641 events; storing
them in the run's own thread still cost it about 0.8 ms an event (docs/benchmarks.md, "Dagster's fixed
overhead"). Here the files and tables are Dagster's own (the UI, the daemon and `dagster dev` read them
as before); only how they are written differs:
- each shard (a run's database, and the index) keeps one engine with a small pool, the latest
  OPEN_SHARDS shards at most, so a long-lived process does not gather open files; the index's tables
  and columns are looked up once (SchemaLookedUpOnce);
- `synchronous=NORMAL`, SQLite's setting for WAL mode (which Dagster's databases use): a commit no
  longer waits for the disk, and the database stays consistent after a crash; only a power loss can
  undo the last commits, of run history that a rerun writes again;
- an EventWriter thread stores the events in order, what queued meanwhile in one transaction per
  shard. Every read or write waits until the events queued before it are stored, and so does a run's
  status event (start, success, failure), so a run seen ended has all its events.

It subclasses Dagster's private storage classes (pinned in requirements.lock);
tests/pipelines/test_pipeline_dagster_storage.py fails if an upgrade changes what it overrides.
"""

from __future__ import annotations

import atexit
import queue
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from dagster._core.events import EVENT_TYPE_TO_PIPELINE_RUN_STATUS
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
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
WRITE_BATCH = 256  # events the writer thread stores in one transaction per file, at most


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


class SchemaLookedUpOnce:
    """For a subclass of Dagster's SQL event-log storages: a table, or a column of the asset-keys table,
    once found stays found (Dagster's migrations add them, never drop them). Dagster looks them up for
    every asset event: a table before storing its tags, on a second connection (with PostgreSQL, a new
    one each time: the first is busy), and the asset-keys table's columns by reading the catalog."""

    def has_table(self, table_name: str) -> bool:
        found = self.__dict__.setdefault("_tables_found", set())
        if table_name not in found and super().has_table(table_name):
            found.add(table_name)
        return table_name in found

    def _has_asset_key_col_on_connection(self, conn: sa.Connection, column_name: str) -> bool:
        found = self.__dict__.setdefault("_asset_key_columns_found", set())
        if column_name not in found and super()._has_asset_key_col_on_connection(conn, column_name):
            found.add(column_name)
        return column_name in found


class HeldConnectionsEventLogStorage(SchemaLookedUpOnce, SqliteEventLogStorage):
    """SqliteEventLogStorage whose connections stay open between calls (see the module)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._writer = EventWriter(self._store_batch)
        self._batch: dict[str, sa.Connection] | None = None  # the writer's open transactions
        super().__init__(base_dir, inst_data)

    def store_event(self, event: EventLogEntry) -> None:
        """Queue `event` for the writer thread. A run's status event (start, success, failure…) waits
        until every event before it is stored, so a run seen ended has all its events."""
        self._writer.put(event)
        if event.is_dagster_event and event.dagster_event_type in EVENT_TYPE_TO_PIPELINE_RUN_STATUS:
            self._writer.drain()

    def _store_batch(self, events: Sequence[EventLogEntry]) -> None:
        """The writer thread's: `events` in one transaction per file. If storing one fails before
        anything is committed, they are stored again one by one as Dagster stores them, so that a bad
        event loses only itself; the first error is raised after."""
        committed = False
        try:
            with self._db_lock:
                self._batch = {}
                try:
                    for event in events:
                        super().store_event(event)
                    for conn in self._batch.values():
                        conn.commit()
                        committed = True
                finally:
                    for conn in self._batch.values():
                        conn.close()  # rolls back what was not committed
                    self._batch = None
        except Exception:
            if committed:
                raise
            errors = []
            for event in events:
                try:
                    super().store_event(event)
                except Exception as error:
                    errors.append(error)
            if errors:
                raise errors[0] from None

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        if self._writer.is_current_thread() and self._batch is not None:
            yield self._batch_connection(shard)  # the writer's batch: the lock is held already
            return
        self._writer.drain()  # a caller reads (or writes) what it stored before
        # As Dagster's: one call at a time per storage (its event watcher runs in another thread).
        with self._db_lock, self._engine_for(shard).connect() as conn, conn.begin():
            yield conn

    def _batch_connection(self, shard: str) -> sa.Connection:
        assert self._batch is not None
        conn = self._batch.get(shard)
        if conn is None:
            conn = self._batch[shard] = self._engine_for(shard).connect()
            conn.begin()
        return conn

    def _engine_for(self, shard: str) -> sa.Engine:
        engine = self._engine(shard)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

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
        self._writer.close()
        with self._engines_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
        super().dispose()


class EventWriter:
    """A daemon thread that stores queued events in order, as many as are waiting (up to WRITE_BATCH)
    at a time, so that a run's steps do not wait for its storage. `drain` waits until every queued
    event is stored, and raises what storing one raised (the event is lost, as it would be without the
    thread). Started on the first event; stopped by `close`, or drained at the interpreter's exit. Like
    the held connections, it belongs to the process that made it: Dagster builds an instance anew from
    its ref in each process it starts."""

    def __init__(self, store_batch: Callable[[Sequence[EventLogEntry]], None]):
        self._store_batch = store_batch
        self._queue: queue.Queue[EventLogEntry | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._error: BaseException | None = None

    def put(self, event: EventLogEntry) -> None:
        """Queue `event`, then raise what storing an earlier one raised, if anything did."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="barometer-dagster-event-writer", daemon=True
                )
                self._thread.start()
                atexit.register(self.drain)
        self._queue.put(event)
        self._raise_error()

    def is_current_thread(self) -> bool:
        return self._thread is not None and threading.current_thread() is self._thread

    def drain(self) -> None:
        """Wait until every queued event is stored, then raise what storing one raised, if anything
        did. Nothing in the writer thread itself, which stores them."""
        if self.is_current_thread():
            return
        if self._thread is not None:
            self._queue.join()
        self._raise_error()

    def close(self) -> None:
        thread = self._thread
        if thread is None:
            return
        atexit.unregister(self.drain)
        self._queue.put(None)
        thread.join()  # the thread is still `_thread` while it stores its last batch
        with self._start_lock:
            if self._thread is thread:
                self._thread = None
        self._raise_error()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < WRITE_BATCH and batch[-1] is not None:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            events = [event for event in batch if event is not None]
            try:
                if events:
                    self._store_batch(events)
            except BaseException as error:
                self._error = self._error or error
            finally:
                for _ in batch:
                    self._queue.task_done()
            if batch[-1] is None:
                return

    def _raise_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error


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

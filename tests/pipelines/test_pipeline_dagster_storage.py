"""pipelines.dagster_storage: Dagster's SQLite storage with its connections held and its events
written by a thread of their own, as `barometer` runs use it. Real Dagster runs on real SQLite files:
what they write is what Dagster's own storage reads, with a few connections instead of one per storage
call, a bounded number of files held open, every event stored before a run is seen ended and before
any read, a bad event losing only itself, and other storages left as configured."""

import logging
import re
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.events import DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.instance.ref import InstanceRef

from pipelines.dagster_storage import (
    OPEN_SHARDS,
    WRITE_BATCH,
    EventWriter,
    HeldConnectionsEventLogStorage,
    HeldConnectionsSqliteStorage,
    held_instance_ref,
    with_held_connections,
)

ASSETS = 5


def numbered_assets() -> list[dg.AssetsDefinition]:
    """ASSETS assets, each with one check: a run of them writes about 40 events."""

    def make(n: int) -> dg.AssetsDefinition:
        @dg.asset(name=f"table_{n}", check_specs=[dg.AssetCheckSpec("has_rows", asset=f"table_{n}")])
        def table():
            yield dg.MaterializeResult(metadata={"dagster/row_count": n + 1})
            yield dg.AssetCheckResult(passed=True, metadata={"rows": n + 1})

        return table

    return [make(n) for n in range(ASSETS)]


def held_instance(home: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_ref(held_instance_ref(str(home), "dagster.yaml"))


class EngineEvents:
    """Counts the SQLAlchemy engine events `name` (of any engine) that `matches` accepts, inside the
    block; `matches` gets the event's arguments."""

    def __init__(self, name: str, matches: Callable[..., bool]):
        self.name, self.matches = name, matches

    def __enter__(self):
        self.count = 0
        sa.event.listen(sa.engine.Engine, self.name, self._on_event)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(sa.engine.Engine, self.name, self._on_event)

    def _on_event(self, *args) -> None:
        if self.matches(*args):
            self.count += 1


def event_log_connects(home: Path) -> EngineEvents:
    """New SQLite connections to the event log's files (history/runs/*.db: a run's events, the index);
    the run storage (history/runs.db) is Dagster's own, one connection a call."""
    folder = home / "history" / "runs"

    def in_folder(dbapi_connection, _record) -> bool:
        if not type(dbapi_connection).__module__.startswith("sqlite3"):
            return False  # DuckDB's
        [(_seq, _name, path)] = dbapi_connection.execute("pragma database_list").fetchall()
        return Path(path).parent == folder

    return EngineEvents("connect", in_folder)


def test_runs_on_held_connections_are_what_dagsters_own_storage_reads(tmp_path):
    with held_instance(tmp_path) as instance:
        assert isinstance(instance.event_log_storage, HeldConnectionsEventLogStorage)
        assert instance.event_log_storage.has_table("asset_check_executions")
        with event_log_connects(tmp_path) as connects:
            result = dg.materialize(numbered_assets(), instance=instance)
        assert result.success
        events = instance.get_records_for_run(result.run_id, limit=1_000).records
        assert len(events) > 30
        # a handful of connections for the whole run; Dagster's storage opens one per call (>= events)
        assert 0 < connects.count <= 6, connects.count
        assert set(instance.event_log_storage.open_shards()) >= {result.run_id, "index"}

    # Dagster's own storage, on the same folder, reads everything the run wrote
    with dg.DagsterInstance.from_config(str(tmp_path)) as stock:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        assert stock.get_run_by_id(result.run_id).status == dg.DagsterRunStatus.SUCCESS
        assert len(stock.get_records_for_run(result.run_id, limit=1_000).records) == len(events)
        for n in range(ASSETS):
            key = dg.AssetKey(f"table_{n}")
            [record] = stock.fetch_materializations(key, limit=5).records
            assert record.asset_materialization.metadata["dagster/row_count"].value == n + 1
            check = stock.event_log_storage.get_asset_check_execution_history(
                dg.AssetCheckKey(key, "has_rows"), limit=5
            )
            assert [execution.status.value for execution in check] == ["SUCCEEDED"]


def test_commits_do_not_wait_for_the_disk_in_wal_mode(tmp_path):
    with held_instance(tmp_path) as instance:
        result = dg.materialize(numbered_assets()[:1], instance=instance)
        storage = instance.event_log_storage
        with storage.run_connection(result.run_id) as conn:
            assert conn.exec_driver_sql("pragma journal_mode").scalar_one() == "wal"
            assert conn.exec_driver_sql("pragma synchronous").scalar_one() == 1  # NORMAL


def test_at_most_open_shards_are_held_and_the_oldest_are_closed(tmp_path):
    with held_instance(tmp_path) as instance:
        runs = [
            dg.materialize(numbered_assets()[:1], instance=instance).run_id for _ in range(OPEN_SHARDS + 2)
        ]
        held = instance.event_log_storage.open_shards()
        assert len(held) == OPEN_SHARDS
        assert runs[-1] in held
        assert runs[0] not in held
        # a run whose connection was closed is read again on a new one
        assert instance.get_run_by_id(runs[0]).status == dg.DagsterRunStatus.SUCCESS
        assert instance.get_records_for_run(runs[0], limit=100).records


def test_an_instance_reads_the_runs_of_another_that_holds_its_connections(tmp_path):
    with held_instance(tmp_path) as writer, dg.DagsterInstance.from_config(str(tmp_path)) as reader:
        first = dg.materialize(numbered_assets(), instance=writer)
        assert reader.get_run_by_id(first.run_id).status == dg.DagsterRunStatus.SUCCESS
        second = dg.materialize(numbered_assets(), instance=reader)  # Dagster's storage writes too
        assert writer.get_run_by_id(second.run_id).status == dg.DagsterRunStatus.SUCCESS
        latest = writer.get_latest_materialization_events([dg.AssetKey("table_0")])
        assert latest[dg.AssetKey("table_0")].run_id == second.run_id


@pytest.mark.parametrize(
    "config",
    [
        "storage:\n  postgres:\n    postgres_url: postgresql+psycopg2://u:p@127.0.0.1:1/d\n",
        "event_log_storage:\n  module: dagster._core.storage.event_log\n  class: SqliteEventLogStorage\n"
        "  config:\n    base_dir: {base}\n",
    ],
    ids=["postgres", "a storage set key by key"],
)
def test_any_other_storage_is_left_as_configured(tmp_path, config):
    (tmp_path / "dagster.yaml").write_text(config.format(base=tmp_path / "events"), encoding="utf-8")
    ref = InstanceRef.from_dir(str(tmp_path))
    assert with_held_connections(ref) == ref


def test_the_default_storage_becomes_the_held_one_on_the_same_folder(tmp_path):
    ref = InstanceRef.from_dir(str(tmp_path))
    held = with_held_connections(ref)
    assert held.storage_data.class_name == HeldConnectionsSqliteStorage.__name__
    assert held.storage_data.config_yaml == ref.storage_data.config_yaml
    assert held._replace(storage_data=ref.storage_data) == ref  # nothing else changes


def log_line(run_id: str, n: int) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=logging.INFO,
        user_message=f"line {n}",
        run_id=run_id,
        timestamp=time.time(),
        step_key=None,
        job_name=None,
        dagster_event=None,
    )


@contextmanager
def writer_held_back(storage: HeldConnectionsEventLogStorage):
    """Events stored inside the block queue up: the writer thread waits for the storage's lock (held
    here) before it stores anything."""
    with storage._db_lock:
        yield


def test_a_run_seen_ended_has_every_event_stored(tmp_path):
    with held_instance(tmp_path) as writer, dg.DagsterInstance.from_config(str(tmp_path)) as reader:
        store_batch = writer.event_log_storage._writer._store_batch

        def slow_store_batch(events):  # a writer that lags behind the run
            time.sleep(0.02)
            store_batch(events)

        writer.event_log_storage._writer._store_batch = slow_store_batch
        result = dg.materialize(numbered_assets(), instance=writer)
        # Dagster's own storage reads the run's events before the writing instance reads anything
        stored = reader.get_records_for_run(result.run_id, limit=1_000).records
        assert stored[-1].event_log_entry.dagster_event.event_type == DagsterEventType.RUN_SUCCESS
        assert len(stored) == len(writer.all_logs(result.run_id))


def test_a_read_sees_every_event_stored_before_it_in_order(tmp_path):
    with held_instance(tmp_path) as instance:
        storage = instance.event_log_storage
        for n in range(300):
            storage.store_event(log_line("run-a", n))
        assert [entry.user_message for entry in instance.all_logs("run-a")] == [
            f"line {n}" for n in range(300)
        ]


def commits_to(storage: HeldConnectionsEventLogStorage, shard: str) -> EngineEvents:
    """Commits to the SQLite file of one event-log shard."""
    path = storage.path_for_shard(shard)
    return EngineEvents("commit", lambda conn: conn.engine.url.database == path)


def test_events_queued_meanwhile_are_stored_in_one_transaction(tmp_path):
    with held_instance(tmp_path) as instance:
        storage = instance.event_log_storage
        storage.store_event(log_line("run-a", -1))  # the run's file is created
        instance.all_logs("run-a")
        with commits_to(storage, "run-a") as commits:
            with writer_held_back(storage):
                for n in range(WRITE_BATCH):
                    storage.store_event(log_line("run-a", n))
            assert len(instance.all_logs("run-a")) == WRITE_BATCH + 1
        # the thread took the first event before it waited, and the others as one batch
        assert commits.count <= 2, commits.count


def test_an_event_that_cannot_be_stored_loses_only_itself_and_is_reported(tmp_path):
    with held_instance(tmp_path) as instance:
        storage = instance.event_log_storage
        with writer_held_back(storage):
            for n in range(3):
                storage.store_event(log_line("run-a", n))
            storage.store_event(log_line("no-such-folder/run-b", 0))  # its file cannot be created
            for n in range(3, 6):
                storage.store_event(log_line("run-a", n))
        with pytest.raises(sa.exc.OperationalError, match="unable to open database file"):
            instance.all_logs("run-a")  # the first read after it says what went wrong
        assert [entry.user_message for entry in instance.all_logs("run-a")] == [f"line {n}" for n in range(6)]


def test_the_event_queued_after_a_failed_one_is_stored_and_the_failure_reported():
    stored = []

    def store_batch(events):
        for event in events:
            if event.user_message == "line 0":
                raise ValueError("cannot store line 0")
            stored.append(event.user_message)

    writer = EventWriter(store_batch)
    writer.put(log_line("run-a", 0))
    writer._queue.join()  # the thread is done with it (drain would report the failure)
    with pytest.raises(ValueError, match="cannot store line 0"):
        writer.put(log_line("run-a", 1))  # queued, then the earlier failure raised
    writer.drain()  # reported once
    assert stored == ["line 1"]
    writer.close()


def test_closing_the_instance_stores_what_was_queued_and_ends_the_thread(tmp_path):
    before = set(threading.enumerate())
    with held_instance(tmp_path) as instance:
        storage = instance.event_log_storage
        with writer_held_back(storage):
            for n in range(100):
                storage.store_event(log_line("run-a", n))
        [thread] = [t for t in set(threading.enumerate()) - before if t.name.endswith("event-writer")]
    assert not thread.is_alive()
    with dg.DagsterInstance.from_config(str(tmp_path)) as stock:
        assert len(stock.all_logs("run-a")) == 100


SCHEMA_LOOKUP = re.compile(r"pragma\s+(main\.)?table_x?info|sqlite_master", re.IGNORECASE)


def schema_lookups(path: str) -> EngineEvents:
    """Schema lookups (SQLite's table_info pragmas and sqlite_master) on one SQLite file."""
    return EngineEvents(
        "before_cursor_execute",
        lambda conn, _cursor, statement, *_rest: (
            conn.engine.url.database == path and SCHEMA_LOOKUP.search(statement) is not None
        ),
    )


def test_a_run_does_not_look_up_the_schema_found_before(tmp_path):
    with held_instance(tmp_path) as instance:
        index = instance.event_log_storage.path_for_shard("index")
        dg.materialize(numbered_assets(), instance=instance)  # finds the index's tables and columns
        with schema_lookups(index) as lookups:
            result = dg.materialize(numbered_assets(), instance=instance)
            assert instance.fetch_materializations(dg.AssetKey("table_0"), limit=1).records[0].run_id == (
                result.run_id
            )
        assert lookups.count == 0
    # Dagster's own storage looks a table and the asset-keys table's columns up for each asset event
    with dg.DagsterInstance.from_config(str(tmp_path)) as stock, schema_lookups(index) as lookups:
        dg.materialize(numbered_assets(), instance=stock)
    assert lookups.count >= 2 * ASSETS, lookups.count

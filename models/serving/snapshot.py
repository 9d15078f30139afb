"""The serving database: a DuckDB file BI tools open read-only, replaced whole after each build.

The new file is built beside the published one under a temporary name (attached to the warehouse's
connection, each table copied with its comments), checkpointed and closed, flushed to disk, made
read-only (mode 0444), then renamed over the published name. A rename is atomic: whoever opens the
published path gets the old file or the new one, complete. A reader that has the old file open keeps
reading it (on Linux and macOS the old inode lives until its last reader closes it), and neither side
waits for the other: the publisher never opens the published file, readers never open the new one
before it is complete.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import duckdb

from models.raw import quote
from models.serving.tables import MANIFEST_TABLE, Settings, Table, literal

SNAPSHOT_FILE = "barometer.duckdb"
ALIAS = "barometer_snapshot"  # the new file, attached to the warehouse connection while it is built
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def prepare_staging(target: Path) -> Path:
    """Where the next snapshot is built: beside `target` (same file system, so the rename is atomic).
    Files left there by a publication that was killed half-way are removed (one publisher at a time)."""
    for leftover in target.parent.glob(f".{target.name}.*.next*"):
        leftover.unlink(missing_ok=True)
    return target.with_name(f".{target.name}.{os.getpid()}.next")


def build(
    db: duckdb.DuckDBPyConnection,
    tables: Iterable[Table],
    settings: Settings,
    *,
    path: Path,
    published_at: datetime,
) -> dict[str, int]:
    """Copy `tables` from `db`'s database into a new DuckDB file at `path`, with their comments and
    marts._published, in one transaction; the file stays attached as ALIAS. Returns rows per table."""
    tables = list(tables)
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    db.execute(f"attach {literal(str(path))} as {quote(ALIAS)}")
    db.execute("begin")
    try:
        for schema in dict.fromkeys(table.schema for table in [*tables, MANIFEST_TABLE]):
            db.execute(f"create schema {quote(ALIAS)}.{quote(schema)}")
        rows = {}
        for table in tables:
            target = table.sql_name(ALIAS)
            db.execute(f"create table {target} as from {table.sql_name()}")
            _comment(db, table)
            rows[table.qualified] = db.execute(f"select count(*) from {target}").fetchone()[0]
        _manifest(db, rows, settings, published_at)
        db.execute("commit")
    except BaseException:
        db.execute("rollback")
        raise
    return rows


def detach(db: duckdb.DuckDBPyConnection) -> None:
    """Close the new file: DuckDB checkpoints it on detach, so it needs no .wal beside it."""
    attached = db.execute("select count(*) from duckdb_databases() where database_name = ?", [ALIAS])
    if attached.fetchone()[0]:
        db.execute(f"detach {quote(ALIAS)}")


def discard(staged: Path) -> None:
    """Remove a snapshot that will not be published (detached first)."""
    for path in (staged, staged.with_name(staged.name + ".wal")):
        path.unlink(missing_ok=True)


def install(staged: Path, target: Path) -> None:
    """Make `staged` (closed) read-only and durable, then rename it over `target` atomically."""
    _fsync(staged)
    staged.chmod(READ_ONLY)
    # A .wal beside the published name could only come from someone opening it for writing; it belongs
    # to the old file, and DuckDB would replay it into the new one.
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    os.replace(staged, target)
    fsync_directory(target.parent)


def fsync_directory(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk, where the platform allows it."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync(path: Path) -> None:
    with path.open("rb") as file:
        os.fsync(file.fileno())


def _comment(db: duckdb.DuckDBPyConnection, table: Table) -> None:
    target = table.sql_name(ALIAS)
    if table.comment:
        db.execute(f"comment on table {target} is {literal(table.comment)}")
    for column in table.columns:
        if column.comment:
            db.execute(f"comment on column {target}.{quote(column.name)} is {literal(column.comment)}")


def _manifest(
    db: duckdb.DuckDBPyConnection, rows: dict[str, int], settings: Settings, published_at: datetime
) -> None:
    target = MANIFEST_TABLE.sql_name(ALIAS)
    columns = ", ".join(f"{quote(c.name)} {c.type}" for c in MANIFEST_TABLE.columns)
    db.execute(f"create table {target} ({columns})")
    _comment(db, MANIFEST_TABLE)
    db.executemany(
        f"insert into {target} values (?, ?, ?, ?, ?, ?)",
        [
            [name, count, settings.as_of, published_at, settings.timezone, settings.currency]
            for name, count in rows.items()
        ],
    )

"""Where the warehouse is, and SQLAlchemy engines on it.

`BAROMETER_WAREHOUSE` is a DuckDB file path or a `duckdb:///…` SQLAlchemy URL; unset, the warehouse is
`<project root>/data/warehouse.duckdb`. `BAROMETER_LOAD_MEMORY_LIMIT` caps DuckDB's memory while a sync
loads pages (default 256MB). The environment is read when a function is called, never at import.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import duckdb
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

ENV_VAR = "BAROMETER_WAREHOUSE"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = PROJECT_ROOT / "data" / "warehouse.duckdb"
# Merging a page into a landing table needs little memory, but DuckDB keeps table blocks cached up to
# its default limit (80 % of RAM), so without a cap a sync's peak memory grew with the warehouse
# (bench/memory.py: 983 MB at 1,000,000 activities, 2,636 MB at 5,000,000).
LOAD_MEMORY_VAR = "BAROMETER_LOAD_MEMORY_LIMIT"
DEFAULT_LOAD_MEMORY_LIMIT = "256MB"
_MEMORY_LIMIT = re.compile(r"([0-9]+(\.[0-9]+)?) ?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


class WarehouseConfigError(ValueError):
    """The warehouse location is unusable; the message says what to change."""


def warehouse_url(env: Mapping[str, str] = os.environ) -> str:
    """The SQLAlchemy URL of the warehouse named by `BAROMETER_WAREHOUSE` (or the default file)."""
    value = env.get(ENV_VAR, "").strip()
    if not value:
        return _file_url(DEFAULT_PATH, origin="the default warehouse")
    # A URL may carry a password or token: messages name the variable, never echo the URL.
    return _to_url(value, origin=ENV_VAR if "://" in value else f"{ENV_VAR}={value!r}")


def load_memory_limit(value: str | None = None) -> str:
    """DuckDB's memory limit for loading pages: `value`, else `BAROMETER_LOAD_MEMORY_LIMIT`, else 256MB."""
    if value is None:
        value = os.environ.get(LOAD_MEMORY_VAR, "")
    value = value.strip() or DEFAULT_LOAD_MEMORY_LIMIT
    size = _MEMORY_LIMIT.fullmatch(value)
    if not size:
        raise WarehouseConfigError(
            f"{LOAD_MEMORY_VAR}={value!r} is not a memory size; set it to a number and a unit, "
            f"e.g. 256MB or 1GB, or unset it for {DEFAULT_LOAD_MEMORY_LIMIT}"
        )
    if float(size.group(1)) == 0:  # DuckDB takes it, then fails every load with "out of memory"
        raise WarehouseConfigError(
            f"{LOAD_MEMORY_VAR}={value!r} leaves DuckDB no memory; set a size such as 256MB or 1GB, "
            f"or unset it for {DEFAULT_LOAD_MEMORY_LIMIT}"
        )
    return value


def make_engine(
    url_or_path: str | os.PathLike[str] | URL | None = None, *, memory_limit: str | None = None
) -> sa.Engine:
    """An engine on the warehouse: `url_or_path` if given, else `BAROMETER_WAREHOUSE`, else the default.

    Every connection reports TIMESTAMPTZ values in UTC, whatever the machine's time zone. With
    `memory_limit` (a size such as 256MB, load_memory_limit) DuckDB keeps within it, spilling to disk.
    """
    if url_or_path is None:
        url = warehouse_url()
    else:
        value = (
            url_or_path.render_as_string(hide_password=False)
            if isinstance(url_or_path, URL)
            else os.fspath(url_or_path)
        )
        url = _to_url(value, origin="the URL given" if "://" in value else repr(value))
    # DuckDB's memory limit belongs to the database instance, which every connection to the file in this
    # process shares: each new connection states its engine's limit (a size validated by
    # load_memory_limit, so it needs no quoting), or DuckDB's default.
    memory = (
        "RESET memory_limit"
        if memory_limit is None
        else f"SET memory_limit = '{load_memory_limit(memory_limit)}'"
    )
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", _session_defaults)
    sa.event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute(memory))
    return engine


def duckdb_connection(conn: sa.Connection) -> duckdb.DuckDBPyConnection:
    """The DuckDB connection under a SQLAlchemy connection (for Arrow registration and bulk SQL).

    It is the same connection, so statements on it run inside the SQLAlchemy connection's transaction.
    Do not use its `.cursor()` for that work: a DuckDB cursor is a separate connection and transaction.
    """
    wrapper = conn.connection.dbapi_connection
    raw = getattr(wrapper, "_ConnectionWrapper__c", wrapper)  # duckdb_engine's ConnectionWrapper
    if not isinstance(raw, duckdb.DuckDBPyConnection):
        raise TypeError(
            f"expected a duckdb_engine connection, got {type(wrapper).__name__}; "
            "create the engine with models.engine.make_engine"
        )
    return raw


def _session_defaults(dbapi_connection, _record) -> None:
    dbapi_connection.execute("SET TimeZone = 'UTC'")


def _to_url(value: str, *, origin: str) -> str:
    if "://" not in value:
        return _file_url(Path(value).expanduser(), origin=origin)
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):  # their text would echo the URL
        raise WarehouseConfigError(
            f"{origin} is not a valid URL; set {ENV_VAR} to a DuckDB file path "
            "or a URL like duckdb:////abs/path/warehouse.duckdb"
        ) from None
    if url.get_backend_name() != "duckdb":
        raise WarehouseConfigError(
            f"{origin} is a {url.get_backend_name()!r} URL; the warehouse is DuckDB: set {ENV_VAR} to a "
            "file path or a URL like duckdb:////abs/path/warehouse.duckdb"
        )
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("md:"):
        _prepare_folder(Path(database).expanduser(), origin=origin)
    return value


def _file_url(path: Path, *, origin: str) -> str:
    if str(path) == ":memory:":
        return "duckdb:///:memory:"
    path = path.resolve()
    _prepare_folder(path, origin=origin)
    return URL.create("duckdb", database=str(path)).render_as_string(hide_password=False)


def _prepare_folder(path: Path, *, origin: str) -> None:
    if path.is_dir():
        raise WarehouseConfigError(
            f"{origin} is a folder; set {ENV_VAR} to a DuckDB file in it, e.g. {path / 'warehouse.duckdb'}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WarehouseConfigError(
            f"{origin}: cannot create the folder {path.parent} ({exc.strerror}); "
            f"set {ENV_VAR} to a writable location"
        ) from None

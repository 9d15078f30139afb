"""The published tables in PostgreSQL (BAROMETER_PUBLISH_URL), for BI tools that reach only a database
server: schemas `marts` and `core` (as in the warehouse) and `marts._published`.

Readers never see a half-loaded table: each schema is loaded as `<schema>__next` (bulk COPY of CSV that
DuckDB writes, column comments included) and, in the same transaction, renamed over the published one,
whose old copy is dropped right after. A reader sees the old tables or the new ones. Barometer owns
these schemas in that database: objects others create there go with the next publication.

BI users read through the role BAROMETER_PUBLISH_READER_ROLE (created NOLOGIN if missing; make BI logins
members of it): USAGE on the schemas and SELECT on their tables (granted by default privileges on each
new schema), nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import URL

from models.serving.config import READER_ROLE_VAR, URL_VAR, masked
from models.serving.tables import PublishError, Table, literal

NEXT = "__next"
OLD = "__old"
LOCK_ID = int.from_bytes(b"barometr", "big")  # one publisher at a time per database
DROP_WAIT = "30s"  # how long dropping the replaced tables waits for readers still on them
CHUNK = 1 << 20

_SIMPLE_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39, 0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "JSON": "jsonb",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


@dataclass(frozen=True)
class PostgresPublication:
    url: str  # masked
    schemas: tuple[str, ...]
    reader_role: str


def postgres_type(table: Table, column_name: str, duckdb_type: str) -> str:
    """The PostgreSQL type holding every value of `duckdb_type` exactly, or PublishError."""
    if duckdb_type in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[duckdb_type]
    if decimal := _DECIMAL.fullmatch(duckdb_type):
        return f"numeric({decimal[1]}, {decimal[2]})"
    raise PublishError(
        f"{table.qualified}.{column_name} is {duckdb_type}, which publishing to PostgreSQL does not map; "
        "cast it in the model's SQL to a plain type (text, a number, a date or timestamp, boolean)"
    )


def publish(
    db: duckdb.DuckDBPyConnection,
    database: str,
    tables: Iterable[Table],
    *,
    url: URL,
    reader_role: str,
    workdir: Path,
) -> PostgresPublication:
    """Copy `tables` of `database` (attached to `db`) into PostgreSQL at `url`, replacing the published
    schemas atomically; CSV files pass through `workdir`."""
    tables = list(tables)
    types = {t.qualified: [postgres_type(t, c.name, c.type) for c in t.columns] for t in tables}
    schemas = tuple(dict.fromkeys(t.schema for t in tables))
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            pg: psycopg.Connection = conn.connection.driver_connection
            with pg.cursor() as cur:
                cur.execute("select pg_advisory_xact_lock(%s)", [LOCK_ID])
                _reader_role(cur, reader_role)
                for schema in schemas:
                    _fresh_schema(cur, schema + NEXT, reader_role)
                for table in tables:
                    _load(db, cur, database, table, types[table.qualified], workdir)
                for schema in schemas:
                    _swap(cur, schema)
            pg.commit()
            for schema in schemas:
                _drop_replaced(pg, schema + OLD)
    except (sa.exc.SQLAlchemyError, psycopg.Error) as exc:
        raise PublishError(
            f"publishing to PostgreSQL at {masked(url)} ({URL_VAR}) failed, nothing there changed: "
            f"{_message(exc, url)}"
        ) from None
    finally:
        engine.dispose()
    return PostgresPublication(url=masked(url), schemas=schemas, reader_role=reader_role)


def _reader_role(cur: psycopg.Cursor, role: str) -> None:
    cur.execute("select current_user, exists (select 1 from pg_roles where rolname = %s)", [role])
    user, exists = cur.fetchone()
    if role == user:
        raise PublishError(
            f"{READER_ROLE_VAR}={role!r} is the role that publishes, which can write; name a separate "
            "read-only role (default barometer_reader)"
        )
    if exists:
        return
    try:
        cur.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
    except psycopg.errors.InsufficientPrivilege:
        raise PublishError(
            f"the reader role {role!r} ({READER_ROLE_VAR}) does not exist and {user} may not create it: "
            f"have an administrator run CREATE ROLE {role} NOLOGIN, or name an existing role"
        ) from None


def _fresh_schema(cur: psycopg.Cursor, schema: str, reader_role: str) -> None:
    name, role = sql.Identifier(schema), sql.Identifier(reader_role)
    cur.execute(sql.SQL("drop schema if exists {} cascade").format(name))  # a failed publication's
    cur.execute(sql.SQL("create schema {}").format(name))
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(name, role))
    # Every table created in the schema from now on is readable by the role, and only readable.
    cur.execute(
        sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(name, role)
    )


def _load(
    db: duckdb.DuckDBPyConnection,
    cur: psycopg.Cursor,
    database: str,
    table: Table,
    types: list[str],
    workdir: Path,
) -> None:
    target = sql.Identifier(table.schema + NEXT, table.name)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(t))  # t: from the fixed map above
        for c, t in zip(table.columns, types, strict=True)
    )
    cur.execute(sql.SQL("create table {} ({})").format(target, columns))
    if table.comment:
        cur.execute(sql.SQL("comment on table {} is {}").format(target, sql.Literal(table.comment)))
    for c in table.columns:
        if c.comment:
            column = sql.Identifier(table.schema + NEXT, table.name, c.name)
            cur.execute(sql.SQL("comment on column {} is {}").format(column, sql.Literal(c.comment)))
    # CSV keeps NULL (unquoted empty) apart from '' (quoted), and prints numbers and timestamps (with
    # their offset) exactly; PostgreSQL parses it at COPY speed.
    csv = workdir / f"{table.schema}.{table.name}.csv"
    db.execute(f"copy (from {table.sql_name(database)}) to {literal(str(csv))} (format csv, header false)")
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.columns)
    try:
        statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(target, names)
        with cur.copy(statement) as copy, csv.open("rb") as file:
            while chunk := file.read(CHUNK):
                copy.write(chunk)
    finally:
        csv.unlink(missing_ok=True)


def _swap(cur: psycopg.Cursor, schema: str) -> None:
    published, fresh, old = (sql.Identifier(schema + suffix) for suffix in ("", NEXT, OLD))
    cur.execute(sql.SQL("drop schema if exists {} cascade").format(old))
    cur.execute("select exists (select 1 from pg_namespace where nspname = %s)", [schema])
    if cur.fetchone()[0]:
        cur.execute(sql.SQL("alter schema {} rename to {}").format(published, old))
    cur.execute(sql.SQL("alter schema {} rename to {}").format(fresh, published))


def _drop_replaced(pg: psycopg.Connection, schema: str) -> None:
    """Drop the replaced copy once readers still querying it let go; if they do not within DROP_WAIT,
    the next publication drops it."""
    with pg.cursor() as cur:
        try:
            cur.execute(f"set local lock_timeout = {literal(DROP_WAIT)}")
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
            pg.commit()
        except psycopg.errors.LockNotAvailable:
            pg.rollback()


def _message(exc: Exception, url: URL) -> str:
    """The driver's own message (never the URL's password)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
    return text.replace(url.password, "***") if url.password else text

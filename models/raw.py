"""The raw landing tables (one per StreamSpec) and the sync metadata tables, as SQLAlchemy Core tables
with their documentation in column comments; `ensure_tables` creates them and follows schema drift.

Drift rules: a column the spec gained is added (NULL in existing rows); a column the spec lost is kept,
made nullable, and left NULL by later loads; a changed type or primary key is an error, because
converting it in place could lose data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from connectors.streams import Column, ColumnType, StreamSpec

META_SCHEMA = "raw_meta"

DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "date": "DATE",
    "json": "JSON",
}

_SA_TYPES: dict[str, sa.types.TypeEngine] = {
    "string": sa.String(),
    "integer": sa.Integer(),
    "bigint": sa.BigInteger(),
    "double": sa.Double(),
    "boolean": sa.Boolean(),
    "timestamp": sa.TIMESTAMP(timezone=True),
    "date": sa.Date(),
    "json": sa.JSON(),
}


class SchemaDriftError(RuntimeError):
    """A landing table cannot follow its spec without losing data; the message says what to do."""


def column(
    name: str, type_: ColumnType, description: str, *, nullable: bool = True, primary_key: bool = False
) -> sa.Column:
    """A documented column; `info["duckdb_type"]` is the type as DuckDB's catalog spells it."""
    return sa.Column(
        name,
        _SA_TYPES[type_],
        nullable=nullable,
        primary_key=primary_key,
        autoincrement=False,  # keys come from the source; SERIAL does not exist in DuckDB
        comment=description,
        info={"duckdb_type": DUCKDB_TYPES[type_]},
    )


def schema_name(spec: StreamSpec) -> str:
    return f"raw_{spec.source}"


def raw_table(spec: StreamSpec, metadata: sa.MetaData | None = None) -> sa.Table:
    """The landing table of `spec` (`raw_<source>.<name>`)."""
    unknown = [key for key in spec.primary_key if key not in {c.name for c in spec.all_columns}]
    if unknown or not spec.primary_key:
        raise ValueError(
            f"spec {spec.table_name}: primary key {spec.primary_key} must name columns of the spec"
            + (f" ({', '.join(unknown)} missing)" if unknown else "")
        )

    def as_column(c: Column) -> sa.Column:
        return column(
            c.name, c.type, c.description, nullable=c.nullable, primary_key=c.name in spec.primary_key
        )

    return sa.Table(
        spec.name,
        metadata if metadata is not None else sa.MetaData(),
        *(as_column(c) for c in spec.all_columns),
        schema=schema_name(spec),
        comment=spec.description,
    )


META = sa.MetaData(schema=META_SCHEMA)

sync_runs = sa.Table(
    "sync_runs",
    META,
    column("run_id", "string", "Identifies the run; rejects carry it too.", primary_key=True),
    column("stream", "string", "The stream's name, e.g. salesforce.task.", nullable=False),
    column("window_start", "timestamp", "Start of the window asked for (inclusive).", nullable=False),
    column("window_end", "timestamp", "End of the window (exclusive); NULL = up to the time of the run."),
    column("started_at", "timestamp", "When the run started.", nullable=False),
    column("finished_at", "timestamp", "When the run ended; NULL while running."),
    column("status", "string", "running, succeeded or failed.", nullable=False),
    column("fetched", "bigint", "Records fetched: loaded + rejected; each page adds its own as it commits."),
    column("loaded", "bigint", "Rows merged into landing tables (duplicates and older versions included)."),
    column("rejected", "bigint", "Records that could not be mapped; see raw_meta.rejects."),
    column("api_calls", "bigint", "API calls spent, retries included."),
    column(
        "newest_change_at",
        "timestamp",
        "Largest source modification time among the rows the run loaded; NULL while it loaded none.",
    ),
    column("error", "string", "Exception type and message of a failed run."),
    column(
        "fingerprint",
        "string",
        "What the run extracted: a hash of the stream's name and its landing tables' descriptions, "
        "columns and types (models.raw.fingerprint). Only runs of the stream's current fingerprint "
        "count as loaded, so a stream whose definition changed re-reads its history once.",
    ),
    sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name="sync_runs_status"),
    comment="One row per extraction run: its window, status and reconciliation counts. The windows of "
    "succeeded runs are what is loaded (models.sync.loaded_until).",
)

rejects = sa.Table(
    "rejects",
    META,
    column("run_id", "string", "The run that met the record (raw_meta.sync_runs).", nullable=False),
    column("stream", "string", "The stream's name (raw_meta.sync_runs.stream).", nullable=False),
    column("table_name", "string", "The landing table the record was meant for.", nullable=False),
    column("record_id", "string", "The record's id at the source, when it could be read."),
    column("reason", "string", "What is wrong, naming the field and value.", nullable=False),
    column("payload", "json", "The record as the API returned it (a JSON string if it was not JSON)."),
    column("rejected_at", "timestamp", "When the record was rejected.", nullable=False),
    comment="Records that could not be mapped to a landing row: nothing is dropped silently.",
)


@dataclass(frozen=True)
class CatalogColumn:
    name: str
    data_type: str
    is_nullable: bool
    comment: str | None


def table_columns(conn: sa.Connection, schema: str, name: str) -> list[CatalogColumn]:
    """The table's columns as DuckDB's catalog has them, in table order; [] if there is no such table."""
    rows = conn.execute(
        sa.text(
            "SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = :schema AND table_name = :name "
            "ORDER BY column_index"
        ),
        {"schema": schema, "name": name},
    ).all()
    return [CatalogColumn(*row) for row in rows]


TableDefinition = tuple[str, str | None, tuple[tuple[str, str], ...]]  # name, description, (column, type)


def fingerprint(stream_name: str, tables: Iterable[TableDefinition]) -> str:
    """A short hash of what a stream extracts: its name and, per landing table, the table's name,
    description (which states any filter, e.g. "Tasks with TaskSubtype = 'Call'") and its columns
    with their DuckDB types, in any order."""
    parts = [stream_name]
    for name, description, columns in sorted(tables):
        parts += [name, description or "", *(f"{c} {t}" for c, t in sorted(columns))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def spec_fingerprint(stream_name: str, specs: Iterable[StreamSpec]) -> str:
    """The fingerprint of a stream as its specs define it."""
    return fingerprint(
        stream_name,
        (
            (s.table_name, s.description, tuple((c.name, DUCKDB_TYPES[c.type]) for c in s.all_columns))
            for s in specs
        ),
    )


def warehouse_fingerprint(conn: sa.Connection, stream_name: str, specs: Iterable[StreamSpec]) -> str | None:
    """The fingerprint of the definition the warehouse's landing tables for `specs` hold (their
    comments, columns and types as an earlier version created them); None when one is missing."""
    tables = []
    for spec in specs:
        columns = table_columns(conn, schema_name(spec), spec.name)
        if not columns:
            return None
        comment = conn.execute(
            sa.text(
                "SELECT comment FROM duckdb_tables() "
                "WHERE database_name = current_database() AND schema_name = :schema AND table_name = :name"
            ),
            {"schema": schema_name(spec), "name": spec.name},
        ).scalar()
        tables.append((spec.table_name, comment, tuple((c.name, c.data_type) for c in columns)))
    return fingerprint(stream_name, tables)


def ensure_tables(engine: sa.Engine, specs: Iterable[StreamSpec], *, stream: str | None = None) -> None:
    """Create the sync metadata tables and each spec's landing table if missing, and bring existing
    tables in line with their specs (see the module docstring). Idempotent; one transaction.
    `stream`: the name of the stream the specs are, whose runs recorded before fingerprints existed
    get the fingerprint of the definition they were loaded with (read before the tables change)."""
    specs = tuple(specs)
    tables = [sync_runs, rejects, *(raw_table(spec) for spec in specs)]
    with engine.begin() as conn:
        for schema in dict.fromkeys(t.schema for t in tables):
            conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        _retire_cursor_state(conn)
        _ensure_table(conn, sync_runs)
        if stream is not None:
            _stamp_unrecorded_runs(conn, stream, specs)
        for table in tables[1:]:
            _ensure_table(conn, table)


def _stamp_unrecorded_runs(conn: sa.Connection, stream: str, specs: tuple[StreamSpec, ...]) -> None:
    """Runs recorded by a version without fingerprints (NULL) get the fingerprint of the landing
    tables as that version left them, so they count as loaded only while the definition is the same;
    'unknown' where the tables are gone."""
    has_unrecorded = conn.execute(
        sa.select(sa.func.count())
        .select_from(sync_runs)
        .where(sync_runs.c.stream == stream, sync_runs.c.fingerprint.is_(None))
    ).scalar()
    if has_unrecorded:
        conn.execute(
            sync_runs.update()
            .where(sync_runs.c.stream == stream, sync_runs.c.fingerprint.is_(None))
            .values(fingerprint=warehouse_fingerprint(conn, stream, specs) or "unknown")
        )


def _retire_cursor_state(conn: sa.Connection) -> None:
    """Bring a warehouse written by an older version in line. Drop raw_meta.sync_state, its per-stream
    cursors: nothing reads them any more, what is loaded is the succeeded windows of sync_runs. Rename
    sync_runs.cursor_at (the stream's cursor when the run ended) to newest_change_at, keeping the values:
    the largest of either is the newest change loaded, which is what the report shows."""
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {quote(META_SCHEMA)}.{quote('sync_state')}")
    names = {c.name for c in table_columns(conn, sync_runs.schema, sync_runs.name)}
    if "cursor_at" in names and "newest_change_at" not in names:
        conn.exec_driver_sql(
            f"ALTER TABLE {qualified(sync_runs)} RENAME COLUMN cursor_at TO newest_change_at"
        )


def _ensure_table(conn: sa.Connection, table: sa.Table) -> None:
    existing = {c.name: c for c in table_columns(conn, table.schema, table.name)}
    if not existing:
        table.create(conn)  # the dialect emits COMMENT ON TABLE / COLUMN after CREATE TABLE
        return
    _check_primary_key(conn, table)
    for col in table.columns:
        found = existing.get(col.name)
        if found is None:
            # Added nullable whatever the spec says: existing rows have no value for it.
            type_ = col.info["duckdb_type"]
            conn.exec_driver_sql(f"ALTER TABLE {qualified(table)} ADD COLUMN {quote(col.name)} {type_}")
            conn.execute(sa.schema.SetColumnComment(col))
        elif found.data_type != col.info["duckdb_type"]:
            raise SchemaDriftError(
                f"{table.fullname}.{col.name} is {found.data_type} in the warehouse but the spec now says "
                f"{col.info['duckdb_type']}; converting in place could lose data: rename the column in "
                "the spec, or migrate the table (ALTER TABLE … ALTER COLUMN … TYPE) and re-run"
            )
        elif found.comment != col.comment:
            conn.execute(sa.schema.SetColumnComment(col))
    for name, found in existing.items():
        if name not in table.columns and not found.is_nullable:
            conn.exec_driver_sql(f"ALTER TABLE {qualified(table)} ALTER COLUMN {quote(name)} DROP NOT NULL")
    comment = conn.execute(
        sa.text(
            "SELECT comment FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = :schema AND table_name = :name"
        ),
        {"schema": table.schema, "name": table.name},
    ).scalar()
    if comment != table.comment:
        conn.execute(sa.schema.SetTableComment(table))


def _check_primary_key(conn: sa.Connection, table: sa.Table) -> None:
    row = conn.execute(
        sa.text(
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE database_name = current_database() AND schema_name = :schema AND table_name = :name "
            "AND constraint_type = 'PRIMARY KEY'"
        ),
        {"schema": table.schema, "name": table.name},
    ).first()
    have = tuple(row[0]) if row else ()
    want = tuple(c.name for c in table.primary_key.columns)
    if have != want:
        raise SchemaDriftError(
            f"{table.fullname} has primary key {have or 'none'} in the warehouse but the spec says {want}; "
            "a key cannot change in place: land the stream in a new table (new spec name) or rebuild this one"
        )


def quote(name: str) -> str:
    """`name` as a double-quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def qualified(table: sa.Table) -> str:
    """`"schema"."table"` for SQL text."""
    return f"{quote(table.schema)}.{quote(table.name)}"

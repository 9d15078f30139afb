"""What a publication holds: the tables copied from the warehouse (their columns, types and comments) and
the `marts._published` table that tells BI users how fresh the copy is and how many rows each table has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb

from models.raw import quote

PUBLISHED_SCHEMAS = ("core", "marts")  # what BI users query: the marts and the core tables they drill into
MANIFEST = ("marts", "_published")
MANIFEST_COMMENT = (
    "One row per published table: its row count, the build's as_of, when this copy was published, and "
    "the reporting timezone and currency of every figure."
)
MANIFEST_COLUMNS = (
    ("table_name", "VARCHAR", "The published table, <schema>.<table>."),
    ("row_count", "BIGINT", "Its rows in this copy."),
    ("as_of", "TIMESTAMP WITH TIME ZONE", "When the marts were built: nothing after it counts."),
    ("published_at", "TIMESTAMP WITH TIME ZONE", "When this copy was published."),
    ("timezone", "VARCHAR", "The reporting timezone of every date (BAROMETER_TIMEZONE)."),
    ("currency", "VARCHAR", "The reporting currency of every amount (BAROMETER_CURRENCY)."),
)


class PublishError(RuntimeError):
    """Publishing failed; the previous publication stays in place. The message says what to change."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB's name, e.g. DECIMAL(18,2)
    comment: str | None


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    comment: str | None
    columns: tuple[Column, ...]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"

    def sql_name(self, database: str | None = None) -> str:
        parts = (database, self.schema, self.name) if database else (self.schema, self.name)
        return ".".join(quote(part) for part in parts)


@dataclass(frozen=True)
class Settings:
    as_of: datetime | None
    timezone: str | None
    currency: str | None


MANIFEST_TABLE = Table(
    MANIFEST[0], MANIFEST[1], MANIFEST_COMMENT, tuple(Column(*column) for column in MANIFEST_COLUMNS)
)


def describe(db: duckdb.DuckDBPyConnection, names: Iterable[str]) -> list[Table]:
    """The tables `names` (`schema.table`) of the current database, with their columns and comments."""
    tables = []
    for name in names:
        schema, _, table = name.partition(".")
        found = db.execute(
            "select comment from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()
        if not found:
            raise PublishError(f"{name} is not in the warehouse; build it first (barometer sync)")
        columns = db.execute(
            "select column_name, data_type, comment from duckdb_columns() "
            "where database_name = current_database() and schema_name = ? and table_name = ? "
            "order by column_index",
            [schema, table],
        ).fetchall()
        tables.append(Table(schema, table, found[0][0], tuple(Column(*column) for column in columns)))
    return tables


def reporting_settings(db: duckdb.DuckDBPyConnection) -> Settings:
    """The build's as_of, timezone and currency from config.build, the typed row the models read (None
    where there is none)."""
    exists = db.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'config' and table_name = 'build'"
    ).fetchone()[0]
    row = db.execute("select as_of, timezone, currency from config.build").fetchone() if exists else None
    return Settings(*row) if row else Settings(as_of=None, timezone=None, currency=None)


def literal(text: str | None) -> str:
    """`text` as a SQL string literal (DDL such as COMMENT ON takes no parameters), NULL for None."""
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"

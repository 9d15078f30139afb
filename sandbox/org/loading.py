"""Bulk loading of generated columns into the store: one Arrow table per store table, one INSERT."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from sandbox.store import Store

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("ms"),
    "DATE": pa.date32(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
}


ROWS_PER_INSERT = 10_000  # rows per INSERT when a batch has extra columns made slice by slice


@dataclass(frozen=True)
class Nullable:
    """Values with a validity mask: null where `valid` is False."""

    values: np.ndarray
    valid: np.ndarray


Column = pa.Array | pa.ChunkedArray | np.ndarray | Nullable | str | bool | int | float | None
ExtraColumns = Callable[[int, int], dict[str, pa.Array]]  # (start, stop) -> columns for those rows


@dataclass
class Batch:
    """Columns of one store table, kept as numpy where awkward cases still change them."""

    table: str
    n: int
    columns: dict[str, Column] = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.columns[name]

    def __setitem__(self, name: str, value: Column) -> None:
        # Own copies: awkward cases change columns in place, and two columns must never share memory.
        self.columns[name] = value.copy() if isinstance(value, np.ndarray) else value


def store_columns(cur: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, pa.DataType]]:
    """(name, Arrow type) of each column of a store table, in table order."""
    rows = cur.execute(f"DESCRIBE {table}").fetchall()
    return [(name, _ARROW_TYPES[column_type]) for name, column_type, *_ in rows]


def to_arrow(value: Column, arrow_type: pa.DataType, n: int) -> pa.Array:
    """One column as Arrow: arrays are converted, scalars repeated, None is all null."""
    if value is None:
        return pa.nulls(n, arrow_type)
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.Array):
        if value.type == arrow_type or (
            pa.types.is_dictionary(value.type) and value.type.value_type == arrow_type
        ):
            return value  # DuckDB decodes dictionary columns itself
        return value.cast(arrow_type)
    if isinstance(value, Nullable):
        return pa.array(_numpy_for(value.values, arrow_type), type=arrow_type, mask=~value.valid)
    if isinstance(value, np.ndarray):
        return pa.array(_numpy_for(value, arrow_type), type=arrow_type)
    if isinstance(value, str):
        return constant_text(value, n)
    return pa.repeat(pa.scalar(value, arrow_type), n)


def constant_text(value: str, n: int) -> pa.DictionaryArray:
    """n copies of one string, stored once."""
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int8)), pa.array([value], pa.string())
    )


def _numpy_for(values: np.ndarray, arrow_type: pa.DataType) -> np.ndarray:
    if arrow_type == pa.int32() or arrow_type == pa.date32():
        return values.astype(np.int32)
    if arrow_type in (pa.int64(), pa.timestamp("ms")):
        return values.astype(np.int64)
    if arrow_type == pa.float64():
        return values.astype(np.float64)
    return values


def insert(cur: duckdb.DuckDBPyConnection, table: str, n: int, columns: dict[str, Column]) -> int:
    """Insert `n` rows given column by column; every store column must be given (None = all null)."""
    schema = store_columns(cur, table)
    names = [name for name, _ in schema]
    if set(columns) != set(names):
        missing, unknown = sorted(set(names) - set(columns)), sorted(set(columns) - set(names))
        raise ValueError(f"columns for {table} do not match the store: missing {missing}, unknown {unknown}")
    arrays = [to_arrow(columns[name], arrow_type, n) for name, arrow_type in schema]
    for name, array in zip(names, arrays, strict=True):
        if len(array) != n:
            raise ValueError(f"{table}.{name}: {len(array)} values for {n} rows")
    batch = pa.Table.from_arrays(arrays, names=names)
    view = "_org_batch"
    cur.register(view, batch)
    try:
        cur.execute(f"INSERT INTO {table} SELECT * FROM {view}")
    finally:
        cur.unregister(view)
    return n


def insert_batch(store: Store, batch: Batch, extra: ExtraColumns | None = None) -> int:
    """Insert a batch in its own transaction (one huge transaction costs more time and memory),
    leaving out its helper columns (names starting with '_'). `extra(start, stop)` gives further
    columns for rows start..stop (a wide org's custom fields): they are made and inserted
    ROWS_PER_INSERT rows at a time, so they never all sit in memory."""
    columns = {name: value for name, value in batch.columns.items() if not name.startswith("_")}
    schema, _, table = batch.table.partition(".")
    name = f'{schema}."{table}"'
    with store.write() as cur:
        if extra is None:
            return insert(cur, name, batch.n, columns)
        types = dict(store_columns(cur, name))
        arrays = {k: to_arrow(v, types[k], batch.n) if k in types else v for k, v in columns.items()}
        for start in range(0, batch.n, ROWS_PER_INSERT):
            stop = min(start + ROWS_PER_INSERT, batch.n)
            part = {
                k: a.slice(start, stop - start) if isinstance(a, pa.Array) else a for k, a in arrays.items()
            }
            insert(cur, name, stop - start, {**part, **extra(start, stop)})
    return batch.n

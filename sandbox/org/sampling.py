"""Picking records at random, deterministically for a random generator's state."""

from __future__ import annotations

import duckdb
import numpy as np


def pick_id(
    cur: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    table: str,
    id_column: str,
    where: str = "true",
    params: list | None = None,
):
    """A random `id_column` value among the rows of `table` matching `where`; None when none match."""
    params = params or []
    count = cur.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchall()[0][0]
    if count == 0:
        return None
    offset = int(rng.integers(0, count))
    sql = f"SELECT {id_column} FROM {table} WHERE {where} ORDER BY {id_column} LIMIT 1 OFFSET ?"
    return cur.execute(sql, [*params, offset]).fetchall()[0][0]


def sample_ids(
    cur: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    table: str,
    id_column: str,
    where: str,
    count: int,
) -> list:
    """Up to `count` distinct `id_column` values of the rows matching `where`, sorted."""
    ids = [r[0] for r in cur.execute(f"SELECT {id_column} FROM {table} WHERE {where} ORDER BY 1").fetchall()]
    if not ids:
        return []
    return sorted(rng.choice(ids, min(count, len(ids)), replace=False).tolist())

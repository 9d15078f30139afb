"""Merge one Page into its landing table: rows, rejects and the run's counts in one transaction.

Own tables are upserted newest-wins: the page is deduplicated on the primary key (largest
`_source_updated_at`; on a tie the later row of the page), then a row replaces the stored one only if
its `_source_updated_at` is the same or newer. Equal replaces, so across pages the last arrival among
the newest versions wins, and re-running the same data changes nothing. Child tables (spec.replace_key)
lose their rows for the page's parent ids, then take the page's rows (on a duplicate key the later row).

The page's counts are added to its run's row of raw_meta.sync_runs in the same transaction, so the
run's record always describes exactly the pages committed, even after a crash.

Everything is set-based SQL over the page registered as an Arrow table, never row by row.
"""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from connectors.streams import SOURCE_UPDATED_AT, Page, StreamSpec
from models.engine import duckdb_connection
from models.raw import DUCKDB_TYPES, qualified, quote, rejects, schema_name, sync_runs

_ROW = "_page_row"  # position of a row in its page: the tie-breaker
_ACTION = "_merge_action"


class PageSchemaError(TypeError):
    """A page's Arrow table does not match its spec: a bug in the connector that built it."""


@dataclass(frozen=True)
class MergeResult:
    loaded: int = 0  # rows of the page merged, duplicates and older versions included
    rejected: int = 0  # rejects stored
    inserted: int = 0  # new keys
    updated: int = 0  # stored rows replaced by the same or a newer version
    skipped_older: int = 0  # page rows older than the stored version, left out
    replaced: int = 0  # child rows deleted because their parent is in page.parent_ids

    @property
    def duplicates(self) -> int:
        """Rows that lost to another row of the same page with the same key."""
        return self.loaded - self.inserted - self.updated - self.skipped_older

    def __add__(self, other: MergeResult) -> MergeResult:
        return MergeResult(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def merge_page(conn: sa.Connection, page: Page, *, run_id: str, stream_name: str) -> MergeResult:
    """Merge `page` (rows, rejects, counts added to run `run_id`'s row of raw_meta.sync_runs, which
    models.sync.run_stream records first) in one transaction on `conn`, which must not be in one.

    The landing table must exist (models.raw.ensure_tables). Raises PageSchemaError if the page does not
    match its spec; on any error nothing of the page is kept.
    """
    validate_page(page, stream_name)
    if conn.in_transaction():
        raise RuntimeError(
            "merge_page commits its own transaction: call it on a connection with no transaction open "
            "(commit or roll back first)"
        )
    db = duckdb_connection(conn)
    # Views are dropped after the transaction ends: DuckDB refuses even that in an aborted transaction.
    with ExitStack() as views:
        try:
            with conn.begin():
                result = _merge_rows(db, page, stream_name, views) if page.rows.num_rows else MergeResult()
                _insert_rejects(db, page, views, run_id=run_id, stream_name=stream_name)
                result = replace(result, loaded=page.rows.num_rows, rejected=len(page.rejects))
                _count_in_run(db, page, result, run_id)
        except duckdb.Error as exc:
            exc.add_note(f"while merging a page of stream {stream_name} into {page.spec.table_name}")
            raise
    return result


def validate_page(page: Page, stream_name: str) -> None:
    """Raise PageSchemaError unless the page's rows have exactly its spec's schema and no NULL where
    the spec forbids one (primary key, non-nullable columns)."""
    spec = page.spec
    where = f"stream {stream_name}, table {spec.table_name}"
    expected, actual = spec.schema, page.rows.schema
    problems = []
    if len(set(actual.names)) != len(actual.names):
        dupes = sorted({n for n in actual.names if actual.names.count(n) > 1})
        problems.append(f"duplicate columns {', '.join(dupes)}")
    for f in expected:
        if f.name not in actual.names:
            problems.append(f"column {f.name} is missing")
        elif (have := actual.field(f.name).type) != f.type:
            problems.append(f"column {f.name} is {have}, the spec says {f.type}")
    problems += [f"column {n} is not in the spec" for n in actual.names if n not in expected.names]
    if not problems and actual.names != expected.names:
        problems.append(f"columns are in the order {actual.names}, the spec's order is {expected.names}")
    if problems:
        raise PageSchemaError(
            f"{where}: the page does not match the spec: {'; '.join(problems)}. "
            "Build page rows with pa.Table.from_pylist(rows, schema=spec.schema) or cast to spec.schema"
        )
    required = [c.name for c in spec.all_columns if not c.nullable or c.name in spec.primary_key]
    nulls = [name for name in required if page.rows.column(name).null_count]
    if nulls:
        raise PageSchemaError(
            f"{where}: column(s) {', '.join(nulls)} hold NULL but may not; "
            "reject such records (Reject) instead of yielding them as rows"
        )
    if page.parent_ids is not None and spec.replace_key is None:
        raise PageSchemaError(
            f"{where}: the page has parent_ids but the spec has no replace_key; "
            "parent_ids are for child tables only"
        )


def _newest_change(page: Page) -> datetime | None:
    """The largest source modification time among the page's rows; None for a child table's page
    (no such column) or a page without rows."""
    if SOURCE_UPDATED_AT not in page.rows.column_names:
        return None
    return pc.max(page.rows.column(SOURCE_UPDATED_AT)).as_py()


def _count_in_run(db: duckdb.DuckDBPyConnection, page: Page, result: MergeResult, run_id: str) -> None:
    db.execute(
        f"UPDATE {qualified(sync_runs)} SET fetched = coalesce(fetched, 0) + $2, "
        "loaded = coalesce(loaded, 0) + $3, rejected = coalesce(rejected, 0) + $4, "
        "api_calls = coalesce(api_calls, 0) + $5, newest_change_at = greatest(newest_change_at, $6) "
        "WHERE run_id = $1",
        [run_id, page.fetched, result.loaded, result.rejected, page.api_calls, _newest_change(page)],
    )


def _merge_rows(db: duckdb.DuckDBPyConnection, page: Page, stream_name: str, views: ExitStack) -> MergeResult:
    spec = page.spec
    target = f"{quote(schema_name(spec))}.{quote(spec.name)}"
    table_cols = _landing_columns(db, spec, stream_name)
    replaced = _delete_children(db, page, target, views) if spec.replace_key is not None else 0
    stage = _stage(db, page, target, views)
    actions = dict(db.execute(f"SELECT {_ACTION}, count(*) FROM {stage} GROUP BY ALL").fetchall())
    _upsert(db, spec, target, table_cols, stage)
    db.execute(f"DROP TABLE {stage}")
    return MergeResult(
        inserted=actions.get("insert", 0),
        updated=actions.get("update", 0),
        skipped_older=actions.get("skip", 0),
        replaced=replaced,
    )


def _stage(db: duckdb.DuckDBPyConnection, page: Page, target: str, views: ExitStack) -> str:
    """A temp table of the page deduplicated on the key, each row marked insert, update or skip
    (older than the stored row)."""
    spec = page.spec
    view, stage = f"_page_{uuid.uuid4().hex}", f"_stage_{uuid.uuid4().hex}"
    _register(db, views, view, page.rows.append_column(_ROW, pa.array(np.arange(page.rows.num_rows))))
    own = spec.replace_key is None
    newest_first = f"{quote(SOURCE_UPDATED_AT)} DESC, " if own else ""
    skip = f"WHEN t.{quote(SOURCE_UPDATED_AT)} > p.{quote(SOURCE_UPDATED_AT)} THEN 'skip' " if own else ""
    db.execute(
        f"CREATE TEMP TABLE {stage} AS "
        f"SELECT {', '.join(f'p.{quote(c.name)}' for c in spec.all_columns)}, "
        f"CASE WHEN t.{quote(spec.primary_key[0])} IS NULL THEN 'insert' {skip}ELSE 'update' END "
        f"AS {_ACTION} "
        f"FROM (SELECT * FROM {view} QUALIFY row_number() OVER "
        f"(PARTITION BY {_keys(spec)} ORDER BY {newest_first}{_ROW} DESC) = 1) AS p "
        f"LEFT JOIN {target} AS t ON {' AND '.join(f't.{quote(k)} = p.{quote(k)}' for k in spec.primary_key)}"
    )
    return stage


def _upsert(db: duckdb.DuckDBPyConnection, spec: StreamSpec, target: str, table_cols: list[str], stage: str):
    """Write the staged rows. Columns the spec no longer has are written NULL: a landing row is one
    version of the record. The WHERE guard repeats the stage's skip rule inside the write itself."""
    spec_names = {c.name for c in spec.all_columns}
    values = ", ".join(quote(c) if c in spec_names else "NULL" for c in table_cols)
    updates = [f"{quote(c)} = excluded.{quote(c)}" for c in table_cols if c not in spec.primary_key]
    if not updates:
        on_conflict = "DO NOTHING"
    else:
        on_conflict = "DO UPDATE SET " + ", ".join(updates)
        if spec.replace_key is None:
            on_conflict += f" WHERE excluded.{quote(SOURCE_UPDATED_AT)} >= t.{quote(SOURCE_UPDATED_AT)}"
    db.execute(
        f"INSERT INTO {target} AS t ({', '.join(quote(c) for c in table_cols)}) "
        f"SELECT {values} FROM {stage} WHERE {_ACTION} <> 'skip' ON CONFLICT ({_keys(spec)}) {on_conflict}"
    )


def _keys(spec: StreamSpec) -> str:
    return ", ".join(quote(k) for k in spec.primary_key)


def _delete_children(db: duckdb.DuckDBPyConnection, page: Page, target: str, views: ExitStack) -> int:
    if not page.parent_ids:
        return 0
    spec = page.spec
    key_type = DUCKDB_TYPES[next(c.type for c in spec.all_columns if c.name == spec.replace_key)]
    parents = f"_parents_{uuid.uuid4().hex}"
    _register(db, views, parents, pa.table({"parent_id": pa.array(page.parent_ids, pa.string())}))
    (deleted,) = db.execute(
        f"DELETE FROM {target} WHERE {quote(spec.replace_key)} IN "
        f"(SELECT CAST(parent_id AS {key_type}) FROM {parents})"
    ).fetchone()
    return deleted


def _insert_rejects(
    db: duckdb.DuckDBPyConnection, page: Page, views: ExitStack, *, run_id: str, stream_name: str
) -> None:
    if not page.rejects:
        return
    view = f"_rejects_{uuid.uuid4().hex}"
    _register(
        db,
        views,
        view,
        pa.table(
            {
                "record_id": pa.array([r.record_id for r in page.rejects], pa.string()),
                "reason": pa.array([r.reason for r in page.rejects], pa.string()),
                "payload": pa.array([r.payload for r in page.rejects], pa.string()),
            }
        ),
    )
    # A payload that is not JSON is kept as a JSON string rather than failing the page.
    db.execute(
        f"INSERT INTO {qualified(rejects)} "
        "(run_id, stream, table_name, record_id, reason, payload, rejected_at) "
        "SELECT $1, $2, $3, record_id, reason, "
        "CASE WHEN json_valid(payload) THEN payload::JSON ELSE to_json(payload) END, $4 "
        f"FROM {view}",
        [run_id, stream_name, page.spec.table_name, datetime.now(UTC)],
    )


def _register(db: duckdb.DuckDBPyConnection, views: ExitStack, name: str, table: pa.Table) -> None:
    db.register(name, table)
    views.callback(db.unregister, name)


def _landing_columns(db: duckdb.DuckDBPyConnection, spec: StreamSpec, stream_name: str) -> list[str]:
    names = [
        name
        for (name,) in db.execute(
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = $1 AND table_name = $2 ORDER BY column_index",
            [schema_name(spec), spec.name],
        ).fetchall()
    ]
    missing = [c.name for c in spec.all_columns if c.name not in names]
    if missing:
        what = "does not exist" if not names else f"lacks column(s) {', '.join(missing)}"
        raise RuntimeError(
            f"stream {stream_name}: {spec.table_name} {what}; "
            "run models.raw.ensure_tables(engine, stream.specs) before merging"
        )
    return names

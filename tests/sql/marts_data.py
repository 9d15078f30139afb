"""Golden-test helpers for the marts: core tables built (empty) by the real core SQL, then filled with
hand-written core rows (every column a test leaves out NULL or a harmless default); config rows written
by models.reporting.write_config; the marts built by the real mart SQL and read back as dicts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sql_helpers import AS_OF, build_core, fetch, warehouse

from models import sqlmodels
from models.reporting import ReportingConfig, write_config

_DEFAULTS: dict[str, dict[str, Any]] = {
    "core.activities": {
        "is_deleted": False,
        "source": "salesforce",
        "is_done": True,
        "reaches_executive": False,
    },
    "core.deals": {"is_deleted": False, "is_closed": False, "is_won": False, "source": "salesforce"},
    "core.reps": {"is_active": True},
}


def at(text: str, tz: Any = UTC) -> datetime:
    """'2024-03-01 10:00' as an aware datetime (UTC unless `tz`)."""
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def day(text: str) -> date:
    return date.fromisoformat(text)


def meeting(activity_id: str, rep_id: str | None, prospect: str | None, occurred: str, **extra: Any) -> dict:
    """A core.activities meeting row ("2024-03-01 10:00" UTC); `extra` sets any other column."""
    row = {"activity_id": activity_id, "activity_type": "meeting", "rep_id": rep_id, "prospect_id": prospect}
    return row | {"occurred_at": at(occurred)} | extra


def deal(
    deal_id: str,
    rep_id: str | None,
    prospect_id: str | None,
    created: str,
    *,
    closed: str | None = None,
    won: bool = False,
    amount: str | None = None,
    proposal: str | None = None,
    **extra: Any,
) -> dict:
    """A core.deals row: closed when `closed` (a date) is given, `amount` its amount_reporting."""
    row = {"deal_id": deal_id, "rep_id": rep_id, "prospect_id": prospect_id, "created_at": at(created)}
    row |= {"closed_on": day(closed) if closed else None, "is_closed": closed is not None, "is_won": won}
    row |= {"amount_reporting": Decimal(amount) if amount else None}
    return row | {"reached_proposal_at": at(proposal) if proposal else None} | extra


def marts_warehouse(
    template: Path, folder: Path, reps: dict[str, str], *, as_of: datetime = AS_OF
) -> sa.Engine:
    """A warehouse with the (empty) core tables and `reps` (rep_id = e-mail → name) in core.reps."""
    engine = warehouse(template, folder / "warehouse.duckdb")
    empty_core(engine, as_of=as_of)
    insert_core(engine, "core.reps", *({"rep_id": r, "name": name, "email": r} for r, name in reps.items()))
    return engine


def empty_core(engine: sa.Engine, config: ReportingConfig | None = None, *, as_of: datetime = AS_OF) -> None:
    """Build the core tables over the empty landing tables: the real core column types, no rows."""
    build_core(engine, config, as_of=as_of)


def insert_core(engine: sa.Engine, table: str, *rows: dict[str, Any]) -> None:
    """Insert `rows` into core `table` ("core.deals"); each row names only the columns it cares about."""
    schema, name = table.split(".")
    with engine.connect() as conn:
        columns = [
            c
            for (c,) in conn.execute(
                sa.text(
                    "select column_name from duckdb_columns() where schema_name = :schema "
                    "and table_name = :table order by column_index"
                ),
                {"schema": schema, "table": name},
            ).all()
        ]
    defaults = _DEFAULTS.get(table, {})
    full = []
    for row in rows:
        unknown = set(row) - set(columns)
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        full.append({c: row.get(c, defaults.get(c)) for c in columns})
    statement = sa.text(
        f"insert into {table} ({', '.join(columns)}) values ({', '.join(':' + c for c in columns)})"
    )
    with engine.begin() as conn:
        conn.execute(statement, full)


def build_marts(
    engine: sa.Engine,
    config: ReportingConfig | None = None,
    *,
    as_of: datetime = AS_OF,
    targets_csv: str | None = None,
    folder: Path | None = None,
) -> dict[str, int]:
    """Rewrite the config tables (with `targets_csv` as the targets file, written in `folder`) and
    build every mart over the core rows already in place."""
    config = config or ReportingConfig()
    if targets_csv is not None:
        assert folder is not None, "a targets file needs a folder"
        path = folder / "targets.csv"
        path.write_text(targets_csv, encoding="utf-8")
        config = replace(config, targets_file=path)
    write_config(engine, config, as_of=as_of)
    # the marts and the intermediate models they read (everything built from core)
    return sqlmodels.build(engine, [m for m in sqlmodels.discover() if m.schema in sqlmodels.FROM_CORE])


def mart(engine: sa.Engine, name: str, order_by: str) -> list[dict[str, Any]]:
    return fetch(engine, f"select * from marts.{name} order by {order_by}")

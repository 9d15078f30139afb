"""Golden-test helpers: a warehouse with the real landing tables, raw rows built from a few explicit
values (every other column NULL or a harmless default), and core tables read back as dicts.

The fixtures `raw_template` and `landing_warehouse` serve tests/sql and tests/models: each folder's
conftest.py imports them (pyproject.toml puts tests/sql on pytest's pythonpath)."""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.hubspot import specs as hubspot
from connectors.salesforce import specs as salesforce
from connectors.streams import StreamSpec
from models import sqlmodels
from models.engine import make_engine
from models.raw import ensure_tables, raw_table
from models.reporting import ReportingConfig, write_config

SPECS: tuple[StreamSpec, ...] = (*salesforce.SPECS, *hubspot.ALL)
_BY_NAME = {spec.table_name: spec for spec in SPECS}

AS_OF = datetime(2024, 6, 1, tzinfo=UTC)
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

# Values for the NOT NULL columns a test does not care about.
_REQUIRED_DEFAULTS: dict[str, Any] = {
    "_source_updated_at": EPOCH,
    "_is_deleted": False,
    "archived": False,
    "association_type_id": 1,
    "category": "HUBSPOT_DEFINED",
}


def at(text: str) -> datetime:
    """'2024-03-01 10:00' (or with seconds/fraction) as a UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def dec(text: str) -> Decimal:
    return Decimal(text)


def template(folder: Path) -> Path:
    """A DuckDB file holding every landing table, empty: copied for each warehouse (fast)."""
    path = folder / "template.duckdb"
    if not path.exists():
        engine = make_engine(path)
        ensure_tables(engine, SPECS)
        engine.dispose()
    return path


def warehouse(template_path: Path, path: Path) -> sa.Engine:
    shutil.copyfile(template_path, path)
    return make_engine(path)


@pytest.fixture(scope="session")
def raw_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty warehouse with every landing table (created once, copied per test)."""
    return template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def landing_warehouse(raw_template: Path, tmp_path: Path) -> Iterator[sa.Engine]:
    """A fresh warehouse with the real, empty landing tables."""
    engine = warehouse(raw_template, tmp_path / "warehouse.duckdb")
    yield engine
    engine.dispose()


def insert(engine: sa.Engine, table_name: str, *rows: dict[str, Any]) -> None:
    """Insert `rows` into the landing table `table_name` (e.g. "raw_salesforce.task"); each row names
    only the columns it cares about."""
    spec = _BY_NAME[table_name]
    table = raw_table(spec)
    names = {c.name for c in spec.all_columns}
    full = []
    for row in rows:
        unknown = set(row) - names
        if unknown:
            raise KeyError(f"{table_name} has no column(s) {sorted(unknown)}")
        values = {c.name: _REQUIRED_DEFAULTS.get(c.name) for c in spec.all_columns}
        full.append(values | row)
    with engine.begin() as conn:
        conn.execute(table.insert(), full)


def build_core(
    engine: sa.Engine, config: ReportingConfig | None = None, *, as_of: datetime = AS_OF
) -> dict[str, int]:
    write_config(engine, config or ReportingConfig(), as_of=as_of)
    # core and the staging models it reads (everything built from raw)
    return sqlmodels.build(engine, [m for m in sqlmodels.discover() if m.schema in sqlmodels.FROM_RAW])


def fetch(engine: sa.Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(sa.text(sql), params).all()]


def by_key(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        assert row[key] not in out, f"duplicate {key} {row[key]!r}"
        out[row[key]] = row
    return out

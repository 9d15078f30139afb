"""Shared by the reliability tests of faults, crashes and concurrency: a small sandbox org, the
environment that points Barometer at it, the whole pipeline run in-process, and warehouses compared
table by table (rows, keys, full contents)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
from pipeline_helpers import sandbox_environment

from models import sqlmodels
from models.model_files import UniqueKey
from pipelines.definitions import build_definitions
from pipelines.extract_assets import stream_catalog
from pipelines.resources import ReportingResource, WarehouseResource
from pipelines.runs import RunOutcome, catch_up
from pipelines.settings import PipelineSettings
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=2)).date())
# Retries wait 0.01 s × 2^n instead of 0.5 s (HubSpot) / 1 s (Salesforce) × 2^n: same attempts, no sleeping.
QUICK_RETRIES = {"HUBSPOT_BACKOFF_SECONDS": "0.01", "SALESFORCE_BACKOFF_SECONDS": "0.01"}
# What a rebuild changes by design: the models' `as_of` is the build's clock (config.build).
BUILD_CLOCK_COLUMNS = ("as_of",)
# The schemas of tables the models build (the staging models are views).
MODEL_SCHEMAS = tuple(s for s in sqlmodels.FROM_RAW + sqlmodels.FROM_CORE if s not in sqlmodels.VIEW_SCHEMAS)
RAW_SCHEMAS = ("raw_salesforce", "raw_hubspot")
# The keys of the KPI contract (each model file's unique_key test) and of the landing tables.
KEYS: dict[str, tuple[str, ...]] = {
    **{
        model.name: test.columns
        for model in sqlmodels.discover()
        if model.schema in MODEL_SCHEMAS and model.doc
        for test in model.doc.tests
        if isinstance(test, UniqueKey)
    },
    **{spec.table_name: spec.primary_key for stream in stream_catalog() for spec in stream.specs},
}


def small_org(seed: int, *, activities: int = 1_000) -> OrgConfig:
    """A small org that ended weeks ago: no activity lies after the moment a test builds the marts (the
    generator books meetings up to three weeks past its end, and e-mails and to-dos a week past it), so
    warehouses built minutes apart hold the same figures, their build clock (`as_of`) aside. With an
    org ending yesterday, a scheduled e-mail falling between two builds' `as_of` changed a count."""
    return OrgConfig(
        seed=seed, reps=6, teams=2, days=30, end=MIDNIGHT - timedelta(days=40), activities=activities
    )


def run_pipeline(
    box: Sandbox, warehouse: Path, reporting_file: Path, instance: dg.DagsterInstance, **env: str
) -> RunOutcome:
    """`barometer sync` in-process: one run of the whole graph (extract, config, core, marts, checks)
    from where the warehouse's data stops, with quick retries."""
    with sandbox_environment(box, **QUICK_RETRIES, **env):
        defs = build_definitions(
            SETTINGS,
            resources={
                "warehouse": WarehouseResource(location=str(warehouse)),
                "reporting": ReportingResource(config_file=str(reporting_file)),
            },
        )
        return catch_up(defs, instance=instance)


def tables(path: Path, schemas: tuple[str, ...] = RAW_SCHEMAS + MODEL_SCHEMAS) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as db:
        rows = db.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            f"where schema_name in ({', '.join('?' for _ in schemas)}) order by 1",
            list(schemas),
        ).fetchall()
    return [name for (name,) in rows]


def _comparable(columns: list[tuple[str, str]], alias: str, table: str) -> str:
    """SELECT of `table`'s columns without the build clock, doubles rounded (aggregation order)."""
    selected = [
        f'round("{c}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{c}"'
        for c, kind in columns
        if c not in BUILD_CLOCK_COLUMNS
    ]
    return f"select {', '.join(selected)} from {alias}.{table}"


def differences(left: Path, right: Path, compared: list[str] | None = None) -> dict[str, int]:
    """Rows in one warehouse and not in the other (with multiplicity) per table, {} when equal; a
    table missing on one side counts as -1."""
    with duckdb.connect() as db:
        db.execute(f"attach '{left}' as l (read_only)")
        db.execute(f"attach '{right}' as r (read_only)")
        columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for alias, table, column, kind in db.execute(
            "select database_name, schema_name || '.' || table_name, column_name, data_type "
            "from duckdb_columns() where database_name in ('l', 'r') order by column_index"
        ).fetchall():
            columns.setdefault((alias, table), []).append((column, kind))
        if compared is None:
            compared = sorted({t for _, t in columns if t.split(".")[0] in RAW_SCHEMAS + MODEL_SCHEMAS})
        found = {t: -1 for t in compared if ("l", t) not in columns or ("r", t) not in columns}
        counts = []
        for table in (t for t in compared if t not in found):
            a, b = (_comparable(columns[(alias, table)], alias, table) for alias in ("l", "r"))
            counts.append(
                f"select '{table}', count(*) from (({a} except all {b}) union all ({b} except all {a}))"
            )
        if counts:
            found |= {table: n for table, n in db.execute(" union all ".join(counts)).fetchall() if n}
    return found


def duplicate_keys(path: Path) -> dict[str, int]:
    """Per table with a known key: how many key values occur more than once ({} when none)."""
    present = set(tables(path))
    counts = [
        f"select '{table}', count(*) from (select {', '.join(key)} from {table} "
        "group by all having count(*) > 1)"
        for table, key in KEYS.items()
        if table in present
    ]
    with duckdb.connect(str(path), read_only=True) as db:
        return {table: n for table, n in db.execute(" union all ".join(counts)).fetchall() if n}


def contents(path: Path, compared: list[str]) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: two equal results mean the same data to the last byte."""
    with duckdb.connect(str(path), read_only=True) as db:
        return {table: sorted(db.execute(f"from {table}").fetchall(), key=repr) for table in compared}

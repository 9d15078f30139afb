"""Time a rebuild of core and the marts against a bare DuckDB aggregate scan of the raw tables they are
built from.

    .venv/bin/python bench/core_marts.py [--activities 1000000] [--quick] [--db PATH --reuse] [--repeats 3]

Fills a DuckDB warehouse the real way: the sandbox org (default 1,000,000 activities), synced by the
connectors (models.sync.run_stream, HubSpot's limits raised as in bench/full_sync.py), the demo's
reporting configuration. Then measures side by side, alternating, `--repeats` times, medians:

(a) the bare scan: one ungrouped aggregate per raw table the staging and core SQL reads, touching every
    column of it the SQL names (count, min and max): the cost of reading the inputs once;
(b) the rebuild: every SQL model (staging, core, intermediate, marts) materialized in dependency order with
    models.sqlmodels, as the pipeline does.

Prints a table and one JSON line; the goal (issue 7) is a ratio (b)/(a) of at most 3. `--quick` is
30,000 activities. With `--db PATH --reuse` a file synced before is measured again without a new sync.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import sqlglot
from marts import measure  # bench/marts.py: the same side-by-side measurement
from sqlglot import exp

from connectors.sources import open_sources
from models import sqlmodels
from models.engine import make_engine
from models.reporting import CONFIG_FILE_VAR, TIMEZONE_VAR, reporting_config_from_env, write_config
from models.sync import catch_up_window, run_stream
from pipelines.demo import sandbox_reporting_toml
from sandbox.hubspot.app import HubSpotConfig
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

RAISED = 100_000  # HubSpot requests per 10 s: the sync measures the code, not the rate limit
TIMEZONE = "America/New_York"
AS_OF = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # the org's history ends on 2026-11-01


def sync(path: Path, activities: int) -> dict[str, object]:
    """Generate the sandbox org and sync every stream into the warehouse at `path`."""
    reps = max(24, activities // 6_000)
    org = OrgConfig(seed=7, reps=reps, teams=max(3, reps // 10), days=730, end=AS_OF.replace(tzinfo=None),
                    activities=activities)  # fmt: skip
    hubspot = HubSpotConfig(ten_second_limit=RAISED, search_per_second=RAISED // 10)
    started = time.perf_counter()
    with Sandbox(SandboxConfig(org=org, hubspot=hubspot)) as box:
        generated = time.perf_counter() - started
        env = box.credentials()
        env["HUBSPOT_REQUESTS_PER_10S"] = str(RAISED)
        env["HUBSPOT_SEARCH_REQUESTS_PER_SECOND"] = str(RAISED // 10)
        engine = make_engine(path)
        session = box.salesforce_session()
        started = time.perf_counter()
        try:
            with open_sources(env, salesforce_session=session) as sources:
                for stream in sources.streams:
                    run_stream(engine, stream, catch_up_window(engine, stream))
        finally:
            session.close()
            engine.dispose()
        return {
            "generate_seconds": round(generated, 1),
            "sync_seconds": round(time.perf_counter() - started, 1),
        }


def configure(path: Path) -> None:
    """The demo's reporting configuration (its custom stages and EUR rate), reporting timezone New York."""
    config_file = path.with_name(path.stem + "-reporting.toml")
    config_file.write_text(sandbox_reporting_toml(), encoding="utf-8")
    config = reporting_config_from_env({CONFIG_FILE_VAR: str(config_file), TIMEZONE_VAR: TIMEZONE})
    engine = make_engine(path)
    try:
        write_config(engine, config, as_of=AS_OF)
    finally:
        engine.dispose()


def scan_queries(engine: sa.Engine, models: list[sqlmodels.SqlModel]) -> dict[str, str]:
    """Per raw table the `models` read: count(*), min and max of every column of it their SQL names."""
    named: dict[str, set[str]] = {}
    for model in models:
        columns = {
            column.name.lower() for column in sqlglot.parse_one(model.sql, read="duckdb").find_all(exp.Column)
        }
        for table in model.dependencies:
            if table.startswith("raw_"):
                named.setdefault(table, set()).update(columns)
    queries: dict[str, str] = {}
    with engine.connect() as conn:
        for table in sorted(named):
            schema, name = table.split(".")
            existing = conn.exec_driver_sql(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                (schema, name),
            ).scalars()
            read = [column for column in existing if column.lower() in named[table]]
            touches = ", ".join(f'min("{c}"), max("{c}")' for c in read)
            queries[table] = f"select count(*){', ' if touches else ''}{touches} from {table}"
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="30,000 activities: a smoke run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--db", type=Path, default=None, help="warehouse file (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="measure the file in --db without a new sync")
    args = parser.parse_args()
    activities = 30_000 if args.quick else args.activities

    with tempfile.TemporaryDirectory(prefix="barometer-bench-") as folder:
        path = args.db or Path(folder) / "warehouse.duckdb"
        prepared: dict[str, object] = {}
        if not (args.reuse and path.exists()):
            path.unlink(missing_ok=True)
            prepared = sync(path, activities)
        configure(path)
        engine = make_engine(path)
        try:
            with engine.connect() as conn:
                sizes = {
                    table: int(conn.exec_driver_sql(f"select count(*) from {table}").scalar_one())
                    for table in ("raw_salesforce.task", "raw_salesforce.event", "raw_hubspot.calls",
                                  "raw_hubspot.meetings", "raw_salesforce.opportunity", "raw_hubspot.deals")
                }  # fmt: skip
            models = sqlmodels.discover()
            scans = scan_queries(engine, [m for m in models if m.schema in sqlmodels.FROM_RAW])
            result = measure(engine, args.repeats, scans=scans, models=models)
        finally:
            engine.dispose()

    print("sizes: " + ", ".join(f"{table} {n:,}" for table, n in sizes.items()))
    print(f"{'measurement':<46}{'seconds':>10}{'rows':>12}")
    for table, seconds in result["scan_by_table"].items():
        print(f"{'(a) scan ' + table:<46}{seconds:>10.3f}")
    print(f"{'(a) bare aggregate scan, total':<46}{result['scan_seconds']:>10.3f}")
    for model, seconds in result["rebuild_by_model"].items():
        print(f"{'(b) ' + model:<46}{seconds:>10.3f}{result['rows'][model]:>12,}")
    print(f"{'(b) rebuild staging, core, intermediate, marts':<46}{result['rebuild_seconds']:>10.3f}")
    verdict = "met" if result["ratio"] <= 3 else "missed"
    print(f"ratio (b)/(a) = {result['ratio']:.2f}  (goal <= 3: {verdict}; medians of {args.repeats})")
    print(json.dumps({"benchmark": "core_marts", "sizes": sizes, **prepared, **result, "goal_ratio": 3}))


if __name__ == "__main__":
    main()

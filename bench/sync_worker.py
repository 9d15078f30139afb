"""One sync in a fresh process against the sandbox process (bench/harness.py), so that its time and
peak RSS are its own. Prints one JSON line.

    python bench/sync_worker.py barometer --control HOST:PORT:KEY --warehouse W.duckdb
    python bench/sync_worker.py dlt --control HOST:PORT:KEY --workdir DIR

`barometer`: the connectors and the loader as the pipeline runs them: every stream through
models.sync.run_stream over its models.sync.catch_up_window, from where its loaded data stops (minus
the 5-minute overlap) to the sandbox's now: a full sync into an empty warehouse, an incremental one
into a synced one. The sandbox's clock, not this machine's, is now: it stamps the sandbox's changes.
API calls are read per stream from the sandbox's request log, with the time the emulators spent
answering (`emulator_busy_seconds`, summed over requests: it overlaps the client's own work). `dlt`: the peer
(bench/dlt_peer.py), one dlt pipeline per CRM into a DuckDB file under DIR, with dlt's own state
there too. Interpreter start and imports are outside `seconds` in both.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import RAISED, connect_control, emit, peak_rss_mb


def barometer(control: str, warehouse: Path) -> dict:
    from connectors.sources import open_sources
    from models.engine import load_memory_limit, make_engine
    from models.loader import MergeResult
    from models.sync import catch_up_window, run_stream
    from pipelines.demo import SANDBOX_VARIABLES

    sandbox = connect_control(control)
    credentials = sandbox.call("credentials")
    env = {name: credentials[name] for name in SANDBOX_VARIABLES}
    env |= {"HUBSPOT_REQUESTS_PER_10S": str(RAISED), "HUBSPOT_SEARCH_REQUESTS_PER_SECOND": str(RAISED // 10)}
    os.environ.update(env)  # requests reads REQUESTS_CA_BUNDLE from the environment
    engine = make_engine(warehouse, memory_limit=load_memory_limit())  # as the extraction steps load
    sandbox.call("clear")
    streams: dict[str, dict] = {}
    control_seconds = 0.0
    started = time.perf_counter()
    # One millisecond past the clock: the latest change is stamped at it, and a window's end is exclusive.
    now = datetime.fromisoformat(sandbox.call("clock")).replace(tzinfo=UTC) + timedelta(milliseconds=1)
    with open_sources(env) as sources:
        for stream in sources.streams:
            report = run_stream(engine, stream, catch_up_window(engine, stream, now=now))
            asked = time.perf_counter()
            endpoints = sandbox.call("counts")
            busy = sandbox.call("busy")
            sandbox.call("clear")
            control_seconds += time.perf_counter() - asked
            own_table = stream.specs[0].table_name
            own = report.tables.get(own_table, MergeResult())
            streams[stream.name] = {
                "records": own.loaded + own.rejected,
                "rejected": own.rejected,
                "child_rows": sum(r.loaded for t, r in report.tables.items() if t != own_table),
                "seconds": round(report.seconds, 3),
                "emulator_busy_seconds": round(busy, 3),
                "api_calls": report.api_calls,
                "endpoints": endpoints,
                "window_start": report.window.start.isoformat(),
            }
    seconds = time.perf_counter() - started - control_seconds
    landed = _landed(engine, sources.streams)
    engine.dispose()
    sandbox.close()
    return {
        "engine": "barometer",
        "records": sum(s["records"] for s in streams.values()),
        "seconds": round(seconds, 3),
        "emulator_busy_seconds": round(sum(s["emulator_busy_seconds"] for s in streams.values()), 3),
        "api_calls": sum(s["api_calls"] for s in streams.values()),
        "streams": streams,
        "landed": landed,
        "peak_rss_mb": peak_rss_mb(),
    }


def _landed(engine, streams) -> dict[str, int]:
    """Distinct records per stream in the warehouse: its table's rows plus its rejected records."""
    from models.raw import qualified, raw_table, rejects

    landed = {}
    with engine.connect() as conn:
        for stream in streams:
            spec = stream.specs[0]
            rows = conn.exec_driver_sql(f"select count(*) from {qualified(raw_table(spec))}").scalar_one()
            rejected = conn.exec_driver_sql(
                f"select count(distinct record_id) from {qualified(rejects)} where table_name = ?",
                (spec.table_name,),
            ).scalar_one()
            landed[stream.name] = rows + rejected
    return landed


def dlt(control: str, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    # dlt's state, config and telemetry settings stay in the work directory, out of $HOME and the repo.
    os.environ |= {"DLT_DATA_DIR": str(workdir / "dlt_data"), "RUNTIME__DLTHUB_TELEMETRY": "false"}
    import dlt as dlt_lib
    import duckdb
    from dlt.sources.rest_api import rest_api_source
    from dlt_peer import (
        DUCKDB_MEMORY_LIMIT,
        TABLES,
        hubspot_config,
        hubspot_properties,
        salesforce_config,
        salesforce_fields,
    )

    sandbox = connect_control(control)
    credentials = sandbox.call("credentials")
    os.environ["REQUESTS_CA_BUNDLE"] = credentials["REQUESTS_CA_BUNDLE"]
    configs = {
        "salesforce": salesforce_config(credentials, salesforce_fields(credentials)),
        "hubspot": hubspot_config(credentials, hubspot_properties(credentials)),
    }
    database = workdir / "dlt.duckdb"
    sandbox.call("clear")
    endpoints: dict[str, int] = {}
    phases: dict[str, float] = {}
    busy = 0.0
    started = time.perf_counter()
    for crm, config in configs.items():
        pipeline = dlt_lib.pipeline(
            pipeline_name=f"bench_{crm}",
            destination=dlt_lib.destinations.duckdb(
                {"database": str(database), "global_config": {"memory_limit": DUCKDB_MEMORY_LIMIT}}
            ),
            dataset_name=crm,
            pipelines_dir=str(workdir / "pipelines"),
        )
        t = time.perf_counter()
        pipeline.run(rest_api_source(config, name=crm))
        phases[crm] = round(time.perf_counter() - t, 3)
        for name, count in sandbox.call("counts").items():
            endpoints[name] = endpoints.get(name, 0) + count
        busy += sandbox.call("busy")
        sandbox.call("clear")
    seconds = time.perf_counter() - started
    with duckdb.connect(str(database), read_only=True) as db:
        landed = {
            stream: db.execute(f'select count(*) from "{dataset}"."{table}"').fetchone()[0]
            for stream, (dataset, table) in TABLES.items()
        }
    sandbox.close()
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "engine": "dlt",
        "records": sum(landed.values()),
        "seconds": round(seconds, 3),
        "seconds_by_crm": phases,
        "emulator_busy_seconds": round(busy, 3),
        "api_calls": sum(endpoints.values()),
        "endpoints": endpoints,
        "landed": landed,
        "peak_rss_mb": max(peak_rss_mb(), round(children, 1)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=("barometer", "dlt"))
    parser.add_argument("--control", required=True, help="the sandbox process's host:port:key")
    parser.add_argument("--warehouse", type=Path, help="barometer: the DuckDB file to sync into")
    parser.add_argument("--workdir", type=Path, help="dlt: its DuckDB file, pipelines and state")
    args = parser.parse_args()
    if args.engine == "barometer":
        if args.warehouse is None:
            parser.error("barometer needs --warehouse")
        emit(barometer(args.control, args.warehouse))
    else:
        if args.workdir is None:
            parser.error("dlt needs --workdir")
        emit(dlt(args.control, args.workdir))


if __name__ == "__main__":
    main()

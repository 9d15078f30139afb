"""Full sync of both CRMs from the sandbox into a fresh DuckDB warehouse: the connectors, the real
clients and the loader together. Per stream: records, seconds, records/s, API calls per 1,000 records.

    .venv/bin/python bench/full_sync.py [--activities 1000000] [--quick] [--real-hubspot-limits]

HubSpot's rate limits are raised (sandbox and client alike) unless --real-hubspot-limits: at the real
100 requests / 10 s the HubSpot streams measure the limit, not the code. Prints a table and a JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import datetime
from pathlib import Path

from connectors.sources import open_sources
from models.engine import make_engine
from models.sync import catch_up_window, run_stream
from sandbox.hubspot.app import HubSpotConfig
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

RAISED = 100_000  # requests per 10 s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="30,000 activities: a smoke run")
    parser.add_argument("--real-hubspot-limits", action="store_true")
    args = parser.parse_args()
    activities = 30_000 if args.quick else args.activities
    reps = max(24, activities // 6_000)
    hubspot = (
        HubSpotConfig()
        if args.real_hubspot_limits
        else HubSpotConfig(ten_second_limit=RAISED, search_per_second=RAISED // 10)
    )
    org = OrgConfig(
        seed=7,
        reps=reps,
        teams=max(3, reps // 10),
        days=730,
        end=datetime(2026, 11, 1),
        activities=activities,
    )
    with Sandbox(SandboxConfig(org=org, hubspot=hubspot)) as box, tempfile.TemporaryDirectory() as tmp:
        env = box.credentials()
        if not args.real_hubspot_limits:
            env["HUBSPOT_REQUESTS_PER_10S"] = str(RAISED)
            env["HUBSPOT_SEARCH_REQUESTS_PER_SECOND"] = str(RAISED // 10)
        engine = make_engine(Path(tmp) / "warehouse.duckdb")
        session = box.salesforce_session()
        rows, started = [], time.perf_counter()
        with open_sources(env, salesforce_session=session) as sources:
            for stream in sources.streams:
                report = run_stream(engine, stream, catch_up_window(engine, stream))
                records = report.tables[stream.specs[0].table_name].loaded + report.rejected
                rows.append(
                    {
                        "stream": stream.name,
                        "records": records,
                        "child_rows": sum(
                            r.loaded
                            for table, r in report.tables.items()
                            if table != stream.specs[0].table_name
                        ),
                        "seconds": round(report.seconds, 2),
                        "records_per_second": round(records / report.seconds) if report.seconds else None,
                        "api_calls": report.api_calls,
                        "calls_per_1000": round(1000 * report.api_calls / records, 3) if records else None,
                    }
                )
        session.close()
        total_seconds = time.perf_counter() - started
        engine.dispose()
    total = sum(r["records"] for r in rows)
    result = {
        "activities_generated": activities,
        "hubspot_limits": "real" if args.real_hubspot_limits else "raised",
        "records": total,
        "seconds": round(total_seconds, 2),
        "records_per_second": round(total / total_seconds),
        "api_calls": sum(r["api_calls"] for r in rows),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "streams": rows,
    }
    print(f"{'stream':<32}{'records':>10}{'seconds':>9}{'records/s':>11}{'calls':>7}{'calls/1k':>10}")
    for r in rows:
        print(
            f"{r['stream']:<32}{r['records']:>10}{r['seconds']:>9}{r['records_per_second'] or '':>11}"
            f"{r['api_calls']:>7}{r['calls_per_1000'] or '':>10}"
        )
    print(
        f"{'total':<32}{total:>10}{result['seconds']:>9}{result['records_per_second']:>11}{result['api_calls']:>7}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

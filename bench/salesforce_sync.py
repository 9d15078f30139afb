"""Full-sync throughput of the Salesforce connector: every stream, one open window each, against the
sandbox's Salesforce emulator over HTTPS (password login), pages only (no warehouse).

    .venv/bin/python bench/salesforce_sync.py [--activities 1000000] [--quick] [--bulk-threshold N]

Prints a table (records, pages, API calls, calls per 1,000 records, seconds, records/s per stream)
and one JSON line. `server` is the share of the wall time the emulator spent answering.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from dataclasses import replace
from datetime import UTC, datetime

from connectors.salesforce import SyncSettings, config_from_env, connect, streams
from connectors.streams import Window
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

EVERYTHING = Window(datetime(2000, 1, 1, tzinfo=UTC))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 activities: a smoke run")
    parser.add_argument("--bulk-threshold", type=int, default=SyncSettings().bulk_threshold)
    args = parser.parse_args()
    activities = 50_000 if args.quick else args.activities
    settings = replace(SyncSettings(), bulk_threshold=args.bulk_threshold)
    started = time.perf_counter()
    org = OrgConfig(seed=1, reps=60, teams=6, days=730, end=datetime(2026, 11, 1), activities=activities)
    with Sandbox(SandboxConfig(org=org)) as box:
        setup_seconds = time.perf_counter() - started
        env = {k: v for k, v in box.credentials().items() if k.startswith("SALESFORCE_")}
        for name in ("SALESFORCE_INSTANCE_URL", "SALESFORCE_ACCESS_TOKEN"):
            env.pop(name)
        session = box.salesforce_session()
        box.requests.clear()
        rows: dict[str, dict] = {}
        t0 = time.perf_counter()
        with connect(config_from_env(env), session=session, settings=settings) as client:
            for stream in streams(client):
                t = time.perf_counter()
                records = pages = calls = rejects = 0
                for page in stream.pages(EVERYTHING):
                    records += page.rows.num_rows
                    rejects += len(page.rejects)
                    calls += page.api_calls
                    pages += 1
                seconds = time.perf_counter() - t
                rows[stream.name] = {
                    "records": records,
                    "rejects": rejects,
                    "pages": pages,
                    "api_calls": calls,
                    "calls_per_1000": round(1000 * calls / max(records, 1), 3),
                    "seconds": round(seconds, 2),
                    "records_per_second": round(records / seconds),
                }
        total_seconds = time.perf_counter() - t0
        session.close()
        server = sum(e.seconds for e in box.salesforce.log.entries)
        endpoints = dict(box.requests.counts())
    total = sum(r["records"] for r in rows.values())
    calls = sum(r["api_calls"] for r in rows.values())
    result = {
        "activities_generated": activities,
        "setup_seconds": round(setup_seconds, 2),
        "bulk_threshold": settings.bulk_threshold,
        "streams": rows,
        "total": {
            "records": total,
            "api_calls": calls,
            "calls_per_1000": round(1000 * calls / max(total, 1), 3),
            "seconds": round(total_seconds, 2),
            "records_per_second": round(total / total_seconds),
            "server_share": round(server / total_seconds, 3),
        },
        "endpoints": endpoints,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(
        f"{'stream':<32}{'records':>10}{'pages':>7}{'calls':>7}{'calls/1k':>10}{'seconds':>9}{'records/s':>11}"
    )
    for name, r in [*rows.items(), ("total", result["total"])]:
        print(
            f"{name:<32}{r['records']:>10}{r.get('pages', ''):>7}{r['api_calls']:>7}{r['calls_per_1000']:>10}"
            f"{r['seconds']:>9}{r['records_per_second']:>11}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

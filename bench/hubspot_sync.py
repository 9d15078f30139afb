"""A full extraction of the sandbox's HubSpot portal through the HubSpot connector's streams: pages
only, no warehouse. Records/s and API calls per 1,000 records, per stream; `emulator_busy_seconds`
is the time the emulator spent answering (summed over requests), which bounds the records/s here.

    .venv/bin/python bench/hubspot_sync.py [--activities 1000000] [--quick] [--real-limits]

The sandbox (org generation and the emulator) runs in a child process, so the connector and the
emulator each get a core. Throughput is measured with the emulator's and the client's rate limits
raised out of the way; the calls per 1,000 records are what the same sync spends at HubSpot's real
limits, and `real_limit_minutes` estimates its duration there (search at 4 requests/s, everything
else at 90 per 10 s, the client's budgets under HubSpot's 5/s and 100/10 s). `--real-limits` keeps
HubSpot's limits on both sides instead (use it with a smaller org, e.g. --activities 20000) and
reports the 429s the emulator answered (there should be none).
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import time
from dataclasses import replace
from datetime import UTC, datetime

from connectors.hubspot import config_from_env, settings, streams
from connectors.streams import Window

UNLIMITED = 10**9


def _serve(activities: int, real_limits: bool, commands, answers) -> None:
    from sandbox.hubspot.app import HubSpotConfig as Limits
    from sandbox.org.config import OrgConfig
    from sandbox.sandbox import Sandbox, SandboxConfig

    started = time.perf_counter()
    org = OrgConfig(seed=7, activities=activities, end=datetime(2026, 11, 1))
    limits = (
        Limits()
        if real_limits
        else Limits(ten_second_limit=UNLIMITED, search_per_second=UNLIMITED, daily_limit=UNLIMITED)
    )
    with Sandbox(SandboxConfig(org=org, hubspot=limits)) as box:
        cur = box.store.cursor()
        sizes = {
            name: cur.execute(f'SELECT count(*) FROM hubspot."{name}"').fetchone()[0]
            for name in ("calls", "meetings", "deals", "contacts", "emails", "tasks")
        }
        answers.put((box.credentials(), sizes, round(time.perf_counter() - started, 1)))
        while (command := commands.get()) != "stop":
            if command == "counts":
                entries = box.hubspot.log.entries
                busy = sum(e.seconds for e in entries)
                answers.put((dict(box.requests.counts()), box.requests.count("hubspot.*", status=429), busy))
                box.requests.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 activities: a smoke run")
    parser.add_argument("--real-limits", action="store_true", help="HubSpot's rate limits, not raised ones")
    args = parser.parse_args()
    activities = 50_000 if args.quick else args.activities

    ctx = mp.get_context("spawn")
    commands, answers = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=_serve, args=(activities, args.real_limits, commands, answers))
    child.start()
    try:
        credentials, sizes, setup_seconds = answers.get(timeout=900)
        config = config_from_env(credentials)
        assert config is not None
        if not args.real_limits:
            config = replace(config, requests_per_10s=UNLIMITED, search_per_second=UNLIMITED)
        window = Window(datetime(2000, 1, 1, tzinfo=UTC))
        runs = {}
        for stream in streams(config):
            tables: dict[str, dict[str, int]] = {}
            started = time.perf_counter()
            pages = 0
            for page in stream.pages(window):
                pages += 1
                t = tables.setdefault(page.spec.name, {"rows": 0, "rejects": 0, "api_calls": 0})
                t["rows"] += page.rows.num_rows
                t["rejects"] += len(page.rejects)
                t["api_calls"] += page.api_calls
            seconds = time.perf_counter() - started
            commands.put("counts")
            endpoints, throttled, emulator_busy = answers.get(timeout=60)
            records = sum(v["rows"] + v["rejects"] for k, v in tables.items() if k == stream.specs[0].name)
            calls = sum(t["api_calls"] for t in tables.values())
            searches = endpoints.get("hubspot.objects.search", 0)
            others = calls - searches
            real_seconds = max(
                searches / settings.SEARCH_REQUESTS_PER_SECOND,
                others / (settings.DEFAULT_REQUESTS_PER_10S * settings.RATE_LIMIT_MARGIN / 10),
            )
            runs[stream.name] = {
                "records": records,
                "tables": tables,
                "pages": pages,
                "api_calls": calls,
                "api_calls_by_endpoint": endpoints,
                "responses_429": throttled,
                "seconds": round(seconds, 2),
                "emulator_busy_seconds": round(emulator_busy, 2),
                "records_per_second": round(records / seconds) if seconds else None,
                "api_calls_per_1000_records": round(1000 * calls / records, 2) if records else None,
                "real_limit_minutes": round(real_seconds / 60, 1),
            }
        commands.put("stop")
    finally:
        child.join(timeout=120)
        if child.is_alive():
            child.terminate()
            child.join()

    total_records = sum(r["records"] for r in runs.values())
    total_seconds = sum(r["seconds"] for r in runs.values())
    result = {
        "activities_knob": activities,
        "rate_limits": "HubSpot's (100/10 s, search 5/s)" if args.real_limits else "raised",
        "store": sizes,
        "sandbox_setup_seconds": setup_seconds,
        "records": total_records,
        "seconds": round(total_seconds, 2),
        "records_per_second": round(total_records / total_seconds),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "streams": runs,
    }
    header = f"{'stream':<24}{'records':>10}{'child rows':>12}{'calls':>8}{'seconds':>9}{'rec/s':>9}"
    print(header + f"{'calls/1k':>10}{'real-limit min':>16}")
    for name, r in runs.items():
        children = sum(t["rows"] for k, t in r["tables"].items() if k != name.split(".")[1])
        print(
            f"{name:<24}{r['records']:>10}{children:>12}{r['api_calls']:>8}{r['seconds']:>9}"
            f"{r['records_per_second'] or '-':>9}{r['api_calls_per_1000_records'] or '-':>10}"
            f"{r['real_limit_minutes']:>16}"
        )
    print(
        f"{'total':<24}{total_records:>10}{'':>12}{'':>8}{total_seconds:>9.2f}{result['records_per_second']:>9}"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

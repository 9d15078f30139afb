"""Requests/s and records/s of the Salesforce emulator serving 2,000-record SOQL pages (REST) and
50,000-record Bulk 2.0 CSV pages, through the real simple-salesforce client over HTTPS.

    .venv/bin/python bench/salesforce_pages.py [--activities 1000000] [--quick]

Prints a table and one JSON line; `server` is the share of the wall time the emulator spent
answering (the rest is the client and the network stack).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from datetime import datetime

from simple_salesforce import Salesforce

from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

FIELDS = (
    "Id, OwnerId, WhoId, WhatId, AccountId, Subject, TaskSubtype, CallDisposition, CallDurationInSeconds, "
    "CompletedDateTime, CreatedDate, SystemModstamp, IsDeleted, IsArchived"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 activities: a smoke run")
    args = parser.parse_args()
    activities = 50_000 if args.quick else args.activities
    started = time.perf_counter()
    org = OrgConfig(seed=1, reps=60, teams=6, days=730, end=datetime(2026, 11, 1), activities=activities)
    with Sandbox(SandboxConfig(org=org)) as box:
        setup_seconds = time.perf_counter() - started
        creds = box.config.salesforce.credentials
        sf = Salesforce(
            username=creds.username,
            password=creds.password,
            security_token=creds.security_token,
            session=box.salesforce_session(),
        )
        box.requests.clear()
        t0 = time.perf_counter()
        rest_records = sum(1 for _ in sf.query_all_iter(f"SELECT {FIELDS} FROM Task", include_deleted=True))
        rest_seconds = time.perf_counter() - t0
        rest_requests = box.requests.count("salesforce.query*")
        rest_server = sum(e.seconds for e in box.salesforce.log.entries)
        box.requests.clear()
        t0 = time.perf_counter()
        bulk_records = 0
        for page in sf.bulk2.Task.query_all(f"SELECT {FIELDS} FROM Task", max_records=50_000, wait=0.05):
            bulk_records += sum(1 for _ in csv.reader(io.StringIO(page))) - 1
        bulk_seconds = time.perf_counter() - t0
        bulk_requests = box.requests.count("salesforce.bulk2.*")
        bulk_server = sum(e.seconds for e in box.salesforce.log.entries)
    result = {
        "activities_generated": activities,
        "setup_seconds": round(setup_seconds, 2),
        "rest": {
            "records": rest_records,
            "requests": rest_requests,
            "seconds": round(rest_seconds, 2),
            "requests_per_second": round(rest_requests / rest_seconds, 1),
            "records_per_second": round(rest_records / rest_seconds),
            "server_share": round(rest_server / rest_seconds, 3),
        },
        "bulk2": {
            "records": bulk_records,
            "requests": bulk_requests,
            "seconds": round(bulk_seconds, 2),
            "records_per_second": round(bulk_records / bulk_seconds),
            "server_share": round(bulk_server / bulk_seconds, 3),
        },
    }
    print(
        f"{'path':<8}{'records':>10}{'requests':>10}{'seconds':>9}{'req/s':>8}{'records/s':>11}{'server':>8}"
    )
    for name in ("rest", "bulk2"):
        r = result[name]
        rps = r["requests"] / r["seconds"]
        print(
            f"{name:<8}{r['records']:>10}{r['requests']:>10}{r['seconds']:>9}{rps:>8.1f}"
            f"{r['records_per_second']:>11}{r['server_share']:>8.0%}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

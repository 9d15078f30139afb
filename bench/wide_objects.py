"""Wide Salesforce objects: the Task, Event and Opportunity streams of an org whose objects carry 800
custom fields, against the same org without them (same seed), pages only (no warehouse).

    .venv/bin/python bench/wide_objects.py [--activities 220000] [--custom-fields 800] [--quick]

Each org is synced twice: with the default settings (REST, then one Bulk API 2.0 job past 10,000
records, whose query travels in the request body) and over REST only (Bulk disabled), where a wide
object's fields are read in chunks joined on Id. Per stream: records, API calls (all, and those
that return records against the minimum the page sizes allow, bench/api_calls.py), the field chunks
a REST page takes, seconds, the largest page handed out. The sandbox runs in its own process
(bench/harness.py), so the peak RSS reported is the connector's. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from api_calls import itemise
from harness import OrgSize, SandboxProcess

from connectors.salesforce import SyncSettings, config_from_env, connect, stream
from connectors.salesforce.soql import field_chunks
from connectors.salesforce.specs import EXTRACTIONS
from connectors.streams import Window

EVERYTHING = Window(datetime(2000, 1, 1, tzinfo=UTC))
STREAMS = ("salesforce.task", "salesforce.event", "salesforce.opportunity")
MODES = {"default": SyncSettings(), "rest only": replace(SyncSettings(), bulk_threshold=10**12)}


@dataclass(frozen=True)
class WideOrgSize(OrgSize):
    """The benchmark org, with `custom_fields` on Task, Event, Contact and Opportunity."""

    custom_fields: int = 0

    def org_config(self):
        return replace(super().org_config(), custom_fields=self.custom_fields)


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def sync_org(size: WideOrgSize) -> dict:
    """Serve the org from a child process, then sync each stream in each mode."""
    box = SandboxProcess(size)
    try:
        modes = {}
        for mode, settings in MODES.items():
            credentials = box.call("credentials")  # a fresh session: the direct token flow
            os.environ["REQUESTS_CA_BUNDLE"] = credentials["REQUESTS_CA_BUNDLE"]
            env = {
                k: v
                for k, v in credentials.items()
                if k in ("SALESFORCE_INSTANCE_URL", "SALESFORCE_ACCESS_TOKEN")
            }
            with connect(config_from_env(env), settings=settings) as client:
                modes[mode] = {}
                for name in STREAMS:
                    modes[mode][name] = sync_stream(box, client, name)
                    print(f"{size.custom_fields} custom fields, {mode}: {name} done", file=sys.stderr)
        return {"setup_seconds": box.setup_seconds, "modes": modes, "peak_rss_mb_so_far": peak_rss_mb()}
    finally:
        box.close()


def sync_stream(box: SandboxProcess, client, name: str) -> dict:
    """One stream over an open window: its calls from the emulator's log (the login before it left
    out), against the minimum; the field chunks of its REST pages; the largest page."""
    box.call("clear")
    records = 0
    largest_page_mb = 0.0
    t = time.perf_counter()
    for page in stream(client, name).pages(EVERYTHING):
        records += page.rows.num_rows + len(page.rejects)
        largest_page_mb = max(largest_page_mb, page.rows.nbytes / 2**20)
    seconds = time.perf_counter() - t
    endpoints = box.call("counts")
    itemised = itemise(name, records, endpoints)
    extraction = next(e for e in EXTRACTIONS if e.stream_name == name)
    names = [f.name for f in client.describe(extraction.sobject, context=name)]  # cached: no call
    chunks = field_chunks(
        extraction.sobject,
        names,
        EVERYTHING,
        where=extraction.where,
        api_version=client.settings.api_version,
        include_deleted=extraction.has_is_deleted,
        max_uri_bytes=client.settings.max_uri_bytes,
    )
    return {
        "records": records,
        "fields": len(names),
        "field_chunks": len(chunks),
        "api_calls": sum(endpoints.values()),
        "record_calls": itemised["record_calls"],
        "minimum": itemised["minimum"],
        "fixed_calls": itemised["fixed_calls"],
        "seconds": round(seconds, 2),
        "records_per_second": round(records / seconds),
        "largest_page_mb": round(largest_page_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--activities", type=int, default=220_000, help="about 50,000 call Tasks")
    parser.add_argument("--custom-fields", type=int, default=800)
    parser.add_argument("--quick", action="store_true", help="6,000 activities: a smoke run")
    args = parser.parse_args()
    activities = 6_000 if args.quick else args.activities
    narrow = WideOrgSize(activities=activities, seed=1, days=365)
    wide = replace(narrow, custom_fields=args.custom_fields)
    result = {"activities_generated": activities, "reps": narrow.reps, "custom_fields": args.custom_fields}
    result["narrow"] = sync_org(narrow)
    result["wide"] = sync_org(wide)
    print(
        f"{'mode':<11}{'stream':<24}{'org':<8}{'records':>9}{'fields':>8}{'chunks':>8}{'calls':>7}"
        f"{'record':>8}{'minimum':>9}{'seconds':>9}{'records/s':>11}"
    )
    for mode in MODES:
        for name in STREAMS:
            for org in ("narrow", "wide"):
                r = result[org]["modes"][mode][name]
                print(
                    f"{mode:<11}{name:<24}{org:<8}{r['records']:>9}{r['fields']:>8}{r['field_chunks']:>8}"
                    f"{r['api_calls']:>7}{r['record_calls']:>8}{r['minimum']:>9}{r['seconds']:>9}"
                    f"{r['records_per_second']:>11}"
                )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

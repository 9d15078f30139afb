"""Requests/s and records/s of the HubSpot emulator serving 100-record list pages and 200-record
search pages of calls, through the real hubspot-api-client and through plain urllib3 (the emulator's
own capacity, without the client's model deserialisation).

    .venv/bin/python bench/hubspot_pages.py [--calls 100000] [--pages 200] [--server-process] [--quick]

`--server-process` serves from a child process so the client and the emulator each get a core
(by default the emulator runs in a thread of this process, as in the tests and the Sandbox).
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from datetime import datetime

import hubspot
import orjson
import urllib3
from hubspot.crm.objects.calls import PublicObjectSearchRequest

from sandbox.hubspot.app import DEFAULT_TOKEN, HubSpotApp, HubSpotConfig
from sandbox.hubspot.objects import CALLS, CONTACTS
from sandbox.server import EmulatorServer
from sandbox.store import Store

PROPERTIES = ["hs_timestamp", "hs_call_title", "hs_call_duration", "hs_call_direction", "hubspot_owner_id"]
START = datetime(2025, 1, 1)
UNLIMITED = HubSpotConfig(ten_second_limit=10**9, search_per_second=10**9, daily_limit=10**12)


def fill(store: Store, calls: int) -> None:
    """`calls` calls, 30 s of hs_lastmodifieddate apart, each associated with one of 2,000 contacts."""
    with store.write() as cur:
        cur.execute(
            """INSERT INTO hubspot."calls" (id, archived, archived_at, hs_timestamp, hs_call_title,
                   hs_call_body, hs_call_direction, hs_call_disposition, hs_call_duration, hs_call_status,
                   hubspot_owner_id, hs_createdate, hs_lastmodifieddate)
               SELECT ? + i, i % 97 = 0, CASE WHEN i % 97 = 0 THEN ? + to_seconds(i * 30 + 5) END,
                      ? + to_milliseconds(i * 30_000 + 123), 'Discovery call #' || i,
                      '<p>Notes ' || i || '</p>',
                      CASE WHEN i % 2 = 0 THEN 'OUTBOUND' ELSE 'INBOUND' END,
                      'f240bbac-87c9-4f6e-bf70-924b57d47db7', (i % 3600) * 1000.0, 'COMPLETED',
                      CAST(100 + i % 40 AS VARCHAR), ? + to_seconds(i * 30), ? + to_seconds(i * 30 + 1)
               FROM range(?) t(i)""",
            [CALLS.first_id, START, START, START, START, calls],
        )
        cur.execute(
            """INSERT INTO hubspot.associations
               SELECT 'calls', ? + i, 'contacts', ? + i % 2000, 194, 'HUBSPOT_DEFINED', NULL
               FROM range(?) t(i)
               UNION ALL
               SELECT 'contacts', ? + i % 2000, 'calls', ? + i, 193, 'HUBSPOT_DEFINED', NULL
               FROM range(?) t(i)""",
            [CALLS.first_id, CONTACTS.first_id, calls, CONTACTS.first_id, CALLS.first_id, calls],
        )


def _serve_in_child(calls: int, ready, stop) -> None:
    store = Store()
    fill(store, calls)
    server = EmulatorServer(HubSpotApp(store, UNLIMITED)).start()
    ready.put(server.url)
    stop.wait()
    server.stop()


class Emulator:
    """The emulator in this process (a server thread) or in a child process."""

    def __init__(self, calls: int, *, child: bool) -> None:
        self.child = child
        if child:
            ctx = mp.get_context("spawn")
            ready, self._stop = ctx.Queue(), ctx.Event()
            self._process = ctx.Process(target=_serve_in_child, args=(calls, ready, self._stop))
            self._process.start()
            self.url = ready.get(timeout=600)
        else:
            self._store = Store()
            fill(self._store, calls)
            self._server = EmulatorServer(HubSpotApp(self._store, UNLIMITED)).start()
            self.url = self._server.url

    def close(self) -> None:
        if self.child:
            self._stop.set()
            self._process.join(timeout=30)
        else:
            self._server.stop()
            self._store.close()


def _window_filters(page: int) -> list[dict]:
    """An incremental window holding 10,000 calls (83.3 h of 30-s spaced calls), one per `page`."""
    lo = int((START - datetime(1970, 1, 1)).total_seconds() * 1000) + page * 300_000_000
    return [
        {
            "filters": [
                {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(lo)},
                {"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": str(lo + 300_000_000)},
            ]
        }
    ]


def client_list(url: str, pages: int, properties: list[str] | None) -> tuple[int, int, float]:
    api = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=url).crm.objects.calls.basic_api
    after, records, requests = None, 0, 0
    t0 = time.perf_counter()
    while requests < pages:
        page = api.get_page(limit=100, after=after, properties=properties, archived=False)
        records += len(page.results)
        requests += 1
        if page.paging is None:
            break
        after = page.paging.next.after
    return requests, records, time.perf_counter() - t0


def client_search(url: str, pages: int) -> tuple[int, int, float]:
    api = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=url).crm.objects.calls.search_api
    records, requests = 0, 0
    t0 = time.perf_counter()
    while requests < pages:
        window, offset = divmod(requests, 50)
        request = PublicObjectSearchRequest(
            filter_groups=_window_filters(window),
            sorts=["hs_lastmodifieddate"],
            properties=PROPERTIES,
            limit=200,
            after=str(offset * 200),
        )
        records += len(api.do_search(request).results)
        requests += 1
    return requests, records, time.perf_counter() - t0


def raw_list(url: str, pages: int) -> tuple[int, int, float]:
    fields = "&".join(f"properties={p}" for p in PROPERTIES)
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Accept": "application/json"}
    records, requests, after = 0, 0, ""
    with urllib3.PoolManager(maxsize=1) as pool:
        t0 = time.perf_counter()
        while requests < pages:
            body = orjson.loads(
                pool.request(
                    "GET", f"{url}/crm/v3/objects/calls?limit=100&{fields}{after}", headers=headers
                ).data
            )
            records += len(body["results"])
            requests += 1
            if "paging" not in body:
                break
            after = "&after=" + body["paging"]["next"]["after"]
        return requests, records, time.perf_counter() - t0


def raw_search(url: str, pages: int) -> tuple[int, int, float]:
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Content-Type": "application/json"}
    records = 0
    with urllib3.PoolManager(maxsize=1) as pool:
        t0 = time.perf_counter()
        for n in range(pages):
            window, offset = divmod(n, 50)
            request = {
                "filterGroups": _window_filters(window),
                "sorts": ["hs_lastmodifieddate"],
                "properties": PROPERTIES,
                "limit": 200,
                "after": str(offset * 200),
            }
            response = pool.request(
                "POST", f"{url}/crm/v3/objects/calls/search", body=orjson.dumps(request), headers=headers
            )
            records += len(orjson.loads(response.data)["results"])
        return pages, records, time.perf_counter() - t0


def _row(requests: int, records: int, seconds: float) -> dict:
    return {
        "requests": requests,
        "records": records,
        "seconds": round(seconds, 3),
        "requests_per_second": round(requests / seconds, 1),
        "records_per_second": round(records / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=200, help="requests per measurement")
    parser.add_argument("--server-process", action="store_true", help="serve from a child process")
    parser.add_argument("--quick", action="store_true", help="20,000 calls, 40 pages: a smoke run")
    args = parser.parse_args()
    calls, pages = (20_000, 40) if args.quick else (args.calls, args.pages)
    result: dict = {"calls": calls, "server": "child process" if args.server_process else "in-process thread"}
    t0 = time.perf_counter()
    emulator = Emulator(calls, child=args.server_process)
    result["setup_seconds"] = round(time.perf_counter() - t0, 2)
    try:
        runs = {
            "client_list_100_default_properties": client_list(emulator.url, pages, None),
            "client_list_100_five_properties": client_list(emulator.url, pages, PROPERTIES),
            "client_search_200": client_search(emulator.url, pages),
            "raw_list_100_five_properties": raw_list(emulator.url, pages),
            "raw_search_200": raw_search(emulator.url, pages),
        }
    finally:
        emulator.close()
    result["runs"] = {name: _row(*r) for name, r in runs.items()}
    print(f"{'path':<38}{'requests':>9}{'seconds':>9}{'req/s':>9}{'records/s':>11}")
    for name, row in result["runs"].items():
        print(
            f"{name:<38}{row['requests']:>9}{row['seconds']:>9}"
            f"{row['requests_per_second']:>9}{row['records_per_second']:>11}"
        )
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Keyset paging of a search window against an in-memory search (HubSpot's semantics: filters on the
modification time and hs_object_id, one sort, 200 a page, ties in any order, at most 10,000 results a
query), including records that change while the window is read."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from connectors.hubspot.mapping import EPOCH, epoch_ms
from connectors.hubspot.paging import search_window

PROP = "hs_lastmodifieddate"
T0 = epoch_ms(datetime(2026, 1, 1, tzinfo=UTC))


def iso(ms: int) -> str:
    moment = EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class FakeSearch:
    """records: id -> modification ms. Ties come back in a random order on every request."""

    def __init__(self, records: dict[int, int], seed: int = 0) -> None:
        self.records = records
        self.requests: list[dict] = []
        self.rng = random.Random(seed)
        self.before_request = None

    def __call__(self, body: dict) -> dict:
        if self.before_request:
            self.before_request(len(self.requests))
        self.requests.append(body)
        assert body["limit"] == 200
        assert "after" not in body  # never an offset: nothing to skip when records move
        (group,) = body["filterGroups"]
        (sort,) = body["sorts"]
        filters = group["filters"]
        matches = [i for i, ms in self.records.items() if all(self._match(i, ms, f) for f in filters)]
        if sort["propertyName"] == "hs_object_id":
            matches.sort()
        else:
            self.rng.shuffle(matches)
            matches.sort(key=lambda i: self.records[i])
        page = matches[:200]
        body_out: dict = {
            "total": len(matches),
            "results": [{"id": str(i), "properties": {PROP: iso(self.records[i])}} for i in page],
        }
        if len(matches) > 200:
            body_out["paging"] = {"next": {"after": "200"}}
        return body_out

    def _match(self, record_id: int, ms: int, f: dict) -> bool:
        value = int(f["value"])
        actual = record_id if f["propertyName"] == "hs_object_id" else ms
        return {
            "GTE": actual >= value,
            "LT": actual < value,
            "EQ": actual == value,
            "GT": actual > value,
        }[f["operator"]]


def read(search: FakeSearch, start: int = T0, end: int | None = None) -> list[dict]:
    return list(search_window(search, modified_property=PROP, properties=[PROP], start_ms=start, end_ms=end))


def test_every_record_once_in_ascending_time_with_crowded_milliseconds():
    rng = random.Random(1)
    records = {i: T0 + rng.randrange(0, 5_000) for i in range(1, 3_001)}
    records.update({i: T0 + 2_500 for i in range(5_001, 5_451)})  # 450 in one millisecond
    records.update({i: T0 + 4_999 for i in range(6_001, 6_201)})  # exactly a page in one millisecond
    search = FakeSearch(records)
    got = read(search)
    ids = [int(r["id"]) for r in got]
    assert sorted(ids) == sorted(records)
    stamps = [records[i] for i in ids]
    assert stamps == sorted(stamps)
    assert len(search.requests) <= len(records) / 200 + 8


def test_more_than_10000_in_one_millisecond():
    records = {i: T0 for i in range(1, 10_502)} | {20_000 + i: T0 + 1 + i for i in range(300)}
    search = FakeSearch(records)
    ids = [int(r["id"]) for r in read(search)]
    assert sorted(ids) == sorted(records)
    assert len(ids) == len(set(ids))


def test_bounds_are_half_open():
    records = {1: T0 - 1, 2: T0, 3: T0 + 10, 4: T0 + 11, 5: T0 + 12}
    assert [r["id"] for r in read(FakeSearch(records), T0, T0 + 11)] == ["2", "3"]
    assert [r["id"] for r in read(FakeSearch(records), T0 + 11)] == ["4", "5"]


def test_records_changed_or_archived_while_paging_make_no_other_record_skipped():
    rng = random.Random(2)
    records = {i: T0 + rng.randrange(0, 2_000) for i in range(1, 2_001)}
    original = dict(records)
    now = [T0 + 10_000]
    moved, archived = set(), set()

    def users_at_work(n: int) -> None:
        if n == 0:
            return
        # between requests, one early record is edited and one is archived
        victim = min((i for i in records if i not in moved), key=lambda i: records[i])
        now[0] += 1
        records[victim] = now[0]
        moved.add(victim)
        gone = min(records, key=lambda i: records[i])
        archived.add(gone)
        del records[gone]

    search = FakeSearch(records)
    search.before_request = users_at_work
    ids = {int(r["id"]) for r in read(search, T0, T0 + 5_000)}
    untouched = set(original) - moved - archived
    assert untouched <= ids  # no record that stayed put was skipped

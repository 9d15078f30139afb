"""With 10% of requests failing in every way the sandbox offers (429 bursts, 500/502/503, resets,
truncated bodies, slow answers, expired-token 401s), a full sync yields exactly the fault-free rows;
every request, retries included, is counted on a page; a request failing for good raises an error that
names the object, the window and what to do, and never shows the token."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
from hubspot_helpers import EVERYTHING, hubspot_config, quick_config, run

from connectors.hubspot import RetriesExhausted, streams
from sandbox.faults import FaultKind, FaultRule


def sync_everything(box) -> tuple[dict[str, list[dict]], int]:
    """Every table of a full sync (rows sorted), and the API calls its pages report."""
    tables: dict[str, list[dict]] = {}
    calls = 0
    config = quick_config(box)
    for stream in streams(config):
        synced = run(stream, EVERYTHING)
        assert not any(synced.rejects.values())
        calls += synced.api_calls
        for name, rows in synced.rows.items():
            tables[name] = sorted(rows, key=lambda r: tuple(str(r[k]) for k in sorted(r)))
    return tables, calls


def test_faults_change_nothing_in_the_rows(quick_box, caplog):
    box = quick_box
    clean, _ = sync_everything(box)
    caplog.set_level(logging.DEBUG)
    box.inject_faults(FaultRule(endpoints="hubspot.*", rate=0.1))
    kinds: Counter[str] = Counter()
    try:
        for _ in range(8):  # until every kind of fault has been met at least once
            box.requests.clear()
            faulty, calls = sync_everything(box)
            assert faulty == clean
            assert calls == box.requests.count("hubspot.*")  # every request counted, retries included
            kinds.update(e.fault for e in box.hubspot.log.entries if e.fault)
            if set(kinds) == {k.value for k in FaultKind}:
                break
    finally:
        box.faults.clear()
    assert set(kinds) == {k.value for k in FaultKind}, kinds
    assert "HTTP 200" in caplog.text
    assert "retry" in caplog.text
    assert hubspot_config(box).access_token not in caplog.text


def test_a_request_failing_for_good_names_object_window_and_remedy(box):
    config = hubspot_config(box, max_attempts=3)
    stream = next(s for s in streams(config) if s.name == "hubspot.meetings")
    box.requests.clear()
    box.inject_faults(FaultRule(endpoints="hubspot.objects.search", kinds=(FaultKind.UNAVAILABLE,), rate=1.0))
    try:
        with pytest.raises(RetriesExhausted) as caught:
            list(stream.pages(EVERYTHING))
    finally:
        box.faults.clear()
    message = str(caught.value)
    assert "HubSpot meetings" in message
    assert "window [2000-01-01T00:00:00+00:00, open)" in message
    assert "after 3 attempts" in message
    assert "503" in message
    assert "HUBSPOT_REQUESTS_PER_10S" in message
    assert config.access_token not in message + repr(caught.value)
    assert box.requests.count("hubspot.objects.search") == 3

"""Windows are [start, end) to the millisecond, however many records share one: 250 calls share one
hs_lastmodifieddate in the org, and a store with more than 10,000 calls in one window (10,500 of them in
a single millisecond) is read completely, without ever paging a search query past HubSpot's cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hubspot_helpers import quick_config, quick_sandbox, run, store, stream_named

from connectors.streams import Window
from sandbox.hubspot.objects import CALLS

MS = timedelta(milliseconds=1)


@pytest.fixture(scope="module")
def shared_stamp(quick_box) -> datetime:
    (row,) = store(
        quick_box,
        'SELECT hs_lastmodifieddate AS t FROM hubspot."calls" GROUP BY 1 HAVING count(*) >= 250',
    )
    return row["t"].replace(tzinfo=UTC)


def expected_ids(box, start: datetime, end: datetime | None) -> list[int]:
    """Live calls modified in [start, end) and archived calls archived in it, as the store has them."""
    naive_start = start.replace(tzinfo=None)
    naive_end = (end or datetime(9999, 1, 1, tzinfo=UTC)).replace(tzinfo=None)
    rows = store(
        box,
        """SELECT id FROM hubspot."calls"
           WHERE (NOT archived AND hs_lastmodifieddate >= ? AND hs_lastmodifieddate < ?)
              OR (archived AND archived_at >= ? AND archived_at < ?)
           ORDER BY id""",
        [naive_start, naive_end, naive_start, naive_end],
    )
    return [r["id"] for r in rows]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (timedelta(0), MS),  # exactly the 250 sharing the stamp: more than a search page in 1 ms
        (-timedelta(days=3), timedelta(0)),  # ends right before them
        (timedelta(0), None),  # starts with them, open end
        (MS, timedelta(days=2)),  # starts right after them
    ],
    ids=["the-millisecond", "ends-before", "open-from", "starts-after"],
)
def test_window_bounds_are_exact(quick_box, shared_stamp, start, end):
    box = quick_box
    window = Window(shared_stamp + start, None if end is None else shared_stamp + end)
    synced = run(stream_named(quick_config(box), "hubspot.calls"), window)
    ids = [r["id"] for r in synced.table("calls")]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == expected_ids(box, window.start, window.end)
    if start == timedelta(0) and end == MS:
        assert len(ids) == 250


@pytest.fixture(scope="module")
def crowded():
    """The org plus 12,000 calls in a quiet stretch after it: 10,500 modified in one millisecond."""
    with quick_sandbox() as sandbox:
        first = CALLS.first_id + 5_000_000
        moment = datetime(2027, 1, 5, 9, 30, 0, 123_000)
        with sandbox.store.write() as cur:
            cur.execute(
                """INSERT INTO hubspot."calls" (id, archived, archived_at, hs_timestamp, hs_call_title,
                       hs_call_direction, hs_call_duration, hubspot_owner_id, hs_createdate,
                       hs_lastmodifieddate)
                   SELECT ? + i, false, NULL, ?, 'Bulk import #' || i, 'OUTBOUND', 1000.0 * i, NULL, ?,
                          CASE WHEN i < 10500 THEN ? ELSE ? + to_seconds(i - 10500) END
                   FROM range(12000) t(i)""",
                [first, moment, moment, moment, moment],
            )
        yield sandbox, moment.replace(tzinfo=UTC), list(range(first, first + 12_000))


def test_a_window_over_10000_results_is_read_completely(crowded):
    sandbox, moment, ids = crowded
    config = quick_config(sandbox)
    sandbox.requests.clear()
    window = Window(moment - timedelta(days=1), moment + timedelta(days=1))
    synced = run(stream_named(config, "hubspot.calls"), window)
    got = [r["id"] for r in synced.table("calls")]
    assert len(got) == len(set(got)) == 12_000
    assert sorted(got) == ids
    assert sandbox.requests.count("hubspot.objects.search", status=400) == 0  # never past the 10,000 cap
    searches = sandbox.requests.count("hubspot.objects.search")
    assert searches <= 12_000 / 200 + 5  # about one request per 200 new records
    live = [
        p
        for p in synced.pages
        if p.spec.name == "calls" and not any(p.rows.column("_is_deleted").to_pylist())
    ]
    stamps = [stamp for p in live for stamp in p.rows.column("hs_lastmodifieddate").to_pylist()]
    assert stamps == sorted(stamps)  # records modified within the window, in ascending modification time


def test_an_empty_window_still_reports_its_calls(quick_box):
    quick_box.requests.clear()
    later = datetime(2031, 1, 1, tzinfo=UTC)
    window = Window(later, later + timedelta(days=1))
    synced = run(stream_named(quick_config(quick_box), "hubspot.deals"), window)
    assert [(p.spec.name, p.rows.num_rows) for p in synced.pages] == [("deals", 0)]
    # the property list, the archived listing and one search
    assert synced.api_calls == quick_box.requests.count("hubspot.*") == 3

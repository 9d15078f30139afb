"""Changes made between two syncs (sandbox.mutations) come back in the next window, and only they:
a stage move with its history, a new owner, a new call and meeting, an archive as a deleted row dated by
archivedAt, a restore as a live row newer than the archived one; search calls follow the change."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from hubspot_helpers import naive, quick_config, quick_sandbox, run, store, stream_named

from connectors.streams import Window


@pytest.fixture(scope="module")
def changed():
    """A fresh org (this module changes it), the window after its history, and what changed in it."""
    with quick_sandbox() as box:
        since = box.clock.now.replace(tzinfo=UTC)
        calls = store(box, 'SELECT id, archived, hubspot_owner_id FROM hubspot."calls" ORDER BY id')
        live = [c["id"] for c in calls if not c["archived"]]
        was_archived = next(c["id"] for c in calls if c["archived"])
        deal = store(box, 'SELECT id FROM hubspot."deals" WHERE NOT archived AND NOT hs_is_closed LIMIT 1')[0]
        owner = store(
            box, "SELECT id FROM hubspot.owners WHERE NOT archived AND CAST(id AS VARCHAR) <> ? LIMIT 1",
            [calls[0]["hubspot_owner_id"]],
        )[0]["id"]  # fmt: skip
        m, clock = box.mutations, box.clock
        clock.advance(timedelta(hours=1))
        m.move_deal_stage("hubspot", deal["id"], "contractsent")
        clock.advance(timedelta(minutes=5))
        m.reassign_owner("hubspot", "calls", live[0], owner)
        clock.advance(timedelta(minutes=5))
        m.delete("hubspot", "calls", live[1])
        clock.advance(timedelta(minutes=5))
        m.restore("hubspot", "calls", was_archived)
        clock.advance(timedelta(minutes=5))
        new_call = int(m.create_call("hubspot", disposition="connected"))
        new_meeting = int(m.create_meeting("hubspot"))
        box.requests.clear()
        yield (
            box,
            Window(since),
            {
                "deal": deal["id"],
                "reassigned": (live[0], owner),
                "archived": live[1],
                "restored": was_archived,
                "new_call": new_call,
                "new_meeting": new_meeting,
            },
        )


def test_the_next_window_yields_the_changes_and_only_them(changed):
    box, window, what = changed
    config = quick_config(box)
    calls = run(stream_named(config, "hubspot.calls"), window)
    meetings = run(stream_named(config, "hubspot.meetings"), window)
    deals = run(stream_named(config, "hubspot.deals"), window)

    rows = {r["id"]: r for r in calls.table("calls")}
    changed_calls = [what["reassigned"][0], what["archived"], what["restored"], what["new_call"]]
    assert sorted(rows) == sorted(changed_calls)
    assert rows[what["reassigned"][0]]["hubspot_owner_id"] == what["reassigned"][1]
    deleted = rows[what["archived"]]
    archived_at = store(box, 'SELECT archived_at FROM hubspot."calls" WHERE id = ?', [what["archived"]])[0]
    assert deleted["_is_deleted"]
    assert deleted["archived"]
    assert naive(deleted["_source_updated_at"]) == archived_at["archived_at"]
    restored = rows[what["restored"]]
    assert not restored["_is_deleted"]
    assert restored["_source_updated_at"] > deleted["_source_updated_at"]  # newer than any archived row of it
    assert rows[what["new_call"]]["hs_call_disposition"] == "f240bbac-87c9-4f6e-bf70-924b57d47db7"
    associated = {r["call_id"] for r in calls.table("call_associations")}
    assert what["new_call"] in associated

    assert [r["id"] for r in meetings.table("meetings")] == [what["new_meeting"]]

    (deal,) = deals.table("deals")
    assert (deal["id"], deal["dealstage"]) == (what["deal"], "contractsent")
    history = sorted(deals.table("deal_stage_history"), key=lambda r: r["sequence"])
    assert history[-1]["stage"] == "contractsent"
    assert (
        len(history)
        == store(
            box, "SELECT count(*) AS n FROM hubspot.property_history WHERE object_id = ?", [what["deal"]]
        )[0]["n"]
    )
    history_page = next(p for p in deals.pages if p.spec.name == "deal_stage_history")
    assert history_page.parent_ids == [str(what["deal"])]


def test_search_calls_follow_the_change_not_the_org(changed):
    box, window, _ = changed
    box.requests.clear()
    config = quick_config(box)
    for name in ("hubspot.calls", "hubspot.meetings", "hubspot.deals"):
        run(stream_named(config, name), window)
    assert box.requests.count("hubspot.objects.search") == 3  # one page per object
    assert box.requests.counts() == {
        "hubspot.properties.list": 3,  # once per object and run
        "hubspot.objects.list": 3,  # the archived listings (one page each)
        "hubspot.objects.search": 3,
        # the archived call's properties, and the moved deal's stage history
        "hubspot.objects.batch_read": 2,
        # per page of records, one call per target type: calls have a page of archived records and
        # one of live ones (3 + 3), meetings 3, deals 2
        "hubspot.associations.batch_read": 11,
    }

"""A full sync of the sandbox org through the real client over real sockets: every stream yields exactly
what the emulator's store holds, with no 429 at HubSpot's default limits and every request counted."""

from __future__ import annotations

import time
from collections import Counter

import orjson
import pytest
from hubspot_helpers import EVERYTHING, ORG, hubspot_config, naive, quick_config, run, store

from connectors.hubspot import config_from_env, settings, streams
from sandbox.hubspot import objects as emulated
from sandbox.hubspot.app import HubSpotConfig as EmulatorLimits
from sandbox.sandbox import Sandbox, SandboxConfig


@pytest.fixture(scope="module")
def synced(box):
    """Every stream over all time, once, at the sandbox's default (HubSpot's real) rate limits."""
    box.requests.clear()
    config = hubspot_config(box)
    return {stream.name: run(stream, EVERYTHING) for stream in streams(config)}


def test_the_full_sync_sends_no_429_and_counts_every_request(box, synced):
    assert box.requests.count("hubspot.*", status=429) == 0
    assert sum(s.api_calls for s in synced.values()) == box.requests.count("hubspot.*")
    assert box.hubspot.internal_errors == []
    assert all(not r for s in synced.values() for r in s.rejects.values())


@pytest.mark.parametrize("obj", settings.CRM_OBJECTS, ids=lambda o: o.object_type)
def test_records_equal_the_store_archived_ones_included(box, synced, obj):
    got = {row["id"]: row for row in synced[f"hubspot.{obj.object_type}"].table(obj.object_type)}
    expected = store(box, f'SELECT * FROM hubspot."{obj.object_type}" ORDER BY id')
    assert sorted(got) == [r["id"] for r in expected]
    catalog = emulated.HOBJECTS[obj.object_type]
    for want in expected:
        row = got[want["id"]]
        for prop in obj.properties:
            value = want[prop.name]
            if prop.name == "hubspot_owner_id" and value is not None:
                value = int(value)
            assert naive(row[prop.name]) == value, (want["id"], prop.name)
        assert naive(row["created_at"]) == want[catalog.created_property]
        assert naive(row["updated_at"]) == want[catalog.modified_property]
        assert row["archived"] is row["_is_deleted"] is want["archived"]
        assert naive(row["archived_at"]) == want["archived_at"]
        modified = want["archived_at"] if want["archived"] else want[catalog.modified_property]
        assert naive(row["_source_updated_at"]) == modified
        raw = orjson.loads(row["_raw"])
        assert raw["id"] == str(want["id"])
        # every property, not only the typed ones
        assert set(raw["properties"]) == {p.name for p in catalog.properties}
    assert any(r["archived"] for r in got.values())


def test_hostile_text_lands_verbatim(box, synced):
    titles = {r["id"]: r["hs_call_title"] for r in synced["hubspot.calls"].table("calls")}
    rows = store(box, 'SELECT id, hs_call_title FROM hubspot."calls"')
    stored = {r["id"]: r["hs_call_title"] for r in rows}
    assert titles == stored
    hostile = [t for t in titles.values() if t and any(c in t for c in "'\"\\\n\t<")]
    assert hostile, "the org should hold hostile call titles"


def test_owners_include_archived_ones_and_ones_without_email(box, synced):
    got = {r["id"]: r for r in synced["hubspot.owners"].table("owners")}
    expected = store(box, "SELECT * FROM hubspot.owners ORDER BY id")
    assert sorted(got) == [r["id"] for r in expected]
    for want in expected:
        row = got[want["id"]]
        assert (row["email"], row["first_name"], row["last_name"], row["user_id"]) == (
            want["email"],
            want["firstName"],
            want["lastName"],
            want["userId"],
        )
        assert row["archived"] is row["_is_deleted"] is want["archived"]
        assert naive(row["_source_updated_at"]) == want["updatedAt"]
        assert orjson.loads(row["teams"])[0]["name"] == want["team_name"]
    assert any(r["email"] is None for r in got.values())
    assert any(r["archived"] for r in got.values())


def test_deal_pipeline_stages_are_typed(box, synced):
    rows = synced["hubspot.deal_pipelines"].table("deal_pipelines")
    got = {(r["pipeline_id"], r["stage_id"]): r for r in rows}
    expected = store(box, "SELECT * FROM hubspot.pipeline_stages")
    assert sorted(got) == sorted((r["pipeline_id"], r["stage_id"]) for r in expected)
    for want in expected:
        row = got[(want["pipeline_id"], want["stage_id"])]
        assert (row["label"], row["display_order"], row["is_closed"], row["probability"]) == (
            want["label"],
            want["display_order"],
            want["is_closed"],
            want["probability"],
        )
    assert got[("default", "closedwon")]["probability"] == 1.0


def test_stage_history_equals_the_store(box, synced):
    rows = synced["hubspot.deals"].table("deal_stage_history")
    got = Counter(
        (r["deal_id"], r["stage"], naive(r["entered_at"]), r["source_type"], r["updated_by_user_id"])
        for r in rows
    )
    expected = Counter(
        (r["object_id"], r["value"], r["timestamp"], r["source_type"], r["updated_by_user_id"])
        for r in store(box, "SELECT * FROM hubspot.property_history WHERE property = 'dealstage'")
    )
    assert got == expected
    by_deal: dict[int, list] = {}
    for r in sorted(rows, key=lambda r: (r["deal_id"], r["sequence"])):
        by_deal.setdefault(r["deal_id"], []).append(r["entered_at"])
    assert all(stamps == sorted(stamps) for stamps in by_deal.values())  # sequence 0 = oldest


@pytest.mark.parametrize("obj", settings.CRM_OBJECTS, ids=lambda o: o.object_type)
def test_associations_equal_the_store(box, synced, obj):
    parent = f"{obj.singular}_id"
    rows = synced[f"hubspot.{obj.object_type}"].table(f"{obj.singular}_associations")
    got = [
        (r[parent], r["to_object_type"], r["to_id"], r["association_type_id"], r["category"], r["label"])
        for r in rows
    ]
    expected = [
        (r["from_id"], r["to_type"], r["to_id"], r["type_id"], r["category"], r["label"])
        for r in store(
            box,
            "SELECT * FROM hubspot.associations WHERE from_type = ? AND to_type IN (SELECT unnest(?))",
            [obj.object_type, list(obj.associations)],
        )
    ]
    assert len(got) == len(set(got))
    assert sorted(got) == sorted(expected)


def test_child_pages_follow_their_parent_page(synced):
    pages = synced["hubspot.deals"].pages
    for i, page in enumerate(pages):
        if page.spec.replace_key is None:
            continue
        parent = next(p for p in reversed(pages[:i]) if p.spec.replace_key is None)
        ids = sorted(str(i) for i in parent.rows.column("id").to_pylist())
        assert sorted(page.parent_ids) == ids
    live = [p for p in pages if p.spec.name == "deals" and not any(p.rows.column("_is_deleted").to_pylist())]
    stamps = [stamp for p in live for stamp in p.rows.column("hs_lastmodifieddate").to_pylist()]
    assert stamps == sorted(stamps)  # live records come in ascending modification time


def test_stopping_early_releases_everything(quick_box):
    pages = next(s for s in streams(quick_config(quick_box)) if s.name == "hubspot.calls").pages(EVERYTHING)
    first = next(pages)
    assert first.spec.name == "calls"
    pages.close()  # the worker is joined and the sockets closed (warnings are errors here)


@pytest.mark.slow
def test_a_lower_portal_limit_holds_over_the_ten_second_window():
    """A portal limit of 25 requests per 10 s (client budget 22) against a sync needing ~35 requests
    besides search: the client waits for the window to slide instead of drawing 429s."""
    limits = EmulatorLimits(ten_second_limit=25)
    with Sandbox(SandboxConfig(org=ORG, hubspot=limits)) as sandbox:
        env = {**sandbox.credentials(), "HUBSPOT_REQUESTS_PER_10S": "25"}
        config = config_from_env(env)
        started = time.monotonic()
        synced = {s.name: run(s) for s in streams(config) if s.name != "hubspot.owners"}
        elapsed = time.monotonic() - started
        non_search = sandbox.requests.count("hubspot.*") - sandbox.requests.count("hubspot.objects.search")
        assert non_search > 25
        assert sandbox.requests.count("hubspot.*", status=429) == 0
        assert elapsed >= 10.0 * (non_search // 22) - 1
        assert (
            len(synced["hubspot.calls"].table("calls"))
            == store(sandbox, 'SELECT count(*) AS n FROM hubspot."calls"')[0]["n"]
        )

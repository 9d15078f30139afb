"""The mutation API on HubSpot contacts, e-mails and tasks: created with their associations both ways,
updated (a job title change, a task completed) with a new last-modified time, archived without one."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sandbox.hubspot.objects import ASSOCIATION_TYPES
from sandbox.org.config import OrgConfig
from sandbox.org.generate import generate
from sandbox.org.mutations import Clock, Mutations
from sandbox.store import Store

END = datetime(2025, 3, 3)


@pytest.fixture
def org():
    store = Store()
    generate(OrgConfig(seed=4, end=END, activities=1000, reps=6, days=60), store)
    clock = Clock(END)
    clock.advance(timedelta(hours=2))
    yield store, clock, Mutations(store, clock, seed=4)
    store.close()


def record(store: Store, obj: str, record_id: str) -> dict:
    result = store.cursor().execute(f'SELECT * FROM hubspot."{obj}" WHERE id = ?', [int(record_id)])
    return dict(zip([d[0] for d in result.description], result.fetchone(), strict=True))


def associations(store: Store, obj: str, record_id: str) -> set[tuple[str, int, int]]:
    """(to type, to id, type id) of a record, checked to have each reverse association too."""
    cur = store.cursor()
    rows = cur.execute(
        "SELECT to_type, to_id, type_id FROM hubspot.associations WHERE from_type = ? AND from_id = ?",
        [obj, int(record_id)],
    ).fetchall()
    for to_type, to_id, _ in rows:
        reverse = cur.execute(
            "SELECT type_id FROM hubspot.associations WHERE from_type = ? AND from_id = ? AND to_type = ? "
            "AND to_id = ?",
            [to_type, to_id, obj, int(record_id)],
        ).fetchall()
        assert reverse == [(ASSOCIATION_TYPES[(to_type, obj)][0],)]
    return set(rows)


def a_company_with_a_contact(store: Store) -> tuple[int, int]:
    return (
        store.cursor()
        .execute(
            """SELECT CAST(associatedcompanyid AS BIGINT), min(id) FROM hubspot."contacts"
           WHERE NOT archived AND associatedcompanyid IS NOT NULL GROUP BY 1 ORDER BY 1 LIMIT 1"""
        )
        .fetchone()
    )


def test_a_new_contact_belongs_to_its_company(org):
    store, clock, mutations = org
    company, _ = a_company_with_a_contact(store)
    contact = mutations.create_contact(
        "hubspot", company=company, job_title="Chief Revenue Officer", email="new@example.com", phone="+1 555"
    )
    row = record(store, "contacts", contact)
    assert (row["jobtitle"], row["email"], row["phone"], row["lifecyclestage"]) == (
        "Chief Revenue Officer",
        "new@example.com",
        "+1 555",
        "lead",
    )
    assert row["associatedcompanyid"] == company
    assert row["createdate"] == row["lastmodifieddate"] == clock.now
    assert associations(store, "contacts", contact) == {("companies", company, 1)}
    person = mutations.create_contact("hubspot", lifecycle_stage=None)
    assert associations(store, "contacts", person) == set()
    with pytest.raises(ValueError, match="lifecycle_stage must be one of"):
        mutations.create_contact("hubspot", lifecycle_stage="hot")


def test_a_job_title_change_bumps_lastmodifieddate(org):
    store, clock, mutations = org
    _, contact = a_company_with_a_contact(store)
    clock.advance(timedelta(minutes=5))
    mutations.update("hubspot", "contacts", contact, {"jobtitle": "Managing Director"})
    row = record(store, "contacts", str(contact))
    assert (row["jobtitle"], row["lastmodifieddate"]) == ("Managing Director", clock.now)


@pytest.mark.parametrize("obj", ["emails", "tasks"])
def test_follow_ups_are_created_with_contact_company_and_deal(org, obj):
    store, clock, mutations = org
    company, contact = a_company_with_a_contact(store)
    create = mutations.create_email if obj == "emails" else mutations.create_task
    record_id = create("hubspot", contact=contact)
    assert int(record_id) == store.cursor().execute(f'SELECT max(id) FROM hubspot."{obj}"').fetchone()[0]
    row = record(store, obj, record_id)
    assert row["hs_createdate"] == row["hs_lastmodifieddate"] == clock.now
    assert row["hubspot_owner_id"] is not None
    assert associations(store, obj, record_id) == {
        ("contacts", contact, ASSOCIATION_TYPES[(obj, "contacts")][0]),
        ("companies", company, ASSOCIATION_TYPES[(obj, "companies")][0]),
    }
    deal = store.cursor().execute('SELECT min(id) FROM hubspot."deals" WHERE NOT archived').fetchone()[0]
    on_deal = create("hubspot", deal=deal)
    assert ("deals", deal, ASSOCIATION_TYPES[(obj, "deals")][0]) in associations(store, obj, on_deal)


def test_email_directions_and_statuses(org):
    store, clock, mutations = org
    at = clock.now - timedelta(hours=1)
    reply = mutations.create_email(
        "hubspot", direction="INCOMING_EMAIL", status=None, at=at, subject="Re: hi"
    )
    row = record(store, "emails", reply)
    assert (row["hs_email_direction"], row["hs_email_status"], row["hs_timestamp"]) == (
        "INCOMING_EMAIL",
        None,
        at,
    )
    with pytest.raises(ValueError, match="direction must be one of"):
        mutations.create_email("hubspot", direction="OUTGOING")
    with pytest.raises(ValueError, match="status must be one of"):
        mutations.create_email("hubspot", status="DELIVERED")


def test_completing_a_task(org):
    store, clock, mutations = org
    task = mutations.create_task("hubspot", task_type="CALL", priority="HIGH")
    row = record(store, "tasks", task)
    assert (row["hs_task_status"], row["hs_task_completion_date"], row["hs_task_type"]) == (
        "NOT_STARTED",
        None,
        "CALL",
    )
    assert row["hs_timestamp"] == clock.now + timedelta(days=2)
    clock.advance(timedelta(hours=3))
    mutations.complete_task("hubspot", task)
    row = record(store, "tasks", task)
    assert row["hs_task_status"] == "COMPLETED"
    assert row["hs_task_completion_date"] == row["hs_lastmodifieddate"] == clock.now
    with pytest.raises(ValueError, match="already completed"):
        mutations.complete_task("hubspot", task)
    with pytest.raises(ValueError, match="complete_task"):
        mutations.update("hubspot", "tasks", task, {"hs_task_completion_date": clock.now})
    with pytest.raises(ValueError, match="task_type must be one of"):
        mutations.create_task("hubspot", task_type="MEETING")


@pytest.mark.parametrize("obj", ["contacts", "emails", "tasks"])
def test_archiving_leaves_last_modified_and_restoring_bumps_it(org, obj):
    store, clock, mutations = org
    record_id = str(
        store.cursor().execute(f'SELECT min(id) FROM hubspot."{obj}" WHERE NOT archived').fetchone()[0]
    )
    modified = "lastmodifieddate" if obj == "contacts" else "hs_lastmodifieddate"
    before = record(store, obj, record_id)[modified]
    mutations.delete("hubspot", obj, record_id)
    row = record(store, obj, record_id)
    assert (row["archived"], row["archived_at"], row[modified]) == (True, clock.now, before)
    clock.advance(timedelta(minutes=1))
    mutations.restore("hubspot", obj, record_id)
    row = record(store, obj, record_id)
    assert (row["archived"], row["archived_at"], row[modified]) == (False, None, clock.now)


def test_random_changes_reach_emails_and_tasks(org):
    _, _, mutations = org
    changes = mutations.random_changes(300)
    touched = {c.object for c in changes if c.crm == "hubspot"}
    assert {"emails", "tasks"} <= touched

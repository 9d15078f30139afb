"""Mutations between two syncs: each kind changes exactly what it should and stamps the CRM's
modification fields the way that CRM does."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyarrow as pa
import pytest

from sandbox.hubspot.objects import ASSOCIATION_TYPES, HOBJECTS
from sandbox.org.config import OrgConfig
from sandbox.org.generate import generate, store_tables
from sandbox.org.mutations import Change, Clock, Mutations
from sandbox.org.sfids import sf_number
from sandbox.salesforce.ids import sf_id
from sandbox.salesforce.objects import KEY_PREFIXES
from sandbox.store import Store

END = datetime(2025, 3, 3)
CONNECTED_GUID = "f240bbac-87c9-4f6e-bf70-924b57d47db7"


@pytest.fixture(scope="module")
def pristine() -> dict[str, pa.Table]:
    """A small org's tables, generated once; each test gets its own copy."""
    store = Store()
    generate(OrgConfig(seed=4, end=END, activities=1000, reps=6, days=60), store)
    tables = {name: store.cursor().sql(f"SELECT * FROM {name}").to_arrow_table() for name in store_tables()}
    store.close()
    return tables


def copy_of(pristine: dict[str, pa.Table]) -> tuple[Store, Clock, Mutations]:
    store = Store()
    with store.write() as cur:
        for name, data in pristine.items():
            cur.register("pristine_rows", data)
            cur.execute(f"INSERT INTO {name} SELECT * FROM pristine_rows")
            cur.unregister("pristine_rows")
    clock = Clock(END)
    clock.advance(timedelta(hours=2, milliseconds=1, microseconds=999))
    return store, clock, Mutations(store, clock, seed=4)


@pytest.fixture
def org(pristine):
    store, clock, mutations = copy_of(pristine)
    yield store, clock, mutations
    store.close()


def table(store: Store, name: str, key: str = "id") -> dict:
    """Rows of a store table by key, as dicts."""
    result = store.cursor().execute(f"SELECT * FROM {name}")
    columns = [d[0] for d in result.description]
    return {row[columns.index(key)]: dict(zip(columns, row, strict=True)) for row in result.fetchall()}


def changed(before: dict, after: dict) -> tuple[set, set, set]:
    """(added, removed, modified) keys between two snapshots."""
    added, removed = set(after) - set(before), set(before) - set(after)
    modified = {k for k in set(before) & set(after) if before[k] != after[k]}
    return added, removed, modified


def fields_changed(before: dict, after: dict) -> set[str]:
    return {name for name in after if before[name] != after[name]}


def scalar(store: Store, sql: str, *params):
    return store.cursor().execute(sql, list(params)).fetchone()[0]


def open_sf_opportunity(store: Store) -> str:
    return scalar(store, 'SELECT min(Id) FROM salesforce."Opportunity" WHERE NOT IsClosed AND NOT IsDeleted')


def open_hs_deal(store: Store, pipeline: str = "default") -> int:
    sql = 'SELECT min(id) FROM hubspot."deals" WHERE NOT hs_is_closed AND NOT archived AND pipeline = ?'
    return scalar(store, sql, pipeline)


# -- the clock --------------------------------------------------------------------------------------


def test_clock_starts_at_the_end_and_only_moves_forward():
    clock = Clock(END)
    assert clock.now == END
    assert clock.advance(timedelta(seconds=1, microseconds=2500)) == END + timedelta(
        seconds=1, microseconds=2500
    )
    assert clock.now_ms() == END + timedelta(seconds=1, milliseconds=2)
    with pytest.raises(ValueError, match="negative"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="naive"):
        Clock(END.astimezone())


def test_unknown_crm_is_refused(org):
    _, _, mutations = org
    with pytest.raises(ValueError, match="crm must be one of"):
        mutations.create_call("pipedrive")


# -- creating ---------------------------------------------------------------------------------------


def test_salesforce_call_is_a_new_task_with_the_next_id(org):
    store, clock, mutations = org
    before = table(store, 'salesforce."Task"', "Id")
    account = scalar(store, 'SELECT min(AccountId) FROM salesforce."Contact" WHERE NOT IsDeleted')
    task_id = mutations.create_call(
        "salesforce", account=account, disposition="left_voicemail", duration_seconds=31
    )
    after = table(store, 'salesforce."Task"', "Id")
    assert changed(before, after) == ({task_id}, set(), set())
    assert task_id == sf_id(KEY_PREFIXES["Task"], sf_number(max(before)) + 1)
    task = after[task_id]
    now = clock.now_ms()
    assert (task["CreatedDate"], task["LastModifiedDate"], task["SystemModstamp"]) == (now, now, now)
    assert (task["TaskSubtype"], task["CallDisposition"], task["CallDurationInSeconds"]) == (
        "Call",
        "Left Voicemail",
        31,
    )
    assert task["CompletedDateTime"] == now
    assert task["AccountId"] == account == task["WhatId"]
    assert scalar(store, 'SELECT AccountId FROM salesforce."Contact" WHERE Id = ?', task["WhoId"]) == account
    assert task["CreatedById"] == task["LastModifiedById"] == task["OwnerId"]


@pytest.mark.parametrize(
    ("kind", "subtype", "closed"),
    [("email", "Email", True), ("list_email", "ListEmail", True), ("task", "Task", False)],
)
def test_salesforce_follow_ups_are_tasks_of_their_subtype(org, kind, subtype, closed):
    store, clock, mutations = org
    contact = scalar(store, 'SELECT min(Id) FROM salesforce."Contact" WHERE NOT IsDeleted')
    if kind == "task":
        task_id = mutations.create_task("salesforce", contact=contact, subject="Send the proposal")
    else:
        task_id = mutations.create_email("salesforce", contact=contact, list_email=kind == "list_email")
    task = table(store, 'salesforce."Task"', "Id")[task_id]
    assert (task["TaskSubtype"], task["IsClosed"], task["WhoId"]) == (subtype, closed, contact)
    assert task["AccountId"] == scalar(
        store, 'SELECT AccountId FROM salesforce."Contact" WHERE Id = ?', contact
    )
    now = clock.now_ms()
    assert task["CompletedDateTime"] == (now if closed else None)
    assert task["CallDisposition"] is None
    assert task["CallDurationInSeconds"] is None


def test_a_salesforce_to_do_is_completed_later(org):
    store, clock, mutations = org
    task_id = mutations.create_task("salesforce")
    clock.advance(timedelta(hours=3))
    mutations.complete_task("salesforce", task_id)
    task = table(store, 'salesforce."Task"', "Id")[task_id]
    now = clock.now_ms()
    assert (task["Status"], task["IsClosed"], task["CompletedDateTime"], task["SystemModstamp"]) == (
        "Completed",
        True,
        now,
        now,
    )
    with pytest.raises(ValueError, match="already closed"):
        mutations.complete_task("salesforce", task_id)


def test_salesforce_contact_and_lead_are_created_and_retitled(org):
    store, clock, mutations = org
    contact = mutations.create_contact(
        "salesforce", first_name="Ana", last_name="Ruiz", title="Jefa de Ventas"
    )
    lead = mutations.create_lead(company="Nova GmbH", last_name="Weber", title="Geschäftsführer")
    assert lead.startswith(KEY_PREFIXES["Lead"])
    rows = table(store, 'salesforce."Lead"', "Id")[lead]
    assert (rows["Name"], rows["Company"], rows["IsConverted"], rows["Status"]) == (
        "Sam Weber",
        "Nova GmbH",
        False,
        "Open - Not Contacted",
    )
    email = mutations.create_email("salesforce", contact=lead)
    task = table(store, 'salesforce."Task"', "Id")[email]
    assert (task["WhoId"], task["AccountId"], task["WhatId"]) == (lead, None, None)
    clock.advance(timedelta(minutes=5))
    mutations.update("salesforce", "Contact", contact, {"Title": "Directora Comercial"})
    mutations.update("salesforce", "Lead", lead, {"Title": ""})
    assert table(store, 'salesforce."Contact"', "Id")[contact]["Title"] == "Directora Comercial"
    assert table(store, 'salesforce."Lead"', "Id")[lead]["Title"] is None  # empty text is null
    mutations.delete("salesforce", "Lead", lead)
    deleted = table(store, 'salesforce."Lead"', "Id")[lead]
    assert deleted["IsDeleted"]
    assert deleted["SystemModstamp"] == clock.now_ms()


def test_a_follow_up_to_an_unknown_lead_is_refused(org):
    _, _, mutations = org
    with pytest.raises(ValueError, match="Lead"):
        mutations.create_email("salesforce", contact=sf_id(KEY_PREFIXES["Lead"], 99_999_999))


def test_salesforce_call_on_a_deal_refers_to_the_opportunity(org):
    store, _, mutations = org
    deal = open_sf_opportunity(store)
    task_id = mutations.create_call("salesforce", deal=deal, at=END + timedelta(minutes=5))
    task = table(store, 'salesforce."Task"', "Id")[task_id]
    opportunity = table(store, 'salesforce."Opportunity"', "Id")[deal]
    assert task["WhatId"] == deal
    assert task["AccountId"] == opportunity["AccountId"]
    assert task["CompletedDateTime"] == END + timedelta(minutes=5)


def test_hubspot_call_is_a_new_call_with_associations_both_ways(org):
    store, clock, mutations = org
    before = table(store, 'hubspot."calls"')
    deal = open_hs_deal(store)
    call_id = mutations.create_call("hubspot", deal=deal, duration_seconds=300)
    after = table(store, 'hubspot."calls"')
    assert changed(before, after) == ({int(call_id)}, set(), set())
    assert int(call_id) == max(before) + 1
    call = after[int(call_id)]
    now = clock.now_ms()
    assert (call["hs_createdate"], call["hs_lastmodifieddate"], call["hs_timestamp"]) == (now, now, now)
    assert (call["hs_call_disposition"], call["hs_call_duration"]) == (CONNECTED_GUID, 300_000.0)
    assert call["archived"] is False
    links = (
        store.cursor()
        .execute(
            "SELECT to_type, to_id, type_id FROM hubspot.associations "
            "WHERE from_type = 'calls' AND from_id = ?",
            [int(call_id)],
        )
        .fetchall()
    )
    assert {t for t, _, _ in links} == {"companies", "contacts", "deals"}
    assert ("deals", deal, ASSOCIATION_TYPES[("calls", "deals")][0]) in links
    back = scalar(
        store, "SELECT count(*) FROM hubspot.associations WHERE to_type = 'calls' AND to_id = ?", int(call_id)
    )
    assert back == len(links)


def test_meetings_are_booked_now_for_their_start(org):
    store, clock, mutations = org
    start = END + timedelta(days=3, hours=14)
    event_id = mutations.create_meeting("salesforce", start=start, minutes=45)
    event = table(store, 'salesforce."Event"', "Id")[event_id]
    assert (event["StartDateTime"], event["EndDateTime"], event["DurationInMinutes"]) == (
        start,
        start + timedelta(minutes=45),
        45,
    )
    assert event["CreatedDate"] == event["SystemModstamp"] == clock.now_ms()
    assert event["ActivityDateTime"] == start
    meeting_id = mutations.create_meeting("hubspot", start=start, outcome="SCHEDULED")
    meeting = table(store, 'hubspot."meetings"')[int(meeting_id)]
    assert (meeting["hs_timestamp"], meeting["hs_meeting_start_time"], meeting["hs_meeting_outcome"]) == (
        start,
        start,
        "SCHEDULED",
    )
    assert meeting["hs_createdate"] == meeting["hs_lastmodifieddate"] == clock.now_ms()
    with pytest.raises(ValueError, match="outcome"):
        mutations.create_meeting("hubspot", outcome="MAYBE")


def test_salesforce_deal_comes_with_its_first_history_row(org):
    store, clock, mutations = org
    history_before = table(store, 'salesforce."OpportunityHistory"', "Id")
    deal = mutations.create_deal("salesforce", amount=4200.0, currency="EUR")
    opportunity = table(store, 'salesforce."Opportunity"', "Id")[deal]
    assert (opportunity["StageName"], opportunity["Probability"], opportunity["IsClosed"]) == (
        "Prospecting",
        10.0,
        False,
    )
    assert (opportunity["Amount"], opportunity["CurrencyIsoCode"]) == (4200.0, "EUR")
    assert opportunity["CreatedDate"] == opportunity["SystemModstamp"] == clock.now_ms()
    added, _, modified = changed(history_before, table(store, 'salesforce."OpportunityHistory"', "Id"))
    assert len(added) == 1
    assert not modified
    row = table(store, 'salesforce."OpportunityHistory"', "Id")[added.pop()]
    assert (row["OpportunityId"], row["StageName"], row["CreatedDate"]) == (
        deal,
        "Prospecting",
        clock.now_ms(),
    )


def test_hubspot_deal_comes_with_stage_history_and_associations(org):
    store, clock, mutations = org
    deal = int(mutations.create_deal("hubspot", amount=900.0, pipeline="2419357"))
    row = table(store, 'hubspot."deals"')[deal]
    assert (row["pipeline"], row["dealstage"], row["hs_is_closed"]) == ("2419357", "1094851", False)
    assert row["createdate"] == row["hs_lastmodifieddate"] == clock.now_ms()
    history = (
        store.cursor()
        .execute(
            "SELECT value, timestamp, source_type FROM hubspot.property_history WHERE object_id = ?", [deal]
        )
        .fetchall()
    )
    assert history == [("1094851", clock.now_ms(), "CRM_UI")]
    linked = {
        t
        for (t,) in store.cursor()
        .execute("SELECT to_type FROM hubspot.associations WHERE from_type = 'deals' AND from_id = ?", [deal])
        .fetchall()
    }
    assert linked == {"companies", "contacts"}


# -- stage moves ------------------------------------------------------------------------------------


def test_salesforce_stage_move_closes_the_opportunity_and_writes_history(org):
    store, clock, mutations = org
    deal = open_sf_opportunity(store)
    before = table(store, 'salesforce."Opportunity"', "Id")
    history_before = table(store, 'salesforce."OpportunityHistory"', "Id")
    mutations.move_deal_stage("salesforce", deal, "Closed Won")
    after = table(store, 'salesforce."Opportunity"', "Id")
    assert changed(before, after) == (set(), set(), {deal})
    now = clock.now_ms()
    assert fields_changed(before[deal], after[deal]) <= {
        "StageName",
        "Probability",
        "IsClosed",
        "IsWon",
        "ForecastCategory",
        "ForecastCategoryName",
        "CloseDate",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
    }
    row = after[deal]
    assert (row["StageName"], row["Probability"], row["IsClosed"], row["IsWon"]) == (
        "Closed Won",
        100.0,
        True,
        True,
    )
    assert (row["ForecastCategory"], row["CloseDate"]) == ("Closed", now.date())
    assert row["LastModifiedDate"] == row["SystemModstamp"] == now
    added, _, modified = changed(history_before, table(store, 'salesforce."OpportunityHistory"', "Id"))
    assert len(added) == 1
    assert not modified
    history = table(store, 'salesforce."OpportunityHistory"', "Id")[added.pop()]
    assert (history["OpportunityId"], history["StageName"], history["CreatedDate"]) == (
        deal,
        "Closed Won",
        now,
    )
    assert history["Amount"] == row["Amount"]
    with pytest.raises(ValueError, match="no active OpportunityStage"):
        mutations.move_deal_stage("salesforce", deal, "Closed Maybe")


def test_salesforce_stage_move_to_an_open_stage_keeps_the_close_date(org):
    store, _, mutations = org
    deal = open_sf_opportunity(store)
    close_date = scalar(store, 'SELECT CloseDate FROM salesforce."Opportunity" WHERE Id = ?', deal)
    mutations.move_deal_stage("salesforce", deal, "Discovery")
    row = table(store, 'salesforce."Opportunity"', "Id")[deal]
    assert (row["StageName"], row["Probability"], row["IsClosed"], row["CloseDate"]) == (
        "Discovery",
        15.0,
        False,
        close_date,
    )


def test_hubspot_stage_move_follows_pipeline_metadata_and_writes_history(org):
    store, clock, mutations = org
    deal = open_hs_deal(store)
    before = table(store, 'hubspot."deals"')
    history_count = scalar(store, "SELECT count(*) FROM hubspot.property_history WHERE object_id = ?", deal)
    mutations.move_deal_stage("hubspot", deal, "closedlost")
    after = table(store, 'hubspot."deals"')
    assert changed(before, after) == (set(), set(), {deal})
    assert fields_changed(before[deal], after[deal]) <= {
        "dealstage",
        "hs_is_closed",
        "hs_is_closed_won",
        "closedate",
        "hs_lastmodifieddate",
    }
    now = clock.now_ms()
    row = after[deal]
    assert (row["dealstage"], row["hs_is_closed"], row["hs_is_closed_won"]) == ("closedlost", True, False)
    assert row["closedate"] == row["hs_lastmodifieddate"] == now
    history = (
        store.cursor()
        .execute(
            "SELECT value, timestamp FROM hubspot.property_history WHERE object_id = ? ORDER BY timestamp",
            [deal],
        )
        .fetchall()
    )
    assert len(history) == history_count + 1
    assert history[-1] == ("closedlost", now)
    with pytest.raises(ValueError, match="has no stage"):
        mutations.move_deal_stage("hubspot", deal, "1094854")  # a stage of the other pipeline


# -- owners and fields ------------------------------------------------------------------------------


def test_reassign_owner_in_salesforce(org):
    store, clock, mutations = org
    account = scalar(store, 'SELECT min(Id) FROM salesforce."Account" WHERE NOT IsDeleted')
    old_owner = scalar(store, 'SELECT OwnerId FROM salesforce."Account" WHERE Id = ?', account)
    new_owner = scalar(
        store,
        'SELECT min(Id) FROM salesforce."User" WHERE IsActive AND Id <> ? AND Department IS NOT NULL',
        old_owner,
    )
    before = table(store, 'salesforce."Account"', "Id")
    mutations.reassign_owner("salesforce", "Account", account, new_owner)
    after = table(store, 'salesforce."Account"', "Id")
    assert changed(before, after) == (set(), set(), {account})
    assert fields_changed(before[account], after[account]) == {
        "OwnerId",
        "LastModifiedById",
        "LastModifiedDate",
        "SystemModstamp",
    }
    assert after[account]["OwnerId"] == after[account]["LastModifiedById"] == new_owner
    assert after[account]["SystemModstamp"] == clock.now_ms()
    with pytest.raises(ValueError, match="does not exist"):
        mutations.reassign_owner("salesforce", "Account", account, "005000000000000AAA")


@pytest.mark.parametrize("obj", list(HOBJECTS))
def test_reassign_owner_in_hubspot(org, obj):
    store, clock, mutations = org
    record = scalar(store, f'SELECT min(id) FROM hubspot."{obj}" WHERE NOT archived')
    old_owner = scalar(store, f'SELECT hubspot_owner_id FROM hubspot."{obj}" WHERE id = ?', record)
    new_owner = scalar(store, "SELECT min(id) FROM hubspot.owners WHERE id::VARCHAR <> ?", old_owner)
    before = table(store, f'hubspot."{obj}"')
    mutations.reassign_owner("hubspot", obj, record, new_owner)
    after = table(store, f'hubspot."{obj}"')
    modified = HOBJECTS[obj].modified_property
    assert changed(before, after) == (set(), set(), {record})
    assert fields_changed(before[record], after[record]) == {"hubspot_owner_id", modified}
    assert (after[record]["hubspot_owner_id"], after[record][modified]) == (str(new_owner), clock.now_ms())


def test_salesforce_update_sets_fields_and_stamps(org):
    store, clock, mutations = org
    task = scalar(
        store, """SELECT min(Id) FROM salesforce."Task" WHERE NOT IsDeleted AND Description IS NULL"""
    )
    before = table(store, 'salesforce."Task"', "Id")
    mutations.update("salesforce", "Task", task, {"subject": "Re: pricing 'quoted'", "Description": ""})
    after = table(store, 'salesforce."Task"', "Id")
    assert changed(before, after) == (set(), set(), {task})
    assert fields_changed(before[task], after[task]) <= {
        "Subject",
        "LastModifiedDate",
        "SystemModstamp",
        "LastModifiedById",
    }
    assert after[task]["Subject"] == "Re: pricing 'quoted'"
    assert after[task]["Description"] is None  # Salesforce stores empty text as null
    assert after[task]["LastModifiedDate"] == after[task]["SystemModstamp"] == clock.now_ms()
    with pytest.raises(ValueError, match="no field 'Colour__c'"):
        mutations.update("salesforce", "Task", task, {"Colour__c": "red"})
    with pytest.raises(ValueError, match="SystemModstamp itself"):
        mutations.update("salesforce", "Task", task, {"SystemModstamp": END})
    with pytest.raises(ValueError, match="move_deal_stage"):
        mutations.update("salesforce", "Opportunity", open_sf_opportunity(store), {"StageName": "Closed Won"})


def test_salesforce_amount_change_writes_history_in_the_same_stage(org):
    store, clock, mutations = org
    deal = open_sf_opportunity(store)
    stage = scalar(store, 'SELECT StageName FROM salesforce."Opportunity" WHERE Id = ?', deal)
    mutations.update("salesforce", "Opportunity", deal, {"Amount": 77_000.0})
    latest = (
        store.cursor()
        .execute(
            'SELECT StageName, Amount, CreatedDate FROM salesforce."OpportunityHistory" '
            "WHERE OpportunityId = ? ORDER BY CreatedDate DESC LIMIT 1",
            [deal],
        )
        .fetchone()
    )
    assert latest == (stage, 77_000.0, clock.now_ms())


def test_hubspot_update_sets_properties_and_last_modified(org):
    store, clock, mutations = org
    contact = scalar(store, 'SELECT min(id) FROM hubspot."contacts" WHERE NOT archived')
    before = table(store, 'hubspot."contacts"')
    mutations.update("hubspot", "contacts", contact, {"jobtitle": 'Chief "Quote" Officer'})
    after = table(store, 'hubspot."contacts"')
    assert changed(before, after) == (set(), set(), {contact})
    assert fields_changed(before[contact], after[contact]) == {"jobtitle", "lastmodifieddate"}
    assert after[contact]["lastmodifieddate"] == clock.now_ms()
    with pytest.raises(ValueError, match="no property 'favourite_colour'"):
        mutations.update("hubspot", "contacts", contact, {"favourite_colour": "red"})
    with pytest.raises(ValueError, match="createdate itself"):
        mutations.update("hubspot", "contacts", contact, {"createdate": END})
    with pytest.raises(ValueError, match="itself"):
        mutations.update("hubspot", "deals", open_hs_deal(store), {"dealstage": "closedwon"})


# -- deleting and restoring -------------------------------------------------------------------------


def test_salesforce_delete_flips_is_deleted_and_bumps_system_modstamp_only(org):
    store, clock, mutations = org
    task = scalar(store, 'SELECT min(Id) FROM salesforce."Task" WHERE NOT IsDeleted')
    before = table(store, 'salesforce."Task"', "Id")
    mutations.delete("salesforce", "Task", task)
    after = table(store, 'salesforce."Task"', "Id")
    assert changed(before, after) == (set(), set(), {task})
    assert fields_changed(before[task], after[task]) == {"IsDeleted", "SystemModstamp"}
    assert after[task]["IsDeleted"] is True
    assert after[task]["SystemModstamp"] == clock.now_ms()
    with pytest.raises(ValueError, match="already deleted"):
        mutations.delete("salesforce", "Task", task)
    clock.advance(timedelta(minutes=5))
    mutations.restore("salesforce", "Task", task)
    restored = table(store, 'salesforce."Task"', "Id")[task]
    assert restored["IsDeleted"] is False
    assert restored["SystemModstamp"] == clock.now_ms()
    assert restored["LastModifiedDate"] == before[task]["LastModifiedDate"]


def test_deleting_an_opportunity_deletes_its_history(org):
    store, clock, mutations = org
    deal = open_sf_opportunity(store)
    mutations.delete("salesforce", "Opportunity", deal)
    history = (
        store.cursor()
        .execute(
            'SELECT IsDeleted, SystemModstamp FROM salesforce."OpportunityHistory" WHERE OpportunityId = ?',
            [deal],
        )
        .fetchall()
    )
    assert history
    assert set(history) == {(True, clock.now_ms())}
    with pytest.raises(ValueError, match="restore it first"):
        mutations.move_deal_stage("salesforce", deal, "Closed Lost")
    clock.advance(timedelta(seconds=1))
    mutations.restore("salesforce", "Opportunity", deal)
    flags = {
        d
        for (d,) in store.cursor()
        .execute('SELECT IsDeleted FROM salesforce."OpportunityHistory" WHERE OpportunityId = ?', [deal])
        .fetchall()
    }
    assert flags == {False}


@pytest.mark.parametrize("obj", list(HOBJECTS))
def test_hubspot_delete_archives_without_touching_last_modified(org, obj):
    store, clock, mutations = org
    record = scalar(store, f'SELECT min(id) FROM hubspot."{obj}" WHERE NOT archived')
    modified = HOBJECTS[obj].modified_property
    before = table(store, f'hubspot."{obj}"')
    mutations.delete("hubspot", obj, record)
    after = table(store, f'hubspot."{obj}"')
    assert changed(before, after) == (set(), set(), {record})
    assert fields_changed(before[record], after[record]) == {"archived", "archived_at"}
    assert (after[record]["archived"], after[record]["archived_at"]) == (True, clock.now_ms())
    clock.advance(timedelta(minutes=1))
    mutations.restore("hubspot", obj, record)
    restored = table(store, f'hubspot."{obj}"')[record]
    assert (restored["archived"], restored["archived_at"], restored[modified]) == (
        False,
        None,
        clock.now_ms(),
    )
    with pytest.raises(ValueError, match="not archived"):
        mutations.restore("hubspot", obj, record)


# -- many at once -----------------------------------------------------------------------------------


def test_touch_many_gives_records_one_timestamp(org):
    store, clock, mutations = org
    before = table(store, 'salesforce."Task"', "Id")
    touched = mutations.touch_many("salesforce", "Task", count=40)
    after = table(store, 'salesforce."Task"', "Id")
    assert len(touched) == 40
    assert changed(before, after) == (set(), set(), set(touched))
    now = clock.now_ms()
    assert {(after[t]["LastModifiedDate"], after[t]["SystemModstamp"]) for t in touched} == {(now, now)}
    calls = [
        r for (r,) in store.cursor().execute('SELECT id FROM hubspot."calls" ORDER BY id LIMIT 25').fetchall()
    ]
    assert mutations.touch_many("hubspot", "calls", ids=calls) == [str(c) for c in calls]
    assert scalar(store, 'SELECT count(*) FROM hubspot."calls" WHERE hs_lastmodifieddate = ?', now) == 25
    with pytest.raises(ValueError, match="do not exist"):
        mutations.touch_many("hubspot", "calls", ids=[1])


def invariants_hold(store: Store) -> None:
    for name in ("Account", "Contact", "Task", "Event", "Opportunity"):
        bad = scalar(
            store,
            f'SELECT count(*) FROM salesforce."{name}" WHERE NOT '
            "(CreatedDate <= LastModifiedDate AND LastModifiedDate <= SystemModstamp)",
        )
        assert bad == 0, name
        assert scalar(store, f'SELECT count(*) - count(DISTINCT Id) FROM salesforce."{name}"') == 0
    for name, obj in HOBJECTS.items():
        bad = scalar(
            store,
            f'SELECT count(*) FROM hubspot."{name}" WHERE {obj.modified_property} < {obj.created_property} '
            "OR archived <> (archived_at IS NOT NULL)",
        )
        assert bad == 0, name
        assert scalar(store, f'SELECT count(*) - count(DISTINCT id) FROM hubspot."{name}"') == 0


def test_random_changes_are_deterministic_varied_and_keep_invariants(pristine):
    results = []
    for _ in range(2):
        store, clock, mutations = copy_of(pristine)
        started = clock.now_ms()
        changes = mutations.random_changes(40)
        invariants_hold(store)
        tasks = table(store, 'salesforce."Task"', "Id")
        results.append((changes, tasks, clock.now))
        store.close()
    (first, tasks, now), (second, tasks_again, now_again) = results
    assert first == second
    assert tasks == tasks_again
    assert now == now_again
    assert len(first) == 40
    assert all(isinstance(c, Change) and c.crm in ("salesforce", "hubspot") and c.id in c.ids for c in first)
    assert len({c.kind for c in first}) >= 6
    assert now > started


def test_random_changes_stamp_what_they_change(org):
    store, clock, mutations = org
    started = clock.now_ms()
    for change in mutations.random_changes(30):
        if change.kind in ("delete",):
            continue
        if change.crm == "salesforce":
            stamp = scalar(
                store, f'SELECT SystemModstamp FROM salesforce."{change.object}" WHERE Id = ?', change.id
            )
        else:
            modified = HOBJECTS[change.object].modified_property
            stamp = scalar(
                store, f'SELECT {modified} FROM hubspot."{change.object}" WHERE id = ?', int(change.id)
            )
        assert started < stamp <= clock.now_ms(), change

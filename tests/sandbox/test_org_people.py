"""The people reps sell to and the follow-ups they log: titles of every seniority (executives a
minority, some empty, odd or foreign), Salesforce leads, Task subtypes at a real team's rates, and
first meetings at the top converting better."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from sandbox.org.config import OrgConfig
from sandbox.org.deals import _first_held_meetings
from sandbox.org.generate import generate
from sandbox.org.reps import build_roster
from sandbox.org.timeline import MS_PER_DAY, Calendar, to_ms
from sandbox.org.titles import C_LEVEL, NO_TITLE, TITLES, VP, is_executive
from sandbox.org.world import build_world
from sandbox.store import Store

END = datetime(2025, 3, 3)


def names(code: int) -> set[str]:
    return {entry if isinstance(entry, str) else entry[0] for entry in TITLES[code]}


@pytest.fixture(scope="module")
def store():
    store = Store()
    generate(OrgConfig(seed=11, end=END), store)
    yield store
    store.close()


def counts(store: Store, sql: str) -> dict:
    return dict(store.cursor().execute(sql).fetchall())


def test_titles_cover_every_seniority_with_executives_a_minority(store):
    titles = counts(store, 'SELECT Title, count(*) FROM salesforce."Contact" GROUP BY ALL')
    total = sum(titles.values())
    executives = sum(n for t, n in titles.items() if t in names(C_LEVEL) | names(VP))
    assert 0.12 < executives / total < 0.22
    for code in TITLES:
        assert names(code) - {""} <= set(titles), code  # every title is in use
    assert titles[None] > 0  # empty: Salesforce keeps it as null
    assert {"   ", "-", "..."} <= set(titles)  # whitespace and punctuation only
    assert {"Geschäftsführer", "営業部長", "Chief Happiness Officer", "ceo & founder"} <= set(titles)
    assert sum(n for t, n in titles.items() if t in names(NO_TITLE) | {None}) < 0.1 * total


def test_task_subtypes_come_at_a_real_teams_rates(store):
    by_subtype = counts(store, 'SELECT TaskSubtype, count(*) FROM salesforce."Task" GROUP BY ALL')
    assert set(by_subtype) == {"Call", "Email", "ListEmail", "Task"}
    calls = by_subtype["Call"]
    assert 0.8 < (by_subtype["Email"] + by_subtype["ListEmail"]) / calls < 1.2  # about as many e-mails
    assert by_subtype["ListEmail"] < by_subtype["Email"]
    assert 0.2 < by_subtype["Task"] / calls < 0.5  # fewer to-dos
    open_todos = counts(
        store,
        """SELECT IsClosed, count(*) FROM salesforce."Task" WHERE TaskSubtype = 'Task'
           AND CompletedDateTime IS NULL = NOT IsClosed AND (Status = 'Completed') = IsClosed GROUP BY ALL""",
    )
    assert open_todos[True] + open_todos[False] == by_subtype["Task"]  # status, flag and date agree
    assert open_todos[False] > 0.2 * by_subtype["Task"]
    emails_open = counts(
        store,
        """SELECT IsClosed, count(*) FROM salesforce."Task" WHERE TaskSubtype LIKE '%Email' GROUP BY ALL""",
    )
    assert set(emails_open) == {True}  # an e-mail is sent, never pending
    archived = counts(
        store,
        'SELECT TaskSubtype, count(*) FROM salesforce."Task" WHERE IsArchived AND NOT IsDeleted GROUP BY ALL',
    )
    assert {"Call", "Email"} <= set(archived)  # old follow-ups are archived like calls


def test_leads_are_converted_into_contacts_or_still_worked(store):
    cur = store.cursor()
    mismatched = cur.execute(
        """SELECT count(*) FROM salesforce."Lead" l JOIN salesforce."Contact" c ON c.Id = l.ConvertedContactId
           WHERE l.Title IS DISTINCT FROM c.Title OR l.Email IS DISTINCT FROM c.Email
              OR l.ConvertedAccountId IS DISTINCT FROM c.AccountId
              OR l.ConvertedDate <> CAST(c.CreatedDate AS DATE)
              OR l.CreatedDate >= c.CreatedDate"""
    ).fetchone()[0]
    assert mismatched == 0  # the contact is the person the lead became, created at the conversion
    without_contact = dict(
        cur.execute(
            """SELECT IsConverted, count(*) FILTER (WHERE ConvertedContactId IS NULL) FROM salesforce."Lead"
               GROUP BY ALL"""
        ).fetchall()
    )
    unconverted = cur.execute('SELECT count(*) FROM salesforce."Lead" WHERE NOT IsConverted').fetchone()[0]
    assert without_contact == {True: 0, False: unconverted}
    assert unconverted > 0
    deleted = cur.execute('SELECT IsConverted FROM salesforce."Lead" WHERE IsDeleted').fetchall()
    assert deleted
    assert {converted for (converted,) in deleted} == {False}
    to_leads = cur.execute(
        """SELECT t.TaskSubtype, t.AccountId, t.WhatId, l.IsConverted FROM salesforce."Task" t
           JOIN salesforce."Lead" l ON l.Id = t.WhoId"""
    ).fetchall()
    assert to_leads
    assert {(account, what, converted) for _, account, what, converted in to_leads} == {(None, None, False)}
    assert {subtype for subtype, *_ in to_leads} <= {"Email", "ListEmail", "Task"}


def test_first_meetings_at_the_top_convert_clearly_more_often():
    config = OrgConfig(seed=11, end=END).resolved()
    end_ms = to_ms(END)
    start_ms = end_ms - config.days * MS_PER_DAY
    roster_rng, world_rng, *_, people_rng = (
        np.random.Generator(np.random.PCG64(s)) for s in np.random.SeedSequence(config.seed).spawn(6)
    )
    roster = build_roster(config, roster_rng, start_ms, end_ms)
    world = build_world(config, roster, Calendar.build(start_ms, end_ms), world_rng, people_rng)
    executive = is_executive(world.contact_seniority)
    assert 0.12 < executive.mean() < 0.22
    first = _first_held_meetings(world.meetings, end_ms)
    at_top = executive[world.meetings.contact[first]]
    deals = world.deals
    won = np.zeros(world.prospects.size, dtype=bool)
    won[deals.prospect[deals.is_won]] = True
    has_deal = np.zeros(world.prospects.size, dtype=bool)
    has_deal[deals.prospect] = True
    prospect = world.meetings.prospect[first]
    assert has_deal[prospect][at_top].mean() > has_deal[prospect][~at_top].mean()
    assert won[prospect][at_top].mean() > 1.6 * won[prospect][~at_top].mean()

"""The sales org's history, independent of any CRM.

The story: reps dial prospects on workdays; a connected call books a meeting (some prospects book
inbound); the first meeting held with a prospect opens a deal with the rep's probability (more often,
and more often won, when that meeting's contact is an executive); deals walk
through their pipeline's stages and are won or lost; while a deal is open the rep keeps calling and
meeting the prospect. Each record is kept in the CRM its rep used at the time; a prospect exists in
every CRM that refers to it.
"""

from __future__ import annotations

import numpy as np

from sandbox.org.activities import (
    any_contact,
    booked_meetings,
    call_budget,
    follow_ups,
    inbound_bookings,
    prospecting_calls,
)
from sandbox.org.config import OrgConfig
from sandbox.org.deals import open_deals
from sandbox.org.model import NEVER, NO_DEAL, Calls, Deals, Meetings, Prospects, World
from sandbox.org.reps import BOTH, HUBSPOT, SALESFORCE, Roster
from sandbox.org.timeline import MS_PER_DAY, MS_PER_HOUR, Calendar
from sandbox.org.titles import draw_seniority, is_executive


def build_world(
    config: OrgConfig,
    roster: Roster,
    calendar: Calendar,
    rng: np.random.Generator,
    people_rng: np.random.Generator,
) -> World:
    """The history; `people_rng` draws each contact's seniority (a stream of its own, so the people
    can change without reshuffling the activities)."""
    end_ms = calendar.end_ms
    lo, hi = calendar.workday_bounds(roster.active_from_ms, roster.active_to_ms)
    calls_per_rep = call_budget(config, roster, calendar.workload(lo, hi), rng)
    calls, prospect_rep = prospecting_calls(roster, calendar, rng, calls_per_rep)
    inbound_rep, inbound_booked = inbound_bookings(config, roster, calendar, rng, calls_per_rep)
    inbound_prospect = len(prospect_rep) + np.arange(len(inbound_rep))  # each inbound lead is new

    prospects = _prospects(config, roster, rng, np.concatenate([prospect_rep, inbound_rep]))
    seniority = draw_seniority(people_rng, int(prospects.contact_count.sum()))
    calls.contact = any_contact(rng, prospects, calls.prospect)
    meetings = booked_meetings(roster, rng, end_ms, calls, inbound_rep, inbound_booked, inbound_prospect,
                               any_contact(rng, prospects, inbound_prospect))  # fmt: skip
    deals, stages = open_deals(config, roster, rng, end_ms, meetings, is_executive(seniority))

    budget = config.activities - len(calls.rep) - len(meetings.rep)
    more_calls, more_meetings = follow_ups(roster, rng, calendar, prospects, deals, budget)
    calls.extend(more_calls)
    meetings.extend(more_meetings)
    _relate_to_deals(calls, calls.at_ms, deals, prospects.size)
    _relate_to_deals(meetings, meetings.start_ms, deals, prospects.size)
    _place_prospects(roster, rng, prospects, calls, meetings, deals, end_ms)
    return World(
        calendar.start_ms, end_ms, roster.migration_ms, prospects, calls, meetings, deals, stages, seniority
    )


def _prospects(config: OrgConfig, roster: Roster, rng: np.random.Generator, rep: np.ndarray) -> Prospects:
    """Prospects with 1-3 contacts; a few in each CRM are people without a company."""
    n = len(rep)
    is_person = np.zeros(n, dtype=bool)
    for group in (SALESFORCE, HUBSPOT):
        members = np.flatnonzero(roster.group[rep] == group)
        is_person[rng.choice(members, config.awkward_count(len(members)), replace=False)] = True
    contacts = np.where(is_person, 1, rng.choice(np.array([1, 2, 3]), n, p=[0.5, 0.3, 0.2]))
    per_crm = np.zeros((2, n), dtype=np.int64)
    return Prospects(
        rep=rep,
        is_person=is_person,
        contact_count=contacts,
        first_contact=np.cumsum(contacts) - contacts,
        in_crm=np.zeros((2, n), dtype=bool),
        created_ms=per_crm,
        modified_ms=per_crm.copy(),
    )


def _relate_to_deals(records: Calls | Meetings, at: np.ndarray, deals: Deals, n_prospects: int) -> None:
    """Activities with a prospect after its deal was created relate to that deal (same CRM only)."""
    if deals.size == 0:
        return
    deal_of = np.full(n_prospects, NO_DEAL, dtype=np.int64)
    deal_of[deals.prospect] = np.arange(deals.size)
    candidate = deal_of[records.prospect]
    safe = np.maximum(candidate, 0)
    link = (records.deal == NO_DEAL) & (candidate != NO_DEAL)
    link &= (at >= deals.created_ms[safe]) & (records.crm == deals.crm[safe])
    records.deal = np.where(link, candidate, records.deal)


def _place_prospects(
    roster: Roster,
    rng: np.random.Generator,
    prospects: Prospects,
    calls: Calls,
    meetings: Meetings,
    deals: Deals,
    end_ms: int,
) -> None:
    """A prospect exists in each CRM where something refers to it, created a while before the first
    reference; HubSpot copies of a migrating rep's prospects were created at the migration."""
    n = prospects.size
    for crm in (0, 1):
        first_ref = np.full(n, NEVER, dtype=np.int64)
        for prospect, at, where in (
            (calls.prospect, calls.at_ms, calls.crm),
            (meetings.prospect, meetings.booked_ms, meetings.crm),
            (deals.prospect, deals.created_ms, deals.crm),
        ):
            mine = where == crm
            np.minimum.at(first_ref, prospect[mine], at[mine])
        present = first_ref < NEVER
        created = first_ref - rng.integers(MS_PER_HOUR, 45 * MS_PER_DAY, n)
        if crm == 1:
            migrating = roster.group[prospects.rep] == BOTH
            created = np.where(migrating, np.maximum(created, roster.migration_ms), created)
        created = np.where(present, created, 0)
        edited = rng.random(n) < 0.4
        modified = created + (edited * rng.random(n) * np.maximum(end_ms - 1 - created, 0)).astype(np.int64)
        prospects.in_crm[crm] = present
        prospects.created_ms[crm] = created
        prospects.modified_ms[crm] = np.where(present, modified, 0)

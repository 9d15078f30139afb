"""Calls and meetings: who dials whom and when, how calls go, which meetings get booked and held."""

from __future__ import annotations

import numpy as np

from sandbox.org.config import OrgConfig
from sandbox.org.idmap import run_starts
from sandbox.org.model import (
    CANCELED,
    COMPLETED,
    CONNECTED,
    FOLLOW_UP,
    INBOUND,
    NO_DEAL,
    NO_SHOW,
    OUTBOUND,
    RESCHEDULED,
    SCHEDULED,
    Calls,
    Deals,
    Meetings,
    Prospects,
)
from sandbox.org.reps import BOTH, HUBSPOT, Roster
from sandbox.org.timeline import (
    MS_PER_DAY,
    MS_PER_HOUR,
    MS_PER_MINUTE,
    Calendar,
    business_instants,
    meeting_starts,
    snap_to_business,
)

CALLS_PER_PROSPECT = 2.0  # mean dials a prospect gets before the rep moves on
_NOT_CONNECTED_WEIGHTS = np.array([0.45, 0.30, 0.10, 0.07, 0.05, 0.03])  # NO_ANSWER .. CUSTOM_OUTCOME
_PAST_OUTCOME_WEIGHTS = np.array([0.70, 0.05, 0.02, 0.09, 0.08, 0.06])  # COMPLETED .. RESCHEDULED
_FUTURE_CANCELED = 0.08
_MEETING_MINUTES = np.array([30, 45, 60])


def crm_at(roster: Roster, rep: np.ndarray, at_ms: np.ndarray) -> np.ndarray:
    """0 = Salesforce, 1 = HubSpot: where the rep recorded things at that time."""
    group = roster.group[rep]
    return np.where((group == HUBSPOT) | ((group == BOTH) & (at_ms >= roster.migration_ms)), 1, 0)


def call_budget(
    config: OrgConfig, roster: Roster, workload: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Prospecting calls per rep: busy reps and long tenures call more; sized so that these calls and
    the meetings they lead to come to (1 - followup_share) x activities."""
    weight = roster.level * workload
    share = weight / weight.sum()
    meetings_per_call = roster.connect * roster.booking * (1.0 + config.inbound_share)
    prospecting = config.activities * (1.0 - config.followup_share)
    total_calls = round(prospecting / float(np.sum(share * (1.0 + meetings_per_call))))
    return rng.multinomial(total_calls, share)


def prospecting_calls(
    roster: Roster, calendar: Calendar, rng: np.random.Generator, calls_per_rep: np.ndarray
) -> tuple[Calls, np.ndarray]:
    """Calls on the reps' workdays, each to a prospect. Returns the calls (contact still unset) and
    the rep of each prospect."""
    lo, hi = calendar.workday_bounds(roster.active_from_ms, roster.active_to_ms)
    rep = np.repeat(np.arange(roster.size), calls_per_rep)
    days = calendar.sample_days(rng, lo[rep], hi[rep])
    at = calendar.keep_inside(business_instants(rng, days, roster.utc_offset[rep]))
    outcome = call_outcomes(rng, roster.connect[rep])
    prospect, prospect_rep = _prospects_worked(rng, rep, at)
    calls = Calls(
        rep=rep,
        at_ms=at,
        prospect=prospect,
        contact=np.zeros(len(rep), dtype=np.int64),
        deal=np.full(len(rep), NO_DEAL),
        outcome=outcome,
        duration_s=call_durations(rng, outcome),
        inbound=rng.random(len(rep)) < 0.04,
        crm=crm_at(roster, rep, at),
    )
    return calls, prospect_rep


def call_outcomes(rng: np.random.Generator, connect_rate: np.ndarray) -> np.ndarray:
    other = 1 + rng.choice(6, len(connect_rate), p=_NOT_CONNECTED_WEIGHTS)
    return np.where(rng.random(len(connect_rate)) < connect_rate, CONNECTED, other)


def call_durations(rng: np.random.Generator, outcome: np.ndarray) -> np.ndarray:
    """Seconds: conversations take minutes, everything else seconds."""
    n = len(outcome)
    talk = np.clip(rng.lognormal(np.log(330.0), 0.7, n), 45, 3600)
    lows = np.array([0, 0, 20, 0, 30, 8, 25])[outcome]
    highs = np.array([0, 30, 75, 6, 100, 45, 150])[outcome]
    short = lows + rng.random(n) * (highs - lows)
    return np.where(outcome == CONNECTED, talk, short).astype(np.int64)


def _prospects_worked(
    rng: np.random.Generator, rep: np.ndarray, at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each rep works through a list of prospects, a few dials each, several at a time: calls close in
    time (with some jitter) go to the same prospect. Returns (prospect per call, rep per prospect)."""
    jitter = rng.normal(0.0, 4.0 * MS_PER_DAY, len(at))
    order = np.lexsort((at + jitter, rep))
    rep_sorted = rep[order]
    starts_new = rng.random(len(at)) < 1.0 / CALLS_PER_PROSPECT
    starts_new[run_starts(rep_sorted)] = True
    prospect = np.empty(len(at), dtype=np.int64)
    prospect[order] = np.cumsum(starts_new) - 1
    return prospect, rep_sorted[starts_new]


def inbound_bookings(
    config: OrgConfig, roster: Roster, calendar: Calendar, rng: np.random.Generator, calls_per_rep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(rep, booked time) of meetings inbound leads book themselves."""
    lo, hi = calendar.workday_bounds(roster.active_from_ms, roster.active_to_ms)
    expected = calls_per_rep * roster.connect * roster.booking * config.inbound_share
    rep = np.repeat(np.arange(roster.size), rng.poisson(expected))
    days = calendar.sample_days(rng, lo[rep], hi[rep])
    return rep, calendar.keep_inside(business_instants(rng, days, roster.utc_offset[rep]))


def booked_meetings(
    roster: Roster,
    rng: np.random.Generator,
    end_ms: int,
    calls: Calls,
    inbound_rep: np.ndarray,
    inbound_booked: np.ndarray,
    inbound_prospect: np.ndarray,
    inbound_contact: np.ndarray,
) -> Meetings:
    """Connected calls book a meeting with the rep's booking rate (booked at the call); inbound leads
    book their own. Meetings start 1-14 workdays after booking."""
    by_call = np.flatnonzero(
        (calls.outcome == CONNECTED) & (rng.random(len(calls.rep)) < roster.booking[calls.rep])
    )
    rep = np.concatenate([calls.rep[by_call], inbound_rep])
    booked = np.concatenate([calls.at_ms[by_call], inbound_booked])
    start = meeting_starts(rng, booked, roster.utc_offset[rep])
    minutes = rng.choice(_MEETING_MINUTES, len(rep), p=[0.5, 0.15, 0.35])
    outcome, outcome_ms = meeting_outcomes(rng, booked, start, minutes, end_ms)
    return Meetings(
        rep=rep,
        booked_ms=booked,
        start_ms=start,
        minutes=minutes,
        prospect=np.concatenate([calls.prospect[by_call], inbound_prospect]),
        contact=np.concatenate([calls.contact[by_call], inbound_contact]),
        deal=np.full(len(rep), NO_DEAL),
        outcome=outcome,
        outcome_ms=outcome_ms,
        source=np.concatenate([np.full(len(by_call), OUTBOUND), np.full(len(inbound_rep), INBOUND)]),
        crm=crm_at(roster, rep, booked),
    )


def meeting_outcomes(
    rng: np.random.Generator, booked: np.ndarray, start: np.ndarray, minutes: np.ndarray, end_ms: int
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome per meeting and when it was recorded. Meetings after the end are still scheduled (a
    few already canceled)."""
    n = len(start)
    future = start >= end_ms
    past_outcome = rng.choice(6, n, p=_PAST_OUTCOME_WEIGHTS)
    future_outcome = np.where(rng.random(n) < _FUTURE_CANCELED, CANCELED, SCHEDULED)
    outcome = np.where(future, future_outcome, past_outcome)
    cancel_at = booked + (rng.random(n) * (np.minimum(start, end_ms - 1) - booked)).astype(np.int64)
    after = start + minutes * MS_PER_MINUTE + rng.integers(5 * MS_PER_MINUTE, 2 * MS_PER_DAY, n)
    recorded = np.where(np.isin(outcome, (COMPLETED, NO_SHOW, RESCHEDULED)), after, booked)
    recorded = np.where(outcome == CANCELED, cancel_at, recorded)
    return outcome, np.minimum(recorded, end_ms - 1)


def any_contact(rng: np.random.Generator, prospects: Prospects, prospect: np.ndarray) -> np.ndarray:
    """One of each prospect's contacts, at random."""
    pick = (rng.random(len(prospect)) * prospects.contact_count[prospect]).astype(np.int64)
    return prospects.first_contact[prospect] + pick


def follow_ups(
    roster: Roster,
    rng: np.random.Generator,
    calendar: Calendar,
    prospects: Prospects,
    deals: Deals,
    budget: int,
) -> tuple[Calls, Meetings]:
    """The rest of the activity budget goes to prospects with a deal, while the deal is open: more
    for long-running deals. Follow-up meetings may lie a few weeks beyond the end (scheduled)."""
    end_ms = calendar.end_ms
    if budget <= 0 or deals.size == 0:
        return Calls.empty(), Meetings.empty()
    call_until = np.minimum(deals.close_ms, end_ms - 1)
    window = np.clip((call_until - deals.created_ms) / MS_PER_DAY, 1.0, 120.0)
    deal = np.repeat(np.arange(deals.size), rng.multinomial(budget, window / window.sum()))
    is_meeting = rng.random(len(deal)) < 0.3
    rep = deals.rep[deal]
    prospect = deals.prospect[deal]
    contact = np.where(
        rng.random(len(deal)) < 0.6, deals.contact[deal], any_contact(rng, prospects, prospect)
    )
    lo = deals.created_ms[deal] + MS_PER_MINUTE
    meeting_until = np.minimum(deals.close_ms[deal], end_ms + 21 * MS_PER_DAY)
    hi = np.maximum(np.where(is_meeting, meeting_until, call_until[deal]), lo + 1)
    raw = lo + (rng.random(len(deal)) * (hi - lo)).astype(np.int64)
    at = snap_to_business(rng, raw, roster.utc_offset[rep], lo, hi)

    c = ~is_meeting
    outcome = call_outcomes(rng, roster.connect[rep[c]])
    calls = Calls(
        rep=rep[c],
        at_ms=at[c],
        prospect=prospect[c],
        contact=contact[c],
        deal=deal[c],
        outcome=outcome,
        duration_s=call_durations(rng, outcome),
        inbound=rng.random(int(c.sum())) < 0.1,
        crm=crm_at(roster, rep[c], at[c]),
    )
    m = is_meeting
    start = np.maximum(at[m] - at[m] % (30 * MS_PER_MINUTE), lo[m])
    lead = rng.integers(MS_PER_HOUR, 10 * MS_PER_DAY, int(m.sum()))
    booked = np.clip(start - lead, deals.created_ms[deal[m]], end_ms - 1)
    minutes = rng.choice(np.array([30, 45, 60, 90]), int(m.sum()), p=[0.3, 0.2, 0.4, 0.1])
    outcome, outcome_ms = meeting_outcomes(rng, booked, start, minutes, end_ms)
    meetings = Meetings(
        rep=rep[m],
        booked_ms=booked,
        start_ms=start,
        minutes=minutes,
        prospect=prospect[m],
        contact=contact[m],
        deal=deal[m],
        outcome=outcome,
        outcome_ms=outcome_ms,
        source=np.full(int(m.sum()), FOLLOW_UP),
        crm=crm_at(roster, rep[m], booked),
    )
    # A migrating rep's follow-ups on a Salesforce deal land in HubSpot, where that deal does not exist.
    calls.deal = np.where(calls.crm == deals.crm[calls.deal], calls.deal, NO_DEAL)
    meetings.deal = np.where(meetings.crm == deals.crm[meetings.deal], meetings.deal, NO_DEAL)
    return calls, meetings

"""Deals: which first meetings open one, what each is worth, how it walks through its pipeline's
stages and when it is won or lost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from functools import partial

import numpy as np

from sandbox.org.activities import crm_at
from sandbox.org.config import OrgConfig
from sandbox.org.idmap import choose, run_ends, run_starts
from sandbox.org.model import (
    EUR,
    HELD_OUTCOMES,
    INBOUND,
    NEVER,
    PIPELINE_HUBSPOT_CUSTOM,
    PIPELINE_HUBSPOT_DEFAULT,
    PIPELINE_SALESFORCE,
    PIPELINES,
    USD,
    Deals,
    Meetings,
    StageRows,
)
from sandbox.org.reps import Roster, team
from sandbox.org.stages import Pipeline
from sandbox.org.timeline import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE

EUR_PER_USD = 1 / 1.08
CUSTOM_PIPELINE_SHARE = 0.1  # of HubSpot deals
EDITED_SHARE = 0.3  # deals whose amount or expected close changed between stage changes
# A first meeting "at the top" (with an executive) opens a deal and wins it more often; the others
# less, so that the org's overall rates stay near the reps' configured ones.
EXECUTIVE_DEAL_LIFT, OTHER_DEAL_LIFT = 1.2, 0.96
EXECUTIVE_WIN_LIFT, OTHER_WIN_LIFT = 1.8, 0.84
REPEAT_SHARE = 0.3  # of won deals: the customer buys again
REPEAT_GAP_DAYS = (7, 120)  # days from the win to the repeat deal
REPEAT_WIN_RATE = 0.8  # existing customers buy more readily
REPEAT_STREAM = 14  # the repeat purchases' random stream (with the org's seed)
# Deals' lead sources (sandbox/org/*_records.py spell them per CRM) and their shares by how the
# prospect came in.
LEAD_SOURCES = (
    "web",
    "cold_call",
    "partner_referral",
    "customer_referral",
    "trade_show",
    "existing_customer",
)
INBOUND_SOURCE_SHARES = (0.55, 0.0, 0.15, 0.2, 0.1, 0.0)
OUTBOUND_SOURCE_SHARES = (0.0, 0.8, 0.07, 0.05, 0.08, 0.0)
LEAD_SOURCE_STREAM = 15  # the lead sources' random stream (with the org's seed)


def open_deals(
    config: OrgConfig,
    roster: Roster,
    rng: np.random.Generator,
    end_ms: int,
    meetings: Meetings,
    executive: np.ndarray,
) -> tuple[Deals, StageRows]:
    """The first held meeting with a prospect opens a deal with the meeting rep's deal rate, higher when
    the meeting's contact is an executive (`executive`: per contact); the deal then runs its course,
    won more often when opened at the top. Deals are in creation order."""
    first = _first_held_meetings(meetings, end_ms)
    at_top = executive[meetings.contact[first]]
    deal_rate = roster.deal[meetings.rep[first]] * np.where(at_top, EXECUTIVE_DEAL_LIFT, OTHER_DEAL_LIFT)
    first = first[rng.random(len(first)) < np.minimum(deal_rate, 0.97)]
    created = meetings.start_ms[first] + meetings.minutes[first] * MS_PER_MINUTE
    created += rng.integers(15 * MS_PER_MINUTE, 30 * MS_PER_HOUR, len(first))
    keep = created < end_ms - MS_PER_HOUR
    order = np.argsort(created[keep], kind="stable")
    first, created = first[keep][order], created[keep][order]
    run = partial(_run_deals, config, roster, meetings=meetings, executive=executive, end_ms=end_ms)
    deals, stages = run(rng, first, created)
    deals, stages = _buy_again(config, end_ms, first, deals, stages, run)
    deals.lead_source = lead_sources(config, deals)
    return deals, stages


def lead_sources(config: OrgConfig, deals: Deals) -> np.ndarray:
    """Where each deal came from, an index into LEAD_SOURCES (each CRM spells them its own way): inbound
    deals mostly from the web, outbound ones from cold calls, referrals among both; a repeat purchase
    from an existing customer. A stream of its own, so the rest of the org does not move."""
    rng = np.random.default_rng([config.seed, LEAD_SOURCE_STREAM])
    inbound = rng.choice(len(LEAD_SOURCES), deals.size, p=INBOUND_SOURCE_SHARES)
    outbound = rng.choice(len(LEAD_SOURCES), deals.size, p=OUTBOUND_SOURCE_SHARES)
    source = np.where(deals.inbound, inbound, outbound)
    return np.where(deals.repeat, LEAD_SOURCES.index("existing_customer"), source)


def _buy_again(
    config: OrgConfig,
    end_ms: int,
    first: np.ndarray,
    deals: Deals,
    stages: StageRows,
    run: Callable[..., tuple[Deals, StageRows]],
) -> tuple[Deals, StageRows]:
    """Some customers buy again: a share of the won deals get a repeat deal with the same prospect, rep
    and contact, created days to months after the win, that runs its own, shorter course and is won
    more often. Even a small org has a few (the earliest wins buy again and win). Drawn from a stream of
    its own (the first deals stay as they were); all deals end up in creation order."""
    rng = np.random.default_rng([config.seed, REPEAT_STREAM])
    won_at = np.where(deals.is_won & deals.is_closed, deals.close_ms, NEVER)
    created = won_at + rng.integers(*REPEAT_GAP_DAYS, deals.size) * MS_PER_DAY
    candidates = np.flatnonzero((won_at != NEVER) & (created < end_ms - MS_PER_HOUR))
    forced = candidates[np.argsort(won_at[candidates], kind="stable")][: config.awkward_min]
    again = np.union1d(candidates[rng.random(len(candidates)) < REPEAT_SHARE], forced)
    if len(again) == 0:
        return deals, stages
    again = again[np.argsort(created[again], kind="stable")]
    win_rate = np.where(np.isin(again, forced), 1.0, REPEAT_WIN_RATE)
    more, more_stages = run(rng, first[again], created[again], win_rate=win_rate)
    more.repeat = np.ones(more.size, dtype=bool)
    offset = deals.size
    deals.extend(more)
    stages.extend(replace(more_stages, deal=more_stages.deal + offset))
    by_created = np.argsort(deals.created_ms, kind="stable")
    new_index = np.empty_like(by_created)
    new_index[by_created] = np.arange(len(by_created))
    deals = replace(deals, **{f.name: getattr(deals, f.name)[by_created] for f in fields(deals)})
    deal = new_index[stages.deal]
    rows = np.lexsort((stages.entered_ms, deal))
    return deals, StageRows(deal[rows], stages.position[rows], stages.entered_ms[rows])


def _run_deals(
    config: OrgConfig,
    roster: Roster,
    rng: np.random.Generator,
    first: np.ndarray,
    created: np.ndarray,
    *,
    meetings: Meetings,
    executive: np.ndarray,
    end_ms: int,
    win_rate: np.ndarray | None = None,
) -> tuple[Deals, StageRows]:
    """Deals opened after the meetings `first` at `created` (ascending): rep, prospect and contact of
    the meeting; worth, pipeline, cycle and outcome drawn; their walk through the stages. `win_rate`
    (repeat deals): each deal's chance to be won, its cycle half the team's."""
    n = len(first)
    rep = meetings.rep[first]
    crm = crm_at(roster, rep, created)
    team_of = roster.team[rep]
    teams = [team(t) for t in range(int(roster.team.max()) + 1)]
    cycle_median = np.array([t.cycle_median_days for t in teams])[team_of]
    win_lift = np.where(executive[meetings.contact[first]], EXECUTIVE_WIN_LIFT, OTHER_WIN_LIFT)
    if win_rate is None:
        won = rng.random(n) < np.minimum(roster.win[rep] * win_lift, 0.95)
        cycle = cycle_lengths(rng, cycle_median, won)
    else:
        won = rng.random(n) < win_rate
        cycle = cycle_lengths(rng, cycle_median / 2, won)
    currency = _currencies(config, rng, crm)
    amount = amounts(rng, np.array([t.amount_median for t in teams])[team_of])
    amount = np.where(
        currency == EUR, np.maximum(np.round(amount * EUR_PER_USD / 50.0) * 50.0, 500.0), amount
    )
    pipeline = _pipelines(config, rng, crm)
    stages, close_ms = _walk_pipelines(rng, pipeline, created, cycle, won, end_ms)
    last = run_ends(stages.deal)  # every deal has its first stage row: created before the end
    is_closed = close_ms < end_ms
    deals = Deals(
        rep=rep,
        prospect=meetings.prospect[first],
        contact=meetings.contact[first],
        inbound=meetings.source[first] == INBOUND,
        repeat=np.zeros(n, dtype=bool),
        lead_source=np.zeros(n, dtype=np.int64),
        created_ms=created,
        crm=crm,
        pipeline=pipeline,
        amount=amount,
        amount_before_edit=amount,
        currency=currency,
        expected_close_ms=created + (cycle_median * rng.lognormal(0.0, 0.3, n) * MS_PER_DAY).astype(np.int64),
        expected_close_before_edit_ms=np.zeros(n, dtype=np.int64),
        edit_ms=np.full(n, NEVER),
        close_ms=close_ms,
        is_closed=is_closed,
        is_won=won,
        position=stages.position[last],
        modified_ms=stages.entered_ms[last],
    )
    return _edit_between_stages(rng, deals, stages, end_ms), stages


def _first_held_meetings(meetings: Meetings, end_ms: int) -> np.ndarray:
    held = np.flatnonzero(np.isin(meetings.outcome, HELD_OUTCOMES) & (meetings.start_ms < end_ms))
    by_prospect = held[np.lexsort((meetings.start_ms[held], meetings.prospect[held]))]
    return by_prospect[run_starts(meetings.prospect[by_prospect])]


def _currencies(config: OrgConfig, rng: np.random.Generator, crm: np.ndarray) -> np.ndarray:
    """EUR for `eur_share` of the deals, and a few in each CRM even in small orgs."""
    currency = np.full(len(crm), USD)
    if config.eur_share > 0:
        for side in (0, 1):
            members = np.flatnonzero(crm == side)
            k = max(min(config.awkward_min, len(members)), round(config.eur_share * len(members)))
            currency[choose(rng, members, k)] = EUR
    return currency


def _pipelines(config: OrgConfig, rng: np.random.Generator, crm: np.ndarray) -> np.ndarray:
    """Salesforce deals in its stages; HubSpot deals in the default pipeline, some in a custom one."""
    pipeline = np.where(crm == 0, PIPELINE_SALESFORCE, PIPELINE_HUBSPOT_DEFAULT)
    hubspot = np.flatnonzero(crm == 1)
    k = max(config.awkward_min, round(CUSTOM_PIPELINE_SHARE * len(hubspot)))
    pipeline[choose(rng, hubspot, k)] = PIPELINE_HUBSPOT_CUSTOM
    return pipeline


def _walk_pipelines(
    rng: np.random.Generator,
    pipeline: np.ndarray,
    created: np.ndarray,
    cycle: np.ndarray,
    won: np.ndarray,
    end_ms: int,
) -> tuple[StageRows, np.ndarray]:
    """Stage entries of every deal up to the end of the history, and when each deal closes."""
    walks, close_ms = [], np.zeros(len(created), dtype=np.int64)
    for index, pipe in enumerate(PIPELINES):
        members = np.flatnonzero(pipeline == index)
        walk = walk_stages(rng, pipe, created[members], cycle[members], won[members])
        walks.append(replace(walk, deal=members[walk.deal]))
        close_ms[members] = walk_close(pipe, created[members], cycle[members])
    rows = walks[0]
    for walk in walks[1:]:
        rows.extend(walk)
    kept = rows.entered_ms < end_ms
    order = np.lexsort((rows.entered_ms[kept], rows.deal[kept]))
    return StageRows(
        rows.deal[kept][order], rows.position[kept][order], rows.entered_ms[kept][order]
    ), close_ms


def walk_close(pipeline: Pipeline, created_ms: np.ndarray, cycle_ms: np.ndarray) -> np.ndarray:
    """When deals close: after their cycle (+ the number of open stages, see `walk_stages`)."""
    return created_ms + cycle_ms.astype(np.int64) + len(pipeline.open_stages)


def walk_stages(
    rng: np.random.Generator,
    pipeline: Pipeline,
    created_ms: np.ndarray,
    cycle_ms: np.ndarray,
    won: np.ndarray,
) -> StageRows:
    """Won deals pass each open stage with the stage's `visit` chance; lost deals drop out after
    reaching an open stage (early stages more likely) and pass the stages before it the same way.
    The cycle is split between the stages passed in random proportions; the closing stage is
    entered at `walk_close`. Positions index `pipeline.stages` (open stages, then won, then lost)."""
    n, k = len(created_ms), len(pipeline.open_stages)
    visit = np.array([s.visit for s in pipeline.open_stages])
    passed = rng.random((n, k)) < visit
    reach_weights = 0.7 ** np.arange(k)
    reached = rng.choice(k, n, p=reach_weights / reach_weights.sum())
    positions = np.arange(k)
    lost_path = (positions[None, :] <= reached[:, None]) & (passed | (positions[None, :] == reached[:, None]))
    passed = np.where(won[:, None], passed, lost_path)
    passed[:, 0] = True

    share = rng.exponential(1.0, (n, k)) * passed
    share /= share.sum(axis=1, keepdims=True)
    gaps = share * cycle_ms[:, None]
    # Entry = creation + time spent in the earlier stages; +position keeps entries strictly increasing.
    entered = created_ms[:, None] + (np.cumsum(gaps, axis=1) - gaps).astype(np.int64) + positions[None, :]

    deal, position = np.nonzero(passed)
    deal = np.concatenate([deal, np.arange(n)])
    position = np.concatenate([position, np.where(won, k, k + 1)])
    entered_ms = np.concatenate([entered[np.nonzero(passed)], walk_close(pipeline, created_ms, cycle_ms)])
    order = np.lexsort((entered_ms, deal))
    return StageRows(deal[order], position[order], entered_ms[order])


def _edit_between_stages(rng: np.random.Generator, deals: Deals, stages: StageRows, end_ms: int) -> Deals:
    """Some deals had their amount and/or expected close changed while sitting in a stage: the
    values before that moment differ from the final ones (Salesforce records a history row)."""
    n = deals.size
    first, last = run_starts(stages.deal), run_ends(stages.deal)
    open_rows = last - first + np.where(deals.is_closed, 0, 1)  # rows before the closing one
    edited = (rng.random(n) < EDITED_SHARE) & (open_rows > 0)
    row = first + (rng.random(n) * np.maximum(open_rows, 1)).astype(np.int64)
    until = np.where(deals.is_closed, deals.close_ms, end_ms - 1)
    next_ms = np.where(row < last, stages.entered_ms[np.minimum(row + 1, len(stages.entered_ms) - 1)], until)
    gap = np.maximum(next_ms - stages.entered_ms[row] - 2, 0)
    edit_ms = np.where(edited, stages.entered_ms[row] + 1 + (rng.random(n) * gap).astype(np.int64), NEVER)
    kind = rng.integers(0, 3, n)  # 0 amount, 1 expected close, 2 both
    amount_before = np.round(deals.amount * rng.uniform(0.6, 1.4, n) / 50) * 50
    close_before = deals.expected_close_ms + rng.integers(-20, 45, n) * MS_PER_DAY
    return replace(
        deals,
        edit_ms=edit_ms,
        amount_before_edit=np.where(edited & (kind != 1), amount_before, deals.amount),
        expected_close_before_edit_ms=np.where(edited & (kind != 0), close_before, deals.expected_close_ms),
        modified_ms=np.maximum(deals.modified_ms, np.where(edited, edit_ms, 0)),
    )


def cycle_lengths(rng: np.random.Generator, median_days: np.ndarray, won: np.ndarray) -> np.ndarray:
    """Days-to-close in ms: lognormal around the team's median; lost deals die sooner."""
    days = median_days * rng.lognormal(0.0, 0.55, len(median_days))
    days = np.where(won, days, days * rng.uniform(0.3, 1.0, len(days)))
    return np.maximum(days * MS_PER_DAY, 6 * MS_PER_HOUR)


def amounts(rng: np.random.Generator, median: np.ndarray) -> np.ndarray:
    """Deal sizes: lognormal around the team's median, rounded to 50."""
    return np.maximum(np.round(median * rng.lognormal(0.0, 0.7, len(median)) / 50.0) * 50.0, 500.0)

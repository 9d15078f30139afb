"""The sales team: who works in which CRM, in which team, how busy and how good each rep is."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from sandbox.org.config import OrgConfig
from sandbox.org.text import FIRST_NAMES, LAST_NAMES
from sandbox.org.timeline import MS_PER_DAY, from_ms

SALESFORCE, HUBSPOT, BOTH = 0, 1, 2
CRM_NAMES = ("salesforce", "hubspot", "both")
EMAIL_DOMAIN = "northwind-sales.example"
INTEGRATION_USER_EMAIL = f"integration@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class Team:
    name: str
    time_zone: str  # Salesforce TimeZoneSidKey
    utc_offset_hours: int  # fixed offset used for business hours
    amount_median: float  # deal size, reporting currency
    cycle_median_days: float  # days from deal creation to close


TEAMS = (
    Team("Enterprise", "America/New_York", -5, 48_000.0, 55.0),
    Team("Mid-Market", "Europe/Berlin", 1, 18_000.0, 32.0),
    Team("SMB", "America/Los_Angeles", -8, 6_500.0, 16.0),
    Team("Inside Sales", "Europe/London", 0, 9_000.0, 21.0),
    Team("Partners", "Asia/Tokyo", 9, 25_000.0, 40.0),
    Team("Public Sector", "America/Chicago", -6, 70_000.0, 80.0),
)


def team(index: int) -> Team:
    base = TEAMS[index % len(TEAMS)]
    if index < len(TEAMS):
        return base
    return replace(base, name=f"{base.name} {index // len(TEAMS) + 1}")


@dataclass(frozen=True)
class RepProfile:
    """One rep as generated: identity in each CRM, working window and behaviour parameters."""

    index: int
    first_name: str
    last_name: str
    crm: str  # 'salesforce', 'hubspot' or 'both'
    team: int
    team_name: str
    salesforce_email: str | None  # None when the rep has no Salesforce user
    hubspot_email: str | None  # None when no HubSpot owner, or the owner has no e-mail
    salesforce_user_id: str | None
    hubspot_owner_id: int | None
    is_active: bool
    started_at: datetime  # start of the rep's activity in the history
    departed_at: datetime | None
    activity_level: float
    connect_rate: float
    booking_rate: float
    deal_rate: float
    win_rate: float

    @property
    def in_salesforce(self) -> bool:
        return self.crm != "hubspot"

    @property
    def in_hubspot(self) -> bool:
        return self.crm != "salesforce"


@dataclass(frozen=True)
class Roster:
    """Per-rep arrays (index = rep) plus the identity fields the CRM writers need."""

    group: np.ndarray
    team: np.ndarray
    utc_offset: np.ndarray  # hours
    level: np.ndarray
    connect: np.ndarray
    booking: np.ndarray
    deal: np.ndarray
    win: np.ndarray
    active_from_ms: np.ndarray
    active_to_ms: np.ndarray  # departure, or the end of the history
    departed: np.ndarray  # bool
    sf_created_ms: np.ndarray
    hs_created_ms: np.ndarray
    modified_ms: np.ndarray
    first_names: list[str]
    last_names: list[str]
    sf_emails: list[str | None]
    hs_emails: list[str | None]
    migration_ms: int

    @property
    def size(self) -> int:
        return len(self.group)


def build_roster(config: OrgConfig, rng: np.random.Generator, start_ms: int, end_ms: int) -> Roster:
    n = config.reps
    n_sf, n_hs, _ = config.rep_groups()
    span = end_ms - start_ms
    migration_ms = start_ms + int(span * config.migration_point) // MS_PER_DAY * MS_PER_DAY

    group = np.empty(n, dtype=np.int64)
    order = rng.permutation(n)
    group[order[:n_sf]] = SALESFORCE
    group[order[n_sf : n_sf + n_hs]] = HUBSPOT
    group[order[n_sf + n_hs :]] = BOTH
    members = {g: np.flatnonzero(group == g) for g in (SALESFORCE, HUBSPOT, BOTH)}
    team_of = rng.permutation(np.arange(n) % config.teams)

    def uniform(bounds: tuple[float, float]) -> np.ndarray:
        return rng.uniform(bounds[0], bounds[1], n)

    level, connect = uniform(config.activity_level), uniform(config.connect_rate)
    booking, deal, win = uniform(config.booking_rate), uniform(config.deal_rate), uniform(config.win_rate)

    # Departures: at least one rep from each single-CRM group; both-CRM reps all stay for the migration.
    n_departed = max(2, round(n * config.departed_share))
    departed = np.zeros(n, dtype=bool)
    departed[members[SALESFORCE][-1]] = departed[members[HUBSPOT][0]] = True
    others = np.flatnonzero((group != BOTH) & ~departed)
    departed[rng.permutation(others)[: max(0, n_departed - 2)]] = True
    # New hires start a while into the history.
    hires = np.zeros(n, dtype=bool)
    candidates = np.flatnonzero(~departed)
    hires[rng.permutation(candidates)[: max(1, round(n * 0.1))]] = True

    active_from = np.where(hires, start_ms + (rng.uniform(0.15, 0.5, n) * span).astype(np.int64), start_ms)
    active_to = np.where(departed, start_ms + (rng.uniform(0.35, 0.85, n) * span).astype(np.int64), end_ms)
    days_before = rng.integers(30, 700, n) * MS_PER_DAY + rng.integers(0, MS_PER_DAY, n)
    sf_created = np.where(hires, active_from - rng.integers(1, 10 * MS_PER_DAY, n), active_from - days_before)
    hs_created = np.where(group == BOTH, migration_ms - rng.integers(1, 10 * MS_PER_DAY, n), sf_created)
    modified = np.where(
        departed, active_to + rng.integers(1, 2 * MS_PER_DAY, n), np.maximum(sf_created, hs_created) + 1
    )
    modified = np.where(
        departed, modified, modified + (rng.random(n) * (end_ms - 1 - modified)).astype(np.int64)
    )

    first, last, sf_emails, hs_emails = _identities(rng, group, members)
    return Roster(
        group=group,
        team=team_of,
        utc_offset=np.array([team(t).utc_offset_hours for t in team_of], dtype=np.int64),
        level=level,
        connect=connect,
        booking=booking,
        deal=deal,
        win=win,
        active_from_ms=active_from,
        active_to_ms=active_to,
        departed=departed,
        sf_created_ms=sf_created,
        hs_created_ms=hs_created,
        modified_ms=np.minimum(modified, end_ms - 1),
        first_names=first,
        last_names=last,
        sf_emails=sf_emails,
        hs_emails=hs_emails,
        migration_ms=migration_ms,
    )


def _identities(
    rng: np.random.Generator, group: np.ndarray, members: dict[int, np.ndarray]
) -> tuple[list[str], list[str], list[str | None], list[str | None]]:
    """Distinct names and e-mails, with the awkward ones real orgs have planted on purpose."""
    n = len(group)
    pairs = rng.choice(len(FIRST_NAMES) * len(LAST_NAMES), n, replace=False)
    first = [FIRST_NAMES[p // len(LAST_NAMES)][0] for p in pairs]
    last = [LAST_NAMES[p % len(LAST_NAMES)][0] for p in pairs]
    slugs = [f"{FIRST_NAMES[p // len(LAST_NAMES)][1]}.{LAST_NAMES[p % len(LAST_NAMES)][1]}" for p in pairs]
    emails = [f"{slug}@{EMAIL_DOMAIN}" for slug in slugs]

    sf_only, hs_only, both = (members[g] for g in (SALESFORCE, HUBSPOT, BOTH))
    first[sf_only[0]], last[sf_only[0]] = "Seán", 'O\'Brien "The Closer"'
    last[sf_only[1]] = "'; DROP TABLE deals;--"
    first[hs_only[0]], last[hs_only[0]] = "Zoë 🚀", "李\tNguyễn"
    last[both[0]] = "x' OR Name LIKE '%"
    first[both[1]] = "Back\\slash"

    sf_emails: list[str | None] = [e if group[i] != HUBSPOT else None for i, e in enumerate(emails)]
    hs_emails: list[str | None] = [e if group[i] != SALESFORCE else None for i, e in enumerate(emails)]
    # The same person, typed differently in the two CRMs.
    sf_emails[both[0]] = ".".join(p.capitalize() for p in slugs[both[0]].split(".")) + f"@{EMAIL_DOMAIN}"
    # HubSpot owners set up without an e-mail address.
    hs_emails[hs_only[-1]] = hs_emails[hs_only[-2]] = None
    return first, last, sf_emails, hs_emails


def profiles(
    roster: Roster, sf_user_ids: list[str | None], hs_owner_ids: list[int | None]
) -> tuple[RepProfile, ...]:
    return tuple(
        RepProfile(
            index=i,
            first_name=roster.first_names[i],
            last_name=roster.last_names[i],
            crm=CRM_NAMES[roster.group[i]],
            team=int(roster.team[i]),
            team_name=team(int(roster.team[i])).name,
            salesforce_email=roster.sf_emails[i],
            hubspot_email=roster.hs_emails[i],
            salesforce_user_id=sf_user_ids[i],
            hubspot_owner_id=hs_owner_ids[i],
            is_active=not roster.departed[i],
            started_at=from_ms(roster.active_from_ms[i]),
            departed_at=from_ms(roster.active_to_ms[i]) if roster.departed[i] else None,
            activity_level=float(roster.level[i]),
            connect_rate=float(roster.connect[i]),
            booking_rate=float(roster.booking[i]),
            deal_rate=float(roster.deal[i]),
            win_rate=float(roster.win[i]),
        )
        for i in range(roster.size)
    )

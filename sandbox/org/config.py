"""The knobs of the synthetic sales organisation. Every default gives a sensible demo org."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

from sandbox.org.text import FIRST_NAMES, LAST_NAMES
from sandbox.salesforce.custom_fields import MAX_CUSTOM_FIELDS

Range = tuple[float, float]

MIN_REPS_PER_GROUP = 2  # Salesforce-only, HubSpot-only and both-CRM reps: at least this many each
MAX_REPS = len(FIRST_NAMES) * len(LAST_NAMES)  # every rep gets a distinct first and last name pair


@dataclass(frozen=True)
class OrgConfig:
    seed: int = 7
    reps: int = 24
    teams: int = 3
    days: int = 365  # days of history before `end`
    end: datetime | None = None  # naive UTC; None = today 00:00 UTC (see `resolved`)
    activities: int = 20_000  # calls + meetings across both CRMs, approximately
    # Reps per CRM (at least two in each group): HubSpot only; both CRMs with the same e-mail, as a
    # company migrating from Salesforce (records before the migration) to HubSpot (after it); the
    # rest Salesforce only.
    hubspot_share: float = 0.35
    both_share: float = 0.15
    migration_point: float = 0.6  # where in the history the migration to HubSpot happens (0..1)
    # Per-rep behaviour, each rep draws a value uniformly from the range.
    activity_level: Range = (0.5, 1.8)  # relative call volume per working day
    connect_rate: Range = (0.15, 0.45)  # share of calls that connect
    booking_rate: Range = (0.5, 0.9)  # share of connected calls that book a meeting
    deal_rate: Range = (0.5, 0.9)  # share of first held meetings with a prospect that open a deal
    win_rate: Range = (0.15, 0.5)  # share of closed deals that are won
    inbound_share: float = 0.5  # inbound meetings (new prospects) per outbound-booked meeting
    followup_share: float = 0.1  # share of activities spent on prospects with an open deal
    departed_share: float = 0.1  # reps who left (inactive user, archived owner); at least one per CRM
    eur_share: float = 0.12  # deals in the second currency (EUR)
    # Awkward cases real orgs have: each appears max(awkward_min, awkward_share x records) times.
    awkward_share: float = 0.01
    awkward_min: int = 3
    # Records sharing one modification timestamp (a mass update); small orgs: up to 60% of the records.
    bulk_touch_tasks: int = 2500  # Salesforce Tasks sharing one SystemModstamp
    bulk_touch_calls: int = 250  # HubSpot calls sharing one hs_lastmodifieddate
    # A wide org: this many custom fields on each of Salesforce's Task, Event, Contact and Opportunity
    # (sandbox.salesforce.custom_fields). The store must have them too: Store(custom_fields=...).
    custom_fields: int = 0

    def __post_init__(self) -> None:
        _validate(self)

    def resolved(self) -> OrgConfig:
        """This config with `end` fixed (today 00:00 UTC when unset), so two runs agree."""
        if self.end is not None:
            return self
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        return replace(self, end=today)

    def awkward_count(self, records: int) -> int:
        """How many of `records` get one awkward treatment: a few always, more in big orgs."""
        return min(records, max(self.awkward_min, round(records * self.awkward_share)))

    def rep_groups(self) -> tuple[int, int, int]:
        """(Salesforce-only, HubSpot-only, both) rep counts."""
        hubspot_only = max(MIN_REPS_PER_GROUP, round(self.reps * self.hubspot_share))
        both = max(MIN_REPS_PER_GROUP, round(self.reps * self.both_share))
        return self.reps - hubspot_only - both, hubspot_only, both


def _fail(knob: str, message: str) -> None:
    raise ValueError(f"OrgConfig.{knob}: {message}")


def _validate(c: OrgConfig) -> None:
    for f in fields(c):
        value = getattr(c, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            _fail(f.name, f"must be a finite number, got {value!r}")
    if not isinstance(c.seed, int) or c.seed < 0:
        _fail("seed", f"must be a non-negative integer, got {c.seed!r}")
    if c.reps < 3 * MIN_REPS_PER_GROUP:
        _fail("reps", f"must be at least {3 * MIN_REPS_PER_GROUP} (two of each CRM group), got {c.reps}")
    if c.reps > MAX_REPS:
        _fail("reps", f"must be at most {MAX_REPS} (the distinct names the sandbox can give), got {c.reps}")
    if not 1 <= c.teams <= c.reps:
        _fail("teams", f"must be between 1 and reps ({c.reps}), got {c.teams}")
    if c.days < 30:
        _fail("days", f"must be at least 30 days of history, got {c.days}")
    if c.end is not None and (not isinstance(c.end, datetime) or c.end.tzinfo is not None):
        _fail("end", f"must be a naive UTC datetime or None, got {c.end!r}")
    if c.activities < 1000:
        _fail("activities", f"must be at least 1000 so every awkward case fits, got {c.activities}")
    for knob in ("hubspot_share", "both_share", "eur_share", "departed_share", "awkward_share"):
        if not 0.0 <= getattr(c, knob) < 1.0:
            _fail(knob, f"must be in [0, 1), got {getattr(c, knob)!r}")
    for knob in ("inbound_share", "followup_share"):
        if not 0.0 <= getattr(c, knob) <= 0.9:
            _fail(knob, f"must be in [0, 0.9], got {getattr(c, knob)!r}")
    if not 0.05 <= c.migration_point <= 0.95:
        _fail("migration_point", f"must be in [0.05, 0.95], got {c.migration_point!r}")
    if c.rep_groups()[0] < MIN_REPS_PER_GROUP:
        _fail(
            "hubspot_share",
            f"with both_share={c.both_share} leaves fewer than {MIN_REPS_PER_GROUP} Salesforce-only reps "
            f"out of {c.reps}; lower hubspot_share or both_share, or add reps",
        )
    _validate_range("activity_level", c.activity_level, upper=20.0, positive=True)
    for knob in ("connect_rate", "booking_rate", "deal_rate", "win_rate"):
        _validate_range(knob, getattr(c, knob), upper=1.0)
    for knob in ("connect_rate", "booking_rate", "deal_rate"):
        if getattr(c, knob)[1] <= 0.0:
            _fail(
                knob,
                "high must be above 0: without connected calls, meetings and deals the org has no funnel",
            )
    if c.awkward_min < 1:
        _fail("awkward_min", f"must be at least 1, got {c.awkward_min}")
    for knob in ("bulk_touch_tasks", "bulk_touch_calls"):
        if getattr(c, knob) < 0:
            _fail(knob, f"must be non-negative, got {getattr(c, knob)}")
    if not 0 <= c.custom_fields <= MAX_CUSTOM_FIELDS:
        _fail(
            "custom_fields",
            f"must be within 0..{MAX_CUSTOM_FIELDS} (Salesforce's cap), got {c.custom_fields}",
        )


def _validate_range(knob: str, value: object, *, upper: float, positive: bool = False) -> None:
    if not (isinstance(value, tuple) and len(value) == 2):
        _fail(knob, f"must be a (low, high) tuple, got {value!r}")
    lo, hi = value  # type: ignore[misc]
    if not (math.isfinite(lo) and math.isfinite(hi)) or not 0.0 <= lo <= hi <= upper:
        _fail(knob, f"must satisfy 0 <= low <= high <= {upper}, got {value!r}")
    if positive and lo <= 0.0:
        _fail(knob, f"low must be above 0, got {value!r}")

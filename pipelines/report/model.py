"""The scorecard's page model: what each section shows, as frozen dataclasses built from the mart rows
(pipelines.report.queries) by pure functions. Nothing here reads the warehouse or writes HTML."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from zoneinfo import ZoneInfo

WEEK = timedelta(days=7)


# -- rows as the marts hold them -------------------------------------------------------------------


@dataclass(frozen=True)
class WeekRow:
    """One marts.rep_weekly_scorecard row (the columns the report uses)."""

    week_start: date
    rep_id: str
    rep_name: str | None
    calls: int = 0
    connected_calls: int = 0
    meetings_held: int = 0
    first_appointments: int = 0
    proposals: int = 0
    deals_won: int = 0
    deals_lost: int = 0
    revenue_won: Decimal = Decimal(0)
    revenue_target: Decimal | None = None
    attainment_pct: float | None = None
    required_first_appointments: float | None = None
    activity_barometer_pct: float | None = None
    emails_sent: int = 0
    tasks_completed: int = 0
    follow_ups: int = 0  # emails_sent + tasks_completed
    executive_first_appointments: int = 0  # the week's first appointments at the top


# The WeekRow counts that add up across reps (the team's week).
WEEK_COUNTS = (
    "calls",
    "connected_calls",
    "meetings_held",
    "first_appointments",
    "proposals",
    "deals_won",
    "deals_lost",
    "emails_sent",
    "tasks_completed",
    "follow_ups",
    "executive_first_appointments",
)


@dataclass(frozen=True)
class CohortRow:
    """One marts.funnel_monthly row."""

    cohort_month: date
    rep_id: str
    rep_name: str | None
    first_appointments: int
    reached_proposal: int
    won: int
    executive_first_appointments: int = 0
    executive_reached_proposal: int = 0


@dataclass(frozen=True)
class PeerRow:
    """One marts.rep_peer_comparison row."""

    quarter_start: date
    rep_id: str
    rep_name: str | None
    deals_won: int
    deals_lost: int
    win_rate: float | None
    avg_revenue_per_sale: Decimal | None
    avg_sales_cycle_days: float | None
    team_win_rate: float | None
    team_avg_revenue_per_sale: Decimal | None
    team_avg_sales_cycle_days: float | None
    win_rate_vs_team_pts: float | None
    revenue_per_sale_vs_team_pct: float | None
    sales_cycle_vs_team_pct: float | None


@dataclass(frozen=True)
class CoachingRow:
    """One marts.rep_coaching row: the figures and their flags (a flag is None where its figure is)."""

    quarter_start: date
    rep_id: str
    rep_name: str | None
    first_appointments: int = 0
    executive_reach_pct: float | None = None
    appointment_to_proposal_rate: float | None = None
    closing_ratio: float | None = None
    activity_barometer_pct: float | None = None
    revenue_per_sale_vs_team_pct: float | None = None
    sales_cycle_vs_team_pct: float | None = None
    below_appointment_to_proposal: bool | None = None
    below_closing_ratio: bool | None = None
    below_barometer: bool | None = None
    low_revenue_per_sale: bool | None = None
    fast_sales_cycle: bool | None = None


@dataclass(frozen=True)
class MonthRow:
    """One marts.rep_monthly_results row (the columns the report uses); also a rep's or the team's sum."""

    month_start: date
    rep_id: str
    rep_name: str | None
    deals_won: int = 0
    revenue_won: Decimal = Decimal(0)
    new_customers: int = 0
    new_customer_revenue: Decimal = Decimal(0)
    referral_deals_won: int = 0
    referral_revenue: Decimal = Decimal(0)
    revenue_target: Decimal | None = None
    expected_to_date: Decimal | None = None  # the target's share up to the as-of date

    @property
    def target_deviation(self) -> Decimal | None:
        return None if self.revenue_target is None else self.revenue_won - self.revenue_target

    @property
    def target_deviation_pct(self) -> float | None:
        return deviation_pct(self.revenue_won, self.revenue_target)

    @property
    def pace_deviation_pct(self) -> float | None:
        return deviation_pct(self.revenue_won, self.expected_to_date)


# The MonthRow figures that add up across reps and months; the targets add up where known.
MONTH_SUMS = (
    "deals_won",
    "revenue_won",
    "new_customers",
    "new_customer_revenue",
    "referral_deals_won",
    "referral_revenue",
)
MONTH_TARGETS = ("revenue_target", "expected_to_date")


@dataclass(frozen=True)
class SourceFreshness:
    """Per CRM, from raw_meta.sync_runs: the last successful extraction and the newest change it saw."""

    source: str
    last_success_at: datetime | None
    newest_change_at: datetime | None
    last_status: str | None
    last_run_at: datetime | None


# -- the page -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportContext:
    as_of: datetime  # aware
    timezone: str
    currency: str
    weeks: tuple[date, ...]  # week starts, oldest first; the last is the as_of week
    freshness: tuple[SourceFreshness, ...] = ()

    @property
    def current_week(self) -> date:
        return self.weeks[-1]

    @property
    def local_as_of(self) -> datetime:
        return self.as_of.astimezone(ZoneInfo(self.timezone))

    @property
    def week_elapsed(self) -> float:
        """Share of the as_of week gone by at as_of (0 on Monday 00:00, 1 at the end of Sunday)."""
        start = datetime.combine(self.current_week, time())
        gone = self.local_as_of.replace(tzinfo=None) - start
        return min(1.0, max(0.0, gone / WEEK))


@dataclass(frozen=True)
class RepWeeks:
    """A rep's weekly figures over the report's weeks (a zero row where the mart has none)."""

    rep_id: str
    name: str
    weeks: tuple[WeekRow, ...]

    def total(self, metric: str) -> float:
        return sum(getattr(w, metric) for w in self.weeks)

    def total_target(self) -> Decimal | None:
        return sum_known(w.revenue_target for w in self.weeks)

    def total_required(self) -> float | None:
        required = [w.required_first_appointments for w in self.weeks]
        known = [r for r in required if r is not None]
        return sum(known) if known else None


class Pace(Enum):
    """Where a rep stands on this week's magic number at as_of (label, CSS class, order of attention)."""

    BEHIND = ("Behind pace", "behind", 0)
    ON_PACE = ("On pace", "on-pace", 1)
    DONE = ("Week's need met", "done", 2)
    NO_HISTORY = ("No history yet", "unknown", 3)
    NO_TARGET = ("No target", "unknown", 4)

    @property
    def label(self) -> str:
        return self.value[0]

    @property
    def css(self) -> str:
        return self.value[1]

    @property
    def order(self) -> int:
        return self.value[2]


@dataclass(frozen=True)
class RepThisWeek:
    rep_id: str
    name: str
    week: WeekRow  # the as_of week
    expected_by_now: float | None  # the magic number × the share of the week gone by
    pace: Pace
    last_week_barometer_pct: float | None
    next_week_required: float | None

    @property
    def still_needed(self) -> int | None:
        """First appointments still to hold this week to reach the magic number."""
        required = self.week.required_first_appointments
        if required is None:
            return None
        return max(0, math.ceil(required - self.week.first_appointments - 1e-9))


def ratio(part: float, whole: float) -> float | None:
    """part / whole; None (no data, not 0) when whole is 0."""
    return part / whole if whole else None


def deviation_pct(actual: Decimal | float, reference: Decimal | float | None) -> float | None:
    """100 * (actual / reference - 1), in percent; None without a reference or when it is 0."""
    return None if not reference else 100 * (float(actual) / float(reference) - 1)


def sum_known(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum of the values that are not None; None when every one is."""
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


@dataclass(frozen=True)
class Funnel:
    """First appointments and what became of them; "at the top" ones (reaching an executive) apart."""

    label_date: date | None  # the cohort month; None for a total over the months shown
    first_appointments: int
    reached_proposal: int
    won: int
    executive_first_appointments: int = 0
    executive_reached_proposal: int = 0

    @property
    def to_proposal(self) -> float | None:
        return ratio(self.reached_proposal, self.first_appointments)

    @property
    def to_win(self) -> float | None:
        return ratio(self.won, self.reached_proposal)

    @property
    def other_first_appointments(self) -> int:
        return self.first_appointments - self.executive_first_appointments

    @property
    def other_reached_proposal(self) -> int:
        return self.reached_proposal - self.executive_reached_proposal

    @property
    def executive_to_proposal(self) -> float | None:
        return ratio(self.executive_reached_proposal, self.executive_first_appointments)

    @property
    def other_to_proposal(self) -> float | None:
        return ratio(self.other_reached_proposal, self.other_first_appointments)


@dataclass(frozen=True)
class RepFunnel:
    rep_id: str
    name: str
    total: Funnel


@dataclass(frozen=True)
class PeerQuarter:
    quarter_start: date
    team_win_rate: float | None
    team_avg_revenue_per_sale: Decimal | None
    team_avg_sales_cycle_days: float | None
    reps: tuple[PeerRow, ...]


@dataclass(frozen=True)
class CoachingFlag:
    """A flag of marts.rep_coaching: its column, its figure's column (also the threshold's name in
    config.coaching_thresholds), what the figure is and how it is shown (share, percent or vs team)."""

    flag: str
    figure: str
    label: str
    unit: str  # "share" (0.48 → 48%), "percent" (87 → 87%), "vs team" (−42 → −42%)


COACHING_FLAGS = (
    CoachingFlag(
        "below_appointment_to_proposal", "appointment_to_proposal_rate", "appointment → proposal", "share"
    ),
    CoachingFlag("below_closing_ratio", "closing_ratio", "closing ratio", "share"),
    CoachingFlag("below_barometer", "activity_barometer_pct", "activity barometer", "percent"),
    CoachingFlag(
        "low_revenue_per_sale", "revenue_per_sale_vs_team_pct", "revenue per sale vs team", "vs team"
    ),
)
FAST_CYCLE = CoachingFlag("fast_sales_cycle", "sales_cycle_vs_team_pct", "sales cycle vs team", "vs team")


@dataclass(frozen=True)
class RaisedFlag:
    flag: CoachingFlag
    value: float
    threshold: float


@dataclass(frozen=True)
class RepCoaching:
    rep_id: str
    name: str
    row: CoachingRow
    raised: tuple[RaisedFlag, ...]  # COACHING_FLAGS' order (or FAST_CYCLE alone, for a practice to share)
    no_data: tuple[CoachingFlag, ...]  # the flags that are NULL: no figure to judge


@dataclass(frozen=True)
class Coaching:
    """The latest quarter of marts.rep_coaching: the flagged reps (most flags first) and the fast ones."""

    quarter_start: date | None = None
    reps: int = 0  # reps with a row in the quarter
    flagged: tuple[RepCoaching, ...] = ()
    fast: tuple[RepCoaching, ...] = ()


@dataclass(frozen=True)
class RepMonths:
    rep_id: str
    name: str
    months: tuple[MonthRow, ...]  # the months shown, a zero row where the mart has none

    @property
    def total(self) -> MonthRow:
        return sum_months(self.months[0].month_start, self.rep_id, self.name, self.months)


@dataclass(frozen=True)
class Results:
    """marts.rep_monthly_results over the months shown (the last is the as-of month, so far)."""

    months: tuple[date, ...] = ()
    team: tuple[MonthRow, ...] = ()  # the reps' figures summed per month
    reps: tuple[RepMonths, ...] = ()

    @property
    def team_total(self) -> MonthRow:
        return sum_months(self.months[0], "", "Team", self.team)


@dataclass(frozen=True)
class Scorecard:
    context: ReportContext
    reps: tuple[RepWeeks, ...]  # by name
    this_week: tuple[RepThisWeek, ...]  # furthest behind first
    cohorts: tuple[Funnel, ...]  # team totals per cohort month, oldest first
    rep_funnels: tuple[RepFunnel, ...]
    quarters: tuple[PeerQuarter, ...]  # latest first
    team_weeks: tuple[WeekRow, ...] = field(default=())  # the reps' figures summed per week
    reach: tuple[RepFunnel, ...] = field(default=())  # rep_funnels and every other rep shown, at zero
    coaching: Coaching = field(default_factory=Coaching)
    results: Results = field(default_factory=Results)

    @property
    def team_funnel(self) -> Funnel:
        """The cohorts' figures summed (team rates from counts, never averaged)."""
        return _sum_funnels(self.cohorts)

    @property
    def rep_count(self) -> int:
        """Every rep the page names: in the weeks, the funnel, where to coach (flagged or a practice to
        share) or the monthly results. A rep with a won deal this month and no activity in the weeks
        shown is still one of the page's reps."""
        named = (self.reps, self.rep_funnels, self.coaching.flagged, self.coaching.fast, self.results.reps)
        return len({rep.rep_id for section in named for rep in section})


# -- building -----------------------------------------------------------------------------------------


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def report_weeks(as_of: datetime, timezone: str, count: int) -> tuple[date, ...]:
    """The `count` ISO weeks ending with the as_of week (reporting timezone), oldest first."""
    current = week_of(as_of.astimezone(ZoneInfo(timezone)).date())
    return tuple(current - WEEK * (count - 1 - i) for i in range(count))


def display_name(rep_id: str, name: str | None) -> str:
    return name.strip() if name and name.strip() else rep_id


def _sort_key(name: str, rep_id: str) -> tuple[tuple[str | int, ...], str]:
    """By name, numbers in it by value (Rep 2 before Rep 10), then by id."""
    parts = re.split(r"(\d+)", name.casefold())
    return (tuple(int(p) if p.isdigit() else p for p in parts), rep_id)


def build_scorecard(
    context: ReportContext,
    week_rows: Iterable[WeekRow],
    cohort_rows: Iterable[CohortRow],
    peer_rows: Iterable[PeerRow],
    *,
    coaching: Coaching | None = None,
    results: Results | None = None,
) -> Scorecard:
    """The page from the mart rows: `week_rows` may include the week after the as_of week (its magic
    number is shown as next week's need); other weeks outside the report's are ignored."""
    weeks = context.weeks
    next_week = context.current_week + WEEK
    by_rep: dict[str, dict[date, WeekRow]] = {}
    names: dict[str, str] = {}
    for row in week_rows:
        if row.week_start in weeks or row.week_start == next_week:
            by_rep.setdefault(row.rep_id, {})[row.week_start] = row
            names[row.rep_id] = display_name(row.rep_id, row.rep_name)
    reps = tuple(
        sorted(
            (
                RepWeeks(
                    rep_id,
                    names[rep_id],
                    tuple(rows.get(w) or WeekRow(w, rep_id, names[rep_id]) for w in weeks),
                )
                for rep_id, rows in by_rep.items()
                if any(w in rows for w in weeks)
            ),
            key=lambda r: _sort_key(r.name, r.rep_id),
        )
    )
    this_week = tuple(
        sorted(
            (_this_week(rep, by_rep[rep.rep_id].get(next_week), context.week_elapsed) for rep in reps),
            key=lambda r: (r.pace.order, _pace_ratio(r), *_sort_key(r.name, r.rep_id)),
        )
    )
    cohorts, rep_funnels = _funnels(cohort_rows)
    return Scorecard(
        context=context,
        reps=reps,
        this_week=this_week,
        cohorts=cohorts,
        rep_funnels=rep_funnels,
        quarters=_quarters(peer_rows),
        team_weeks=tuple(_team_week(w, [rep.weeks[i] for rep in reps]) for i, w in enumerate(weeks)),
        reach=_with_every_rep(rep_funnels, reps),
        coaching=coaching or Coaching(),
        results=results or Results(),
    )


def pace_of(first_appointments: int, required: float | None, target: Decimal | None, elapsed: float) -> Pace:
    """BEHIND when fewer first appointments than the magic number times the share of the week gone by."""
    if target is None:
        return Pace.NO_TARGET
    if required is None:
        return Pace.NO_HISTORY
    if first_appointments >= required:
        return Pace.DONE
    return Pace.ON_PACE if first_appointments >= required * elapsed else Pace.BEHIND


def _this_week(rep: RepWeeks, next_week: WeekRow | None, elapsed: float) -> RepThisWeek:
    week = rep.weeks[-1]
    required = week.required_first_appointments
    previous = rep.weeks[-2] if len(rep.weeks) > 1 else None
    return RepThisWeek(
        rep_id=rep.rep_id,
        name=rep.name,
        week=week,
        expected_by_now=None if required is None else required * elapsed,
        pace=pace_of(week.first_appointments, required, week.revenue_target, elapsed),
        last_week_barometer_pct=previous.activity_barometer_pct if previous else None,
        next_week_required=next_week.required_first_appointments if next_week else None,
    )


def _pace_ratio(row: RepThisWeek) -> float:
    if not row.expected_by_now:
        return math.inf
    return row.week.first_appointments / row.expected_by_now


def _team_week(week: date, rows: Sequence[WeekRow]) -> WeekRow:
    required = [r.required_first_appointments for r in rows if r.required_first_appointments is not None]
    return WeekRow(
        week_start=week,
        rep_id="",
        rep_name="Team",
        **{name: sum(getattr(r, name) for r in rows) for name in WEEK_COUNTS},
        revenue_won=sum((r.revenue_won for r in rows), Decimal(0)),
        revenue_target=sum_known(r.revenue_target for r in rows),
        required_first_appointments=sum(required) if required else None,
    )


def _funnels(rows: Iterable[CohortRow]) -> tuple[tuple[Funnel, ...], tuple[RepFunnel, ...]]:
    months: dict[date, list[Funnel]] = {}
    reps: dict[str, list[Funnel]] = {}
    names: dict[str, str] = {}
    for row in rows:
        figures = Funnel(
            None,
            row.first_appointments,
            row.reached_proposal,
            row.won,
            row.executive_first_appointments,
            row.executive_reached_proposal,
        )
        months.setdefault(row.cohort_month, []).append(figures)
        reps.setdefault(row.rep_id, []).append(figures)
        names[row.rep_id] = display_name(row.rep_id, row.rep_name)
    cohorts = tuple(replace(_sum_funnels(months[month]), label_date=month) for month in sorted(months))
    rep_funnels = tuple(
        sorted(
            (RepFunnel(rep_id, names[rep_id], _sum_funnels(parts)) for rep_id, parts in reps.items()),
            key=lambda r: _sort_key(r.name, r.rep_id),
        )
    )
    return cohorts, rep_funnels


def _sum_funnels(parts: Iterable[Funnel]) -> Funnel:
    """The counts of `parts` added up (no label date)."""
    counts = [f.name for f in fields(Funnel) if f.name != "label_date"]
    parts = list(parts)
    return Funnel(None, **{name: sum(getattr(p, name) for p in parts) for name in counts})


def _with_every_rep(rep_funnels: Sequence[RepFunnel], reps: Iterable[RepWeeks]) -> tuple[RepFunnel, ...]:
    """`rep_funnels` and, at zero, every rep of the weekly figures without a cohort in the months shown."""
    known = {r.rep_id for r in rep_funnels}
    others = (RepFunnel(r.rep_id, r.name, Funnel(None, 0, 0, 0)) for r in reps if r.rep_id not in known)
    return tuple(sorted((*rep_funnels, *others), key=lambda r: _sort_key(r.name, r.rep_id)))


def _quarters(rows: Iterable[PeerRow]) -> tuple[PeerQuarter, ...]:
    by_quarter: dict[date, list[PeerRow]] = {}
    for row in rows:
        by_quarter.setdefault(row.quarter_start, []).append(row)
    quarters = []
    for quarter in sorted(by_quarter, reverse=True):
        members = sorted(
            by_quarter[quarter], key=lambda r: _sort_key(display_name(r.rep_id, r.rep_name), r.rep_id)
        )
        first = members[0]
        quarters.append(
            PeerQuarter(
                quarter_start=quarter,
                team_win_rate=first.team_win_rate,
                team_avg_revenue_per_sale=first.team_avg_revenue_per_sale,
                team_avg_sales_cycle_days=first.team_avg_sales_cycle_days,
                reps=tuple(members),
            )
        )
    return tuple(quarters)


def build_coaching(rows: Iterable[CoachingRow], thresholds: Mapping[str, float]) -> Coaching:
    """The latest quarter of `rows`: each rep with a raised flag (a NULL flag is not raised: no data),
    most flags first, and the reps whose sales cycle is a practice to share."""
    rows = list(rows)
    if not rows:
        return Coaching()
    quarter = max(r.quarter_start for r in rows)
    reps = sorted(
        (r for r in rows if r.quarter_start == quarter),
        key=lambda r: _sort_key(display_name(r.rep_id, r.rep_name), r.rep_id),
    )
    flagged = [_rep_coaching(r, COACHING_FLAGS, thresholds) for r in reps]
    return Coaching(
        quarter_start=quarter,
        reps=len(reps),
        flagged=tuple(sorted((c for c in flagged if c.raised), key=lambda c: -len(c.raised))),
        fast=tuple(c for c in (_rep_coaching(r, (FAST_CYCLE,), thresholds) for r in reps) if c.raised),
    )


def _rep_coaching(
    row: CoachingRow, flags: Sequence[CoachingFlag], thresholds: Mapping[str, float]
) -> RepCoaching:
    return RepCoaching(
        rep_id=row.rep_id,
        name=display_name(row.rep_id, row.rep_name),
        row=row,
        raised=tuple(
            RaisedFlag(f, getattr(row, f.figure), thresholds[f.figure]) for f in flags if getattr(row, f.flag)
        ),
        no_data=tuple(f for f in flags if getattr(row, f.flag) is None),
    )


def build_results(months: Sequence[date], rows: Iterable[MonthRow]) -> Results:
    """Per rep and for the team, each of `months` (oldest first); rows of other months are ignored."""
    by_rep: dict[str, dict[date, MonthRow]] = {}
    names: dict[str, str] = {}
    for row in rows:
        if row.month_start in months:
            by_rep.setdefault(row.rep_id, {})[row.month_start] = row
            names[row.rep_id] = display_name(row.rep_id, row.rep_name)
    reps = tuple(
        sorted(
            (
                RepMonths(
                    rep_id, names[rep_id], tuple(rows.get(m) or MonthRow(m, rep_id, None) for m in months)
                )
                for rep_id, rows in by_rep.items()
            ),
            key=lambda r: _sort_key(r.name, r.rep_id),
        )
    )
    team = tuple(sum_months(m, "", "Team", [rep.months[i] for rep in reps]) for i, m in enumerate(months))
    return Results(months=tuple(months), team=team, reps=reps)


def sum_months(month: date, rep_id: str, name: str, rows: Sequence[MonthRow]) -> MonthRow:
    """The rows' figures added up (the targets over the rows that have one), labelled `month`."""
    return MonthRow(
        month,
        rep_id,
        name,
        **{n: sum(getattr(r, n) for r in rows) for n in MONTH_SUMS},
        **{n: sum_known(getattr(r, n) for r in rows) for n in MONTH_TARGETS},
    )


def month_window(first_week: date, as_of_month: date, at_least: int) -> tuple[date, ...]:
    """The months from the one `first_week` starts in (or `at_least` months back, if earlier) to the
    as-of month, oldest first."""
    first = min(first_week.replace(day=1), add_months(as_of_month, 1 - at_least))
    count = (as_of_month.year - first.year) * 12 + as_of_month.month - first.month + 1
    return tuple(add_months(first, i) for i in range(count))


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)

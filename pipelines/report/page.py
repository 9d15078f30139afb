"""The scorecard as one self-contained HTML page: the page model (pipelines.report.model) rendered with
inline CSS and inline SVG charts. No script, font, image or link leaves the file, and the
Content-Security-Policy says so to the browser. Every value from the data passes through `esc`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.charts import esc
from pipelines.report.model import (
    FAST_CYCLE,
    CoachingRow,
    Funnel,
    MonthRow,
    Pace,
    PeerQuarter,
    RaisedFlag,
    RepCoaching,
    RepWeeks,
    Scorecard,
    WeekRow,
    add_months,
    ratio,
)
from pipelines.report.style import CSS

SOURCE_NAMES = {"salesforce": "Salesforce", "hubspot": "HubSpot"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True)
class Metric:
    """A column of the grid of reps by weeks."""

    field: str
    title: str
    tone: str
    unit: str  # in bar titles: "calls", "first appointments", …


GRID_METRICS = (
    Metric("calls", "Calls", "act", "calls"),
    Metric("follow_ups", "Follow-ups", "act", "follow-ups"),
    Metric("meetings_held", "Meetings held", "act", "meetings held"),
    Metric("first_appointments", "First appointments", "act", "first appointments"),
    Metric("proposals", "Proposals", "res", "proposals"),
    Metric("deals_won", "Wins", "res", "deals won"),
    Metric("revenue_won", "Revenue won", "res", "revenue"),
)


def render(card: Scorecard, *, generated_at: datetime) -> str:
    ctx = card.context
    body = "\n".join(
        (
            _header(card, generated_at),
            _coaching(card),
            _this_week(card),
            _results(card),
            _activity_results(card),
            _funnel(card),
            _top(card),
            _peers(card),
            _footer(card, generated_at),
        )
    )
    title = f"Sales scorecard — week of {fmt.week_label(ctx.current_week)} {ctx.current_week.year}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="Barometer (barometer report)">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


# -- pieces -----------------------------------------------------------------------------------------


def _rep(name: str, rep_id: str, *, rows: int = 1, more: str = "") -> str:
    """A rep's name cell (its id under it), spanning `rows` rows, with `more` (HTML) under the id."""
    detail = f'<span class="id">{esc(rep_id)}</span>' if rep_id != name else ""
    span = f' rowspan="{rows}"' if rows > 1 else ""
    return f'<td class="rep"{span}>{esc(name)}{detail}{more}</td>'


def _empty(text: str) -> str:
    return f'<p class="empty">{esc(text)}</p>'


def _money(card: Scorecard, value: Decimal | float | None, *, short: bool = False) -> str:
    return fmt.money(value, card.context.currency, short=short)


def _local(card: Scorecard, moment: datetime | None) -> str:
    if moment is None:
        return fmt.MISSING
    return fmt.moment(moment.astimezone(ZoneInfo(card.context.timezone)))


def _section(anchor: str, title: str, lede: str, content: str) -> str:
    return (
        f'<section id="{anchor}">\n<header><h2>{esc(title)}</h2><p class="lede">{esc(lede)}</p></header>\n'
        f"{content}\n</section>"
    )


def _tile(big: str, small: str) -> str:
    return f'<div class="tile"><div class="big">{esc(big)}</div><div class="small">{esc(small)}</div></div>'


# -- header -----------------------------------------------------------------------------------------


def _header(card: Scorecard, generated_at: datetime) -> str:
    ctx = card.context
    first, last = ctx.weeks[0], ctx.current_week
    facts = [
        ("As of", f"{_local(card, ctx.as_of)} ({ctx.timezone})"),
        ("Weeks", f"{fmt.week_label(first)} {first.year} – week of {fmt.week_label(last)} {last.year}"),
        ("Currency", ctx.currency),
        ("Reps", f"{card.rep_count:,}"),
    ]
    fresh = []
    for source in ctx.freshness:
        name = SOURCE_NAMES.get(source.source, source.source)
        text = (
            f"{name}: last sync {_local(card, source.last_success_at)}, "
            f"changes seen up to {_local(card, source.newest_change_at)}"
        )
        warn = ""
        if source.last_status != "succeeded":
            warn = (
                f' <span class="warn">— the latest run ({_local(card, source.last_run_at)}) '
                f"{esc(source.last_status or 'unknown')}</span>"
            )
        fresh.append(f"<span>{esc(text)}{warn}</span>")
    freshness = (
        " · ".join(fresh) if fresh else esc("No sync recorded in this warehouse (raw_meta.sync_runs).")
    )
    return (
        '<header class="top">\n<h1>Sales scorecard</h1>\n'
        '<div class="facts">'
        + "".join(f"<span>{esc(name)} <b>{esc(value)}</b></span>" for name, value in facts)
        + f'</div>\n<div class="fresh">Data freshness — {freshness}</div>\n</header>'
    )


# -- where to coach ---------------------------------------------------------------------------------

COACH_TITLE = "Where to coach"
UNITS: dict[str, Callable[[float | None], str]] = {
    "share": fmt.share,
    "percent": fmt.percent,
    "vs team": fmt.signed_percent,
}


def _coaching(card: Scorecard) -> str:
    coaching = card.coaching
    if coaching.quarter_start is None:
        return _section(
            "coach",
            COACH_TITLE,
            "Reps past a coaching threshold, with a next step for each.",
            _empty(
                "No coaching figures yet: no first appointment, closed proposal or magic number in any "
                "quarter."
            ),
        )
    quarter = fmt.quarter_label(coaching.quarter_start) + _so_far(card, coaching.quarter_start, 3)
    lede = (
        f"{quarter}: each rep whose figures are past a coaching threshold, what the figure is against the "
        "threshold, and one next step per flag for the sales manager. A figure without data (no first "
        "appointment, no closed proposal, no magic number, no deal to compare) raises no flag."
    )
    if coaching.flagged:
        count = len(coaching.flagged)
        verb = "needs" if count == 1 else "need"
        summary = f"{count} of {fmt.counted(coaching.reps, 'rep')} with figures in {quarter} {verb} coaching."
        body = _coach_table(coaching.flagged)
    else:
        measured = fmt.counted(coaching.reps, "rep")
        summary = f"No rep needs coaching in {quarter}: {measured} with figures, none past a threshold."
        body = ""
    return _section(
        "coach", COACH_TITLE, lede, f'<p class="verdict">{esc(summary)}</p>{body}{_practices(coaching.fast)}'
    )


def _coach_table(reps: Sequence[RepCoaching]) -> str:
    rows = []
    for rep in reps:
        no_data = ", ".join(f.label for f in rep.no_data)
        more = f'<span class="id">no data: {esc(no_data)}</span>' if no_data else ""
        for i, raised in enumerate(rep.raised):
            who = _rep(rep.name, rep.rep_id, rows=len(rep.raised), more=more) if i == 0 else ""
            rows.append(
                f'<tr data-rep="{esc(rep.rep_id)}" data-flag="{esc(raised.flag.flag)}">{who}'
                f"<td>{esc(_against(raised))}</td><td>{esc(_next_step(raised, rep.row))}</td></tr>"
            )
    return (
        '<table class="coach"><thead><tr><th>Rep</th><th>Flag: figure (threshold)</th><th>Next step</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _against(raised: RaisedFlag) -> str:
    """appointment → proposal 48% (threshold 60%)."""
    show = UNITS[raised.flag.unit]
    return f"{raised.flag.label} {show(raised.value)} (threshold {show(raised.threshold)})"


def _next_step(raised: RaisedFlag, row: CoachingRow) -> str:
    flag = raised.flag.flag
    if flag == "below_appointment_to_proposal":
        reach = ""
        if row.executive_reach_pct is not None:
            share = fmt.percent(row.executive_reach_pct)
            reach = f" ({share} of this quarter's first appointments were at the top)"
        return (
            "Define what the first appointment must lead to: agree the second appointment's date before "
            f"leaving the first, and start at the top — meet the executive who decides{reach}."
        )
    return NEXT_STEPS[flag]


NEXT_STEPS = {
    "below_closing_ratio": (
        "Go through this quarter's lost proposals together; before the next proposal goes out, meet the "
        "decision-maker, confirm budget and timing, and agree the date of the decision."
    ),
    "below_barometer": (
        "Train appointment setting and raise activity to the magic number: block calling time each day "
        "until the week's first appointments are booked, and check the barometer mid-week."
    ),
    "low_revenue_per_sale": (
        "Revenue per sale: qualify bigger opportunities — aim first appointments at larger accounts and "
        "propose the full scope rather than a starter deal."
    ),
}


def _practices(fast: Sequence[RepCoaching]) -> str:
    if not fast:
        return ""
    rows = "".join(
        f'<tr data-rep="{esc(rep.rep_id)}" data-flag="{FAST_CYCLE.flag}">'
        + _rep(rep.name, rep.rep_id)
        + f"<td>{esc(_against(rep.raised[0]))}</td>"
        + f"<td>{esc(_share_step(rep.name))}</td>"
        + "</tr>"
        for rep in fast
    )
    return (
        "<h3>Practices to share</h3>"
        '<table class="practices"><thead><tr><th>Rep</th><th>Figure (threshold)</th><th>Next step</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _share_step(name: str) -> str:
    return f"Ask {name} to show the team how their deals get from first appointment to close so fast."


def _so_far(card: Scorecard, start: date, months: int) -> str:
    """' (so far)' when the period of `months` months from `start` holds the as-of date."""
    return " (so far)" if start <= card.context.local_as_of.date() < add_months(start, months) else ""


# -- results against the monthly target -------------------------------------------------------------

RESULTS_TITLE = "Results against the monthly target"


def _results(card: Scorecard) -> str:
    results = card.results
    lede = (
        "Revenue won each month against the month's share of the revenue targets; the current month so far, "
        "with a dashed purple tick where revenue should be by now (the target's share of the days gone by). "
        "New customers (a prospect's first win) and referral revenue are results too."
    )
    if not results.reps:
        return _section(
            "results", RESULTS_TITLE, lede, _empty("No win and no revenue target in the months shown.")
        )
    now = results.team[-1]
    tiles = (
        _tile(
            f"{_money(card, now.revenue_won, short=True)} / {_money(card, now.expected_to_date, short=True)}",
            f"revenue won / expected by now this month ({fmt.signed_percent(now.pace_deviation_pct)})",
        ),
        _tile(
            fmt.count(now.new_customers),
            f"new customers this month ({_money(card, now.new_customer_revenue)})",
        ),
        _tile(
            _money(card, now.referral_revenue, short=True),
            f"referral revenue this month ({fmt.counted(now.referral_deals_won, 'win')})",
        ),
    )
    labels = [f"{m:%b}" for m in results.months]
    chart = charts.column_chart(
        [float(m.revenue_won) for m in results.team],
        [_float(m.revenue_target) for m in results.team],
        labels,
        [_month_title(card, m) for m in results.team],
        tone="res",
        fmt=lambda v: _money(card, v, short=True),
        chart="team-months",
        label="Team revenue won per month against the sum of the reps' targets, this month's pace",
        paces=[*([None] * (len(results.team) - 1)), _float(now.expected_to_date)],
    )
    legend = (
        '<div class="legend">'
        f"<span>{charts.swatch('res')} revenue won</span>"
        f"<span>{charts.swatch('res-now')} this month so far</span>"
        f"<span>{charts.tick_swatch()} revenue target</span>"
        f"<span>{charts.tick_swatch('pace')} expected by now</span>"
        "</div>"
    )
    return _section(
        "results",
        RESULTS_TITLE,
        lede,
        f'<div class="tiles">{"".join(tiles)}</div>{legend}{chart}'
        f"<h3>Team by month</h3>{_month_table(card)}"
        f"<h3>Per rep, months shown together</h3>{_rep_months(card)}",
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _month_title(card: Scorecard, month: MonthRow) -> str:
    """Nov 2026: $12,000 won, target $20,000 (-40%, with a typographic minus)."""
    return (
        f"{fmt.month_label(month.month_start)}: {_money(card, month.revenue_won)} won, target "
        f"{_money(card, month.revenue_target)} ({fmt.signed_percent(month.target_deviation_pct)})"
    )


def _signed_money(card: Scorecard, value: Decimal | None) -> str:
    text = _money(card, value)
    return f"+{text}" if value is not None and value > 0 else text.replace("-", "−")


def _month_table(card: Scorecard) -> str:
    head = (
        "<tr><th>Month</th>"
        + "".join(
            f'<th class="num">{c}</th>'
            for c in (
                "Wins",
                "Revenue won",
                "Target",
                "Deviation",
                "vs target",
                "Expected by now",
                "Pace",
                "New customers",
                "New-customer revenue",
                "Referral wins",
                "Referral revenue",
            )
        )
        + "</tr>"
    )
    rows = []
    for i, m in enumerate(reversed(card.results.team)):
        so_far = " (so far)" if i == 0 else ""
        cells = (
            fmt.count(m.deals_won),
            _money(card, m.revenue_won),
            _money(card, m.revenue_target),
            _signed_money(card, m.target_deviation),
            fmt.signed_percent(m.target_deviation_pct),
            _money(card, m.expected_to_date),
            fmt.signed_percent(m.pace_deviation_pct),
            fmt.count(m.new_customers),
            _money(card, m.new_customer_revenue),
            fmt.count(m.referral_deals_won),
            _money(card, m.referral_revenue),
        )
        rows.append(
            f"<tr><td>{esc(fmt.month_label(m.month_start))}{so_far}</td>"
            + "".join(f'<td class="num">{esc(v)}</td>' for v in cells)
            + "</tr>"
        )
    return f'<table class="months"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def _rep_months(card: Scorecard) -> str:
    results = card.results
    top = _months_top([m for rep in results.reps for m in rep.months])
    rows = [_rep_month_row(card, rep.name, rep.rep_id, rep.months, rep.total, top) for rep in results.reps]
    rows.append(_rep_month_row(card, "Team", "", results.team, results.team_total, _months_top(results.team)))
    return (
        '<table class="rep-months"><thead><tr><th>Rep</th><th>Revenue won per month</th>'
        '<th class="num">Revenue won</th><th class="num">Target</th><th class="num">vs target</th>'
        '<th class="num">Expected by now</th><th class="num">Pace</th><th class="num">New customers</th>'
        '<th class="num">Referral revenue</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note">Revenue won, target and new customers: the months shown together. Expected by now: '
        "the targets of the past months and this month's share up to now; pace compares revenue won with it. "
        "The team's figures add up the reps' sums, never average their percentages.</p>"
    )


def _months_top(months: Sequence[MonthRow]) -> float:
    """The bars' shared scale: the largest revenue won or target."""
    return max([1.0, *(float(v) for m in months for v in (m.revenue_won, m.revenue_target) if v is not None)])


def _rep_month_row(
    card: Scorecard, name: str, rep_id: str, months: Sequence[MonthRow], total: MonthRow, top: float
) -> str:
    svg = charts.week_bars(
        [float(m.revenue_won) for m in months],
        top=top,
        tone="res",
        titles=[_month_title(card, m) for m in months],
        refs=[_float(m.revenue_target) for m in months],
        chart="rep-months",
        label=f"{name}: revenue won per month against the target",
        data={"data-rep": rep_id},
    )
    cells = (
        _money(card, total.revenue_won),
        _money(card, total.revenue_target),
        fmt.signed_percent(total.target_deviation_pct),
        _money(card, total.expected_to_date),
        fmt.signed_percent(total.pace_deviation_pct),
        f"{fmt.count(total.new_customers)} ({_money(card, total.new_customer_revenue)})",
        f"{_money(card, total.referral_revenue)} ({fmt.counted(total.referral_deals_won, 'win')})",
    )
    return (
        ('<tr class="team">' if not rep_id else "<tr>")
        + (_rep(name, rep_id) if rep_id else '<td class="rep">Team</td>')
        + f"<td>{svg}</td>"
        + "".join(f'<td class="num">{esc(v)}</td>' for v in cells)
        + "</tr>"
    )


# -- this week --------------------------------------------------------------------------------------


def _this_week(card: Scorecard) -> str:
    ctx = card.context
    week = ctx.current_week
    gone = ctx.week_elapsed
    lede = (
        f"Week of {fmt.week_label(week)} {week.year}, {fmt.share(gone)} of it gone by. The magic number "
        "is how many first appointments a rep needs this week to stay on course for the revenue target; the "
        "barometer is how many of them the rep has had (100% = the week's need met). Sorted by who needs "
        "attention first."
    )
    rows = card.this_week
    if not rows:
        return _section(
            "this-week",
            "This week: magic number and barometer",
            lede,
            _empty(
                f"No rep has activity, results or a revenue target in the week of {fmt.week_label(week)}: "
                "nothing to measure yet. Targets come from BAROMETER_TARGETS_FILE."
            ),
        )
    measured = [r for r in rows if r.week.required_first_appointments is not None]
    behind = [r for r in rows if r.pace is Pace.BEHIND]
    required = sum(r.week.required_first_appointments for r in measured)
    held = sum(r.week.first_appointments for r in measured)
    targets = [r.week.revenue_target for r in rows if r.week.revenue_target is not None]
    target = sum(targets, Decimal(0)) if targets else None
    won = sum((r.week.revenue_won for r in rows), Decimal(0))
    tiles = [
        _tile(f"{len(measured) - len(behind)} of {len(measured)}", "reps with a magic number on pace"),
        _tile(f"{len(behind)}", "behind pace"),
        _tile(f"{fmt.count(held)} / {fmt.decimal1(required)}", "first appointments held / needed"),
        _tile(
            f"{_money(card, won, short=True)} / {_money(card, target, short=True)}",
            "revenue won / target this week",
        ),
    ]
    top = max([max(r.week.first_appointments, r.week.required_first_appointments or 0) for r in rows] + [1])
    body = []
    for r in rows:
        w = r.week
        label = (
            f"{r.name}: {w.first_appointments} first appointments of "
            f"{fmt.decimal1(w.required_first_appointments)} needed this week; "
            f"{fmt.decimal1(r.expected_by_now)} expected by now"
        )
        body.append(
            "<tr>"
            + _rep(r.name, r.rep_id)
            + f'<td><span class="status {r.pace.css}">{_pace_icon(r.pace)} {esc(r.pace.label)}</span></td>'
            + f'<td class="num">{fmt.count(w.first_appointments)} / '
            + f"{fmt.decimal1(w.required_first_appointments)}</td>"
            + "<td>"
            + charts.bullet(
                w.first_appointments,
                w.required_first_appointments,
                r.expected_by_now,
                top=top,
                label=label,
                data={"data-rep": r.rep_id},
            )
            + "</td>"
            + f'<td class="num">{fmt.percent(w.activity_barometer_pct)}</td>'
            + f'<td class="num">{fmt.count(r.still_needed)}</td>'
            + f'<td class="num">{fmt.percent(r.last_week_barometer_pct)}</td>'
            + f'<td class="num">{fmt.decimal1(r.next_week_required)}</td>'
            + f'<td class="num">{_money(card, w.revenue_won)} / {_money(card, w.revenue_target)}</td>'
            + "</tr>"
        )
    legend = (
        '<div class="legend">'
        f"<span>{charts.swatch('act')} first appointments held</span>"
        f"<span>{charts.tick_swatch()} magic number (the week's need)</span>"
        f"<span>{charts.tick_swatch('pace')} where the rep should be by now</span>"
        "</div>"
    )
    table = (
        '<table class="this-week"><thead><tr><th>Rep</th><th>Status</th>'
        '<th class="num">First appts / magic number</th><th>Progress</th><th class="num">Barometer</th>'
        '<th class="num">Still needed</th><th class="num">Last week</th><th class="num">Next week needs</th>'
        '<th class="num">Revenue won / target</th></tr></thead><tbody>' + "".join(body) + "</tbody></table>"
    )
    notes = (
        '<p class="note">Behind pace: fewer first appointments than the magic number × the share of the '
        "week gone by. No history yet: a target but no won deals, appointments or proposals in the 91 days "
        "before this week, for the rep or the team, to size the magic number from. Last week: the barometer "
        "of the week before, complete.</p>"
    )
    return _section(
        "this-week",
        "This week: magic number and barometer",
        lede,
        f'<div class="tiles">{"".join(tiles)}</div>{legend}{table}{notes}',
    )


def _pace_icon(pace: Pace) -> str:
    return {Pace.BEHIND: "▼", Pace.ON_PACE: "▲", Pace.DONE: "✓"}.get(pace, "·")


# -- activity against results -----------------------------------------------------------------------


def _activity_results(card: Scorecard) -> str:
    ctx = card.context
    lede = (
        "Inputs a rep controls (calls, follow-ups, meetings, first appointments; blue) next to the results "
        "they lead to (proposals, wins, revenue; orange), week by week. Follow-ups are the e-mails sent and "
        "tasks completed that keep a deal moving between calls and meetings. Every rep's bars share one "
        "scale per column; the last bar of each is this week so far (lighter)."
    )
    if not card.reps:
        return _section(
            "activity",
            "Activity against results, per rep and week",
            lede,
            _empty(f"No activity, results or targets in the {len(ctx.weeks)} weeks shown."),
        )
    team = card.team_weeks
    labels = [fmt.week_label(w) for w in ctx.weeks]
    appointments = charts.column_chart(
        [w.first_appointments for w in team],
        [w.required_first_appointments for w in team],
        labels,
        [
            f"Week of {labels[i]}: {w.first_appointments:,} first appointments, "
            f"{fmt.decimal1(w.required_first_appointments)} needed"
            for i, w in enumerate(team)
        ],
        tone="act",
        fmt=lambda v: f"{v:,.0f}",
        chart="team-activity",
        label="Team first appointments per week against the sum of the reps' magic numbers",
    )
    revenue = charts.column_chart(
        [float(w.revenue_won) for w in team],
        [None if w.revenue_target is None else float(w.revenue_target) for w in team],
        labels,
        [
            f"Week of {labels[i]}: {_money(card, w.revenue_won)} won, target {_money(card, w.revenue_target)}"
            for i, w in enumerate(team)
        ],
        tone="res",
        fmt=lambda v: _money(card, v, short=True),
        chart="team-results",
        label="Team revenue won per week against the sum of the reps' targets",
    )
    panels = (
        '<div class="panels">'
        f'<div class="panel"><h3>Team: first appointments vs needed</h3>{appointments}</div>'
        f'<div class="panel"><h3>Team: revenue won vs target</h3>{revenue}</div>'
        "</div>"
    )
    legend = (
        '<div class="legend">'
        f"<span>{charts.swatch('act')} activity</span><span>{charts.swatch('res')} results</span>"
        f"<span>{charts.swatch('act-now')}{charts.swatch('res-now')} this week so far</span>"
        f"<span>{charts.tick_swatch()} magic number / revenue target</span>"
        "</div>"
    )
    return _section(
        "activity",
        "Activity against results, per rep and week",
        lede,
        panels + legend + _grid(card) + "<h3>Team by week</h3>" + _team_table(card),
    )


def _grid(card: Scorecard) -> str:
    ctx = card.context
    labels = [fmt.week_label(w) for w in ctx.weeks]
    tops = {m.field: _metric_top(card.reps, m) for m in GRID_METRICS}
    head = "".join(f"<th>{esc(m.title)}</th>" for m in GRID_METRICS)
    rows = []
    for rep in card.reps:
        cells = "".join(_grid_cell(card, rep, m, tops[m.field], labels) for m in GRID_METRICS)
        rows.append(f"<tr>{_rep(rep.name, rep.rep_id)}{cells}</tr>")
    return (
        f'<table class="grid"><thead><tr><th>Rep</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        '<p class="note">Figures: totals over the weeks shown. Follow-ups: e-mails sent plus tasks '
        "completed. Dark ticks: the week's magic number (first appointments) and revenue target.</p>"
    )


def _refs(rep: RepWeeks, metric: Metric) -> list[float | None]:
    if metric.field == "first_appointments":
        return [w.required_first_appointments for w in rep.weeks]
    if metric.field == "revenue_won":
        return [None if w.revenue_target is None else float(w.revenue_target) for w in rep.weeks]
    return []


def _metric_top(reps: Sequence[RepWeeks], metric: Metric) -> float:
    values = [float(getattr(w, metric.field)) for rep in reps for w in rep.weeks]
    refs = [r for rep in reps for r in _refs(rep, metric) if r is not None]
    return max([*values, *refs, 1.0])


def _grid_cell(card: Scorecard, rep: RepWeeks, metric: Metric, top: float, labels: list[str]) -> str:
    values = [float(getattr(w, metric.field)) for w in rep.weeks]
    refs = _refs(rep, metric)
    show: Callable[[float | Decimal | None], str]
    show = (lambda v: _money(card, v)) if metric.field == "revenue_won" else fmt.count
    titles = []
    for i, w in enumerate(rep.weeks):
        text = f"{labels[i]}: {show(getattr(w, metric.field))} {metric.unit}{_week_detail(w, metric)}"
        if refs and refs[i] is not None:
            text += f" (needed {fmt.decimal1(refs[i])})" if metric.field == "first_appointments" else ""
            text += f" (target {_money(card, refs[i])})" if metric.field == "revenue_won" else ""
        titles.append(text)
    svg = charts.week_bars(
        values,
        top=top,
        tone=metric.tone,
        titles=titles,
        refs=refs,
        chart="weekly",
        label=f"{rep.name}: {metric.unit} per week",
        data={"data-rep": rep.rep_id, "data-metric": metric.field},
    )
    total = rep.total(metric.field)
    sub = ""
    if metric.field == "calls":
        sub = f"{fmt.count(rep.total('connected_calls'))} connected"
    elif metric.field == "follow_ups":
        sub = _follow_up_parts(rep.total("emails_sent"), rep.total("tasks_completed"))
    elif metric.field == "first_appointments" and rep.total_required() is not None:
        sub = f"of {fmt.decimal1(rep.total_required())} needed"
    elif metric.field == "deals_won":
        lost = rep.total("deals_lost")
        sub = f"win rate {fmt.share(total / (total + lost))}" if total + lost else ""
    elif metric.field == "revenue_won" and rep.total_target() is not None:
        sub = f"of {_money(card, rep.total_target(), short=True)}"
    figure = _money(card, total, short=True) if metric.field == "revenue_won" else fmt.count(total)
    return (
        f'<td><div class="cell stack">{svg}<span class="fig">{esc(figure)}'
        f'<span class="sub">{esc(sub and "· " + sub)}</span></span></div></td>'
    )


def _week_detail(week: WeekRow, metric: Metric) -> str:
    """What a week's bar title adds to its figure: the follow-ups' parts, first appointments at the top."""
    if metric.field == "follow_ups":
        return f" ({_follow_up_parts(week.emails_sent, week.tasks_completed)})"
    if metric.field == "first_appointments" and week.executive_first_appointments:
        return f" ({fmt.count(week.executive_first_appointments)} at the top)"
    return ""


def _follow_up_parts(emails_sent: float, tasks_completed: float) -> str:
    """6 e-mails, 1 task."""
    return f"{fmt.counted(emails_sent, 'e-mail')}, {fmt.counted(tasks_completed, 'task')}"


TEAM_COLUMNS = (
    "Calls",
    "Connected",
    "E-mails sent",
    "Tasks done",
    "Meetings held",
    "First appts",
    "At the top",
    "Needed",
    "Proposals",
    "Won",
    "Lost",
    "Revenue won",
    "Target",
    "Attainment",
)


def _team_table(card: Scorecard) -> str:
    head = "<tr><th>Week of</th>" + "".join(f'<th class="num">{esc(c)}</th>' for c in TEAM_COLUMNS) + "</tr>"
    rows = []
    for i, w in enumerate(reversed(card.team_weeks)):
        attainment = 100 * float(w.revenue_won) / float(w.revenue_target) if w.revenue_target else None
        so_far = " (so far)" if i == 0 else ""
        rows.append(
            f"<tr><td>{esc(fmt.week_label(w.week_start))} {w.week_start.year}{so_far}</td>"
            + "".join(
                f'<td class="num">{esc(v)}</td>'
                for v in (
                    fmt.count(w.calls),
                    fmt.count(w.connected_calls),
                    fmt.count(w.emails_sent),
                    fmt.count(w.tasks_completed),
                    fmt.count(w.meetings_held),
                    fmt.count(w.first_appointments),
                    fmt.count(w.executive_first_appointments),
                    fmt.decimal1(w.required_first_appointments),
                    fmt.count(w.proposals),
                    fmt.count(w.deals_won),
                    fmt.count(w.deals_lost),
                    _money(card, w.revenue_won),
                    _money(card, w.revenue_target),
                    fmt.percent(attainment),
                )
            )
            + "</tr>"
        )
    return f'<table class="team"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


# -- funnel -----------------------------------------------------------------------------------------


def _funnel(card: Scorecard) -> str:
    lede = (
        "Each month's first appointments (the cohort) and how many of them reached a proposal and were "
        "won, whenever that happened. Recent cohorts are still maturing: their rates rise as deals move."
    )
    if not card.cohorts:
        return _section(
            "funnel",
            "Funnel by monthly cohort",
            lede,
            _empty("No first appointments in the months shown: no cohort to follow yet."),
        )
    groups = [
        (
            fmt.month_label(c.label_date),
            [c.first_appointments, c.reached_proposal, c.won],
            (f"→ proposal {fmt.share(c.to_proposal)}", f"→ won {fmt.share(c.to_win)}"),
        )
        for c in card.cohorts
    ]
    series = ("first appointments", "reached proposal", "won")
    chart = charts.funnel_chart(
        groups,
        tones=("act", "prop", "res"),
        series=series,
        label="Team funnel per cohort month: first appointments, reached proposal, won",
        width=max(420, min(1130, 190 * len(groups) + 60)),
    )
    legend = (
        '<div class="legend">'
        + "".join(
            f"<span>{charts.swatch(t)} {esc(s)}</span>"
            for t, s in zip(("act", "prop", "res"), series, strict=True)
        )
        + "</div>"
    )
    rows = "".join(
        "<tr>"
        + _rep(r.name, r.rep_id)
        + f'<td class="num">{fmt.count(r.total.first_appointments)}</td>'
        + f'<td class="num">{fmt.count(r.total.reached_proposal)}</td>'
        + f'<td class="num">{fmt.count(r.total.won)}</td>'
        + f'<td class="num">{fmt.share(r.total.to_proposal)}</td>'
        + f'<td class="num">{fmt.share(r.total.to_win)}</td>'
        + "</tr>"
        for r in card.rep_funnels
    )
    first, last = card.cohorts[0].label_date, card.cohorts[-1].label_date
    table = (
        f"<h3>Per rep, cohorts {esc(fmt.month_label(first))} – {esc(fmt.month_label(last))} together</h3>"
        '<table class="funnel"><thead><tr><th>Rep</th><th class="num">First appointments</th>'
        '<th class="num">Reached proposal</th><th class="num">Won</th><th class="num">Appt → proposal</th>'
        f'<th class="num">Proposal → win</th></tr></thead><tbody>{rows}</tbody></table>'
    )
    return _section("funnel", "Funnel by monthly cohort", lede, legend + chart + table)


# -- at the top -------------------------------------------------------------------------------------

TOP_TITLE = "First appointments at the top"


def _top(card: Scorecard) -> str:
    lede = (
        "A first appointment is at the top when it is held with an executive — a C-level or VP contact, "
        "someone who can say yes. Such a meeting skips the climb through the organisation, so it should "
        "reach a proposal more often than one lower down: the share each rep gets at the top, and whether "
        "those meetings do convert better here. Same cohorts as the funnel above."
    )
    team = card.team_funnel
    if not team.first_appointments:
        return _section(
            "top",
            TOP_TITLE,
            lede,
            _empty("No first appointments in the months shown: nothing at the top yet."),
        )
    tiles = (
        _rate_tile(
            team.executive_first_appointments, team.first_appointments, "first appointments at the top"
        ),
        _rate_tile(
            team.executive_reached_proposal, team.executive_first_appointments, "at the top → proposal"
        ),
        _rate_tile(
            team.other_reached_proposal, team.other_first_appointments, "other first appts → proposal"
        ),
    )
    legend = (
        '<div class="legend">'
        f"<span>{charts.swatch('top')} at the top (with an executive)</span>"
        f"<span>{charts.swatch('act')} other first appointments</span>"
        "</div>"
    )
    rows = [_top_row(r.name, r.rep_id, r.total) for r in card.reach]
    rows.append(_top_row("Team", "", team))
    first, last = card.cohorts[0].label_date, card.cohorts[-1].label_date
    table = (
        f"<h3>Per rep, cohorts {esc(fmt.month_label(first))} – {esc(fmt.month_label(last))} together</h3>"
        '<table class="top"><thead><tr><th>Rep</th><th class="num">First appts</th>'
        '<th class="num">At the top</th><th>Share at the top</th><th class="num">At the top → proposal</th>'
        '<th class="num">Others → proposal</th><th>Appt → proposal</th><th class="num">Difference</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    note = (
        '<p class="note">At the top: the meeting\'s contact (in HubSpot, any contact on it) has a C-level '
        "or VP title. → proposal: the share that reached a proposal, at any time up to now. Difference: "
        "points by which first appointments at the top convert better (or worse) than the others. A dash: no "
        "such first appointment, so no rate. The team's figures add up the counts; they are not averages of "
        "the reps' percentages.</p>"
    )
    return _section("top", TOP_TITLE, lede, f'<div class="tiles">{"".join(tiles)}</div>{legend}{table}{note}')


def _rate_tile(part: int, whole: int, what: str) -> str:
    small = f"{what}: {part:,} of {whole:,}" if whole else f"{what}: none to measure"
    return _tile(fmt.share(ratio(part, whole)), small)


def _top_row(name: str, rep_id: str, funnel: Funnel) -> str:
    """A rep's (or, without `rep_id`, the team's) row of the at-the-top table."""
    who = name if rep_id else "Team"
    data = {"data-rep": rep_id} if rep_id else {}
    top, other = funnel.executive_first_appointments, funnel.other_first_appointments
    share = charts.bar_rows(
        [
            [
                (top, "top", f"{who}: {fmt.count(top)} first appointments at the top"),
                (other, "act", f"{who}: {fmt.count(other)} other first appointments"),
            ]
        ],
        top=funnel.first_appointments,
        chart="top-share",
        label=f"{who}: {fmt.part_of(top, funnel.first_appointments)} first appointments at the top",
        data=data,
    )
    to_top, to_other = funnel.executive_to_proposal, funnel.other_to_proposal
    conversion = charts.bar_rows(
        [
            [(to_top or 0, "top", f"{who}: at the top → proposal {fmt.share(to_top)}")],
            [(to_other or 0, "act", f"{who}: others → proposal {fmt.share(to_other)}")],
        ],
        top=1.0,
        chart="top-conversion",
        label=f"{who}: appointment → proposal {fmt.share(to_top)} at the top, {fmt.share(to_other)} others",
        data=data,
    )
    gap = None if to_top is None or to_other is None else 100 * (to_top - to_other)
    return (
        ('<tr class="team">' if not rep_id else "<tr>")
        + (_rep(name, rep_id) if rep_id else '<td class="rep">Team</td>')
        + f'<td class="num">{fmt.count(funnel.first_appointments)}</td>'
        + f'<td class="num">{esc(fmt.part_of(top, funnel.first_appointments))}</td>'
        + f"<td>{share}</td>"
        + f'<td class="num">{esc(fmt.part_of(funnel.executive_reached_proposal, top))}</td>'
        + f'<td class="num">{esc(fmt.part_of(funnel.other_reached_proposal, other))}</td>'
        + f"<td>{conversion}</td>"
        + f'<td class="num">{esc(fmt.points(gap))}</td>'
        + "</tr>"
    )


# -- peers ------------------------------------------------------------------------------------------


def _peers(card: Scorecard) -> str:
    lede = (
        "Each rep's deals closed in the quarter against the whole team's: win rate (points), revenue per "
        "sale and sales cycle (percent). Blue is better than the team, vermillion worse — for the cycle, "
        "shorter is better."
    )
    if not card.quarters:
        return _section(
            "peers",
            "Each rep against the team",
            lede,
            _empty("No deal closed this quarter or last: nothing to compare yet."),
        )
    quarters = "".join(_quarter(card, q) for q in card.quarters)
    return _section("peers", "Each rep against the team", lede, quarters)


def _quarter(card: Scorecard, quarter: PeerQuarter) -> str:
    heading = fmt.quarter_label(quarter.quarter_start) + _so_far(card, quarter.quarter_start, 3)
    team = (
        f"Team: win rate {fmt.share(quarter.team_win_rate)}, revenue per sale "
        f"{_money(card, quarter.team_avg_revenue_per_sale)}, "
        f"sales cycle {fmt.days(quarter.team_avg_sales_cycle_days)}"
    )
    limits = {
        "pts": _limit([r.win_rate_vs_team_pts for r in quarter.reps]),
        "rps": _limit([r.revenue_per_sale_vs_team_pct for r in quarter.reps]),
        "cycle": _limit([r.sales_cycle_vs_team_pct for r in quarter.reps]),
    }
    rows = []
    for r in quarter.reps:
        name = r.rep_name.strip() if r.rep_name and r.rep_name.strip() else r.rep_id
        data = {"data-rep": r.rep_id, "data-quarter": quarter.quarter_start.isoformat()}
        rows.append(
            "<tr>"
            + _rep(name, r.rep_id)
            + f'<td class="num">{fmt.count(r.deals_won)}</td><td class="num">{fmt.count(r.deals_lost)}</td>'
            + f'<td class="num">{fmt.share(r.win_rate)}</td>'
            + _versus(
                r.win_rate_vs_team_pts, fmt.points, limits["pts"], True, f"{name}: win rate", data, "win_rate"
            )
            + f'<td class="num">{_money(card, r.avg_revenue_per_sale)}</td>'
            + _versus(
                r.revenue_per_sale_vs_team_pct,
                fmt.signed_percent,
                limits["rps"],
                True,
                f"{name}: revenue per sale",
                data,
                "revenue_per_sale",
            )
            + f'<td class="num">{fmt.days(r.avg_sales_cycle_days)}</td>'
            + _versus(
                r.sales_cycle_vs_team_pct,
                fmt.signed_percent,
                limits["cycle"],
                False,
                f"{name}: sales cycle",
                data,
                "sales_cycle",
            )
            + "</tr>"
        )
    return (
        f'<h3>{esc(heading)}</h3><p class="note">{esc(team)}</p>'
        '<table class="peers"><thead><tr><th>Rep</th><th class="num">Won</th><th class="num">Lost</th>'
        '<th class="num">Win rate</th><th>vs team</th><th class="num">Revenue per sale</th><th>vs team</th>'
        f'<th class="num">Sales cycle</th><th>vs team</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _limit(values: Sequence[float | None]) -> float:
    """The bars' half-width: the largest difference, at least 10 and at most 100 (beyond: clipped)."""
    known = [abs(v) for v in values if v is not None]
    return min(100.0, max([10.0, *known]))


def _versus(
    value: float | None,
    show: Callable[[float | None], str],
    limit: float,
    good_when_positive: bool,
    what: str,
    data: dict[str, str],
    metric: str,
) -> str:
    svg = charts.diverging(
        value,
        limit=limit,
        good_when_positive=good_when_positive,
        label=f"{what} {show(value)} against the team",
        data={**data, "data-metric": metric},
    )
    return f'<td><div class="cell">{svg}<span class="fig">{esc(show(value))}</span></div></td>'


# -- footer -----------------------------------------------------------------------------------------


def _footer(card: Scorecard, generated_at: datetime) -> str:
    ctx = card.context
    return (
        "<footer>"
        f"Written by <b>barometer report</b> at {esc(_local(card, generated_at))} ({esc(ctx.timezone)}) from "
        "the KPI marts (marts.rep_coaching, marts.rep_weekly_scorecard, marts.rep_monthly_results, "
        "marts.funnel_monthly, marts.rep_peer_comparison). Every "
        "figure's definition: docs/metrics.md; how to read this page: docs/report.md. The page is "
        "self-contained and works offline."
        f" Weeks run Monday to Sunday; {len(ctx.weeks)} are shown."
        "</footer>"
    )

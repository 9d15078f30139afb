"""The scorecard's charts as inline SVG strings, drawn here (no JavaScript, no library, nothing fetched).

Every data mark is an element with class `mark` (and its tone: `act` activity, `res` results, `prop`
proposals, `top` at the top (with an executive), `better`/`worse` against the team; `-now` for this
week, still in progress); reference
marks (targets, magic numbers, pace) have class `ref` or `pace`. The colours are the Okabe-Ito palette,
which stays distinguishable with the common colour-vision deficiencies; the page's CSS applies them.
Text inside an SVG is escaped by the callers' `esc`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

# tone → fill; the page's CSS is generated from this, the tests look for these colours on screen.
TONES = {
    "act": "#0072B2",  # activity: blue
    "act-now": "#7FB8D8",  # this week so far: the same blue, lighter
    "res": "#E69F00",  # results: orange
    "res-now": "#F2CF7F",
    "prop": "#56B4E9",  # proposals: sky blue
    "top": "#009E73",  # first appointments at the top (with an executive): bluish green
    "better": "#0072B2",  # better than the team
    "worse": "#D55E00",  # worse than the team: vermillion
}
REF_COLOR = "#1A1A1A"  # targets and magic numbers
PACE_COLOR = "#CC79A7"  # where a rep should be by now: reddish purple
TRACK_COLOR = "#E8ECF0"
GRID_COLOR = "#D5DAE0"
TEXT_COLOR = "#4A5561"

SPARK_HEIGHT = 28
MIN_BAR = 4.0  # px: a small non-zero week stays visible under its target tick


def esc(value: object) -> str:
    return escape(str(value), quote=True)


def _n(value: float) -> str:
    """A coordinate with at most one decimal."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _attrs(chart: str, label: str, extra: dict[str, str] | None) -> str:
    pairs = {"data-chart": chart, **(extra or {})}
    data = "".join(f' {name}="{esc(value)}"' for name, value in pairs.items())
    return f'class="chart" role="img" aria-label="{esc(label)}"{data}'


def spark_width(points: int) -> int:
    return max(60, min(160, points * 8))


def week_bars(
    values: Sequence[float],
    *,
    top: float,
    tone: str,
    titles: Sequence[str],
    refs: Sequence[float | None] = (),
    partial_last: bool = True,
    chart: str,
    label: str,
    data: dict[str, str] | None = None,
) -> str:
    """A small bar per week on a shared scale `top` (bars of 0 are left out, any other at least MIN_BAR
    high) with its title (the tooltip); `refs` draw a dark tick per week (a target, a magic number: the
    titles mention them)."""
    n = len(values)
    width, height = spark_width(n), SPARK_HEIGHT
    slot = width / max(n, 1)
    gap = 2 if slot >= 6 else 1
    usable = height - 3
    top = top or 1.0
    parts = [f'<path class="axis" d="M0 {height - 0.5}H{width}"/>']
    for i, value in enumerate(values):
        x = i * slot
        if value > 0:
            bar = max(MIN_BAR, round(value / top * usable))
            kind = f"{tone}-now" if partial_last and i == n - 1 else tone
            parts.append(
                f'<rect class="mark {kind}" x="{_n(x + gap / 2)}" y="{_n(height - bar)}" '
                f'width="{_n(slot - gap)}" height="{_n(bar)}"><title>{esc(titles[i])}</title></rect>'
            )
        ref = refs[i] if i < len(refs) else None
        if ref is not None:
            y = height - min(ref / top, 1.0) * usable
            parts.append(f'<path class="ref" d="M{_n(x)} {_n(max(y, 1.0))}h{_n(slot)}"/>')
    return (
        f'<svg {_attrs(chart, label, data)} width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )


def bullet(
    actual: float,
    required: float | None,
    expected: float | None,
    *,
    top: float,
    label: str,
    data: dict[str, str] | None = None,
    width: int = 170,
    height: int = 22,
) -> str:
    """This week's first appointments (bar) against the magic number (dark tick) and where the rep
    should be by now (dashed purple tick), on a scale shared by every rep."""
    top = top or 1.0

    def x(value: float) -> float:
        return min(value / top, 1.0) * (width - 2) + 1

    parts = [f'<rect class="track" x="0" y="4" width="{width}" height="{height - 8}" rx="2"/>']
    if actual > 0:
        parts.append(
            f'<rect class="mark act" x="1" y="6" width="{_n(max(2.0, x(actual) - 1))}" '
            f'height="{height - 12}"><title>{esc(label)}</title></rect>'
        )
    if expected is not None and required:
        parts.append(f'<path class="pace" d="M{_n(x(expected))} 1V{height - 1}"/>')
    if required is not None:
        parts.append(
            f'<path class="ref" d="M{_n(x(required))} 2V{height - 2}"><title>{esc(label)}</title></path>'
        )
    return (
        f'<svg {_attrs("barometer", label, data)} width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )


def diverging(
    value: float | None,
    *,
    limit: float,
    good_when_positive: bool,
    label: str,
    data: dict[str, str] | None = None,
    width: int = 110,
    height: int = 18,
) -> str:
    """A bar from the centre line (the team) to `value`, clipped at ±`limit` (an arrow head marks a
    clipped bar); blue when better than the team, vermillion when worse."""
    middle = width / 2
    parts = [f'<path class="axis" d="M{_n(middle)} 0V{height}"/>']
    if value is not None and value != 0 and math.isfinite(value):
        share = max(-1.0, min(1.0, value / (limit or 1.0)))
        length = max(2.0, abs(share) * (middle - 6))
        tone = "better" if (value > 0) == good_when_positive else "worse"
        left = middle if value > 0 else middle - length
        parts.append(
            f'<rect class="mark {tone}" x="{_n(left)}" y="4" width="{_n(length)}" height="{height - 8}">'
            f"<title>{esc(label)}</title></rect>"
        )
        if abs(value) > limit:
            tip = middle + length if value > 0 else middle - length
            direction = 5 if value > 0 else -5
            parts.append(
                f'<path class="{tone}-tip" d="M{_n(tip)} 2l{direction} {height / 2 - 2}l{-direction} '
                f'{height / 2 - 2}z"/>'
            )
    return (
        f'<svg {_attrs("peer", label, data)} width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )


def bar_rows(
    rows: Sequence[Sequence[tuple[float, str, str]]],
    *,
    top: float,
    chart: str,
    label: str,
    data: dict[str, str] | None = None,
    width: int = 150,
    row_height: int = 8,
) -> str:
    """Horizontal bars on a track, one per row, from 0 to `top`; a row is a stack of segments (value,
    tone, title), left to right (segments of 0 are left out)."""
    gap = 3
    height = len(rows) * (row_height + gap) - gap
    scale = width / (top or 1.0)
    parts = []
    for i, segments in enumerate(rows):
        y = i * (row_height + gap)
        parts.append(f'<rect class="track" x="0" y="{y}" width="{width}" height="{row_height}" rx="1"/>')
        x = 0.0
        for value, tone, title in segments:
            if value > 0:
                length = max(2.0, min(value * scale, width - x))
                parts.append(
                    f'<rect class="mark {tone}" x="{_n(x)}" y="{y}" width="{_n(length)}" '
                    f'height="{row_height}"><title>{esc(title)}</title></rect>'
                )
                x += length
    return (
        f'<svg {_attrs(chart, label, data)} width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )


def nice_top(value: float, ticks: int = 4) -> tuple[float, float]:
    """(axis maximum, step) with a round step (1, 2, 2.5 or 5 times a power of 10) covering `value`."""
    if value <= 0:
        return 1.0, 1.0 if ticks <= 1 else 1.0 / ticks
    raw = value / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(value / step - 1e-9), step


def column_chart(
    values: Sequence[float],
    refs: Sequence[float | None],
    x_labels: Sequence[str],
    titles: Sequence[str],
    *,
    tone: str,
    fmt: Callable[[float], str],
    chart: str,
    label: str,
    paces: Sequence[float | None] = (),
    width: int = 520,
    height: int = 200,
) -> str:
    """Columns per period (week, month) with a y axis, the last one (the current period) lighter; `refs`
    as dark ticks, `paces` as dashed purple ticks (where the column should be by now)."""
    left, right, top_pad, bottom = 52, 8, 10, 24
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    highest = max([*values, *(r for r in (*refs, *paces) if r is not None), 0])
    top, step = nice_top(float(highest))
    n = max(len(values), 1)
    slot = plot_w / n
    parts = _y_grid(left, width - right, top_pad, plot_h, top, step, fmt)
    every = max(1, math.ceil(n / 9))
    for i, value in enumerate(values):
        x = left + i * slot
        if value > 0:
            bar = max(2.0, value / top * plot_h)
            kind = f"{tone}-now" if i == n - 1 else tone
            parts.append(
                f'<rect class="mark {kind}" x="{_n(x + slot * 0.15)}" y="{_n(top_pad + plot_h - bar)}" '
                f'width="{_n(slot * 0.7)}" height="{_n(bar)}"><title>{esc(titles[i])}</title></rect>'
            )
        for kind, marks in (("ref thick", refs), ("pace", paces)):
            mark = marks[i] if i < len(marks) else None
            if mark is not None:
                y = top_pad + plot_h - mark / top * plot_h
                parts.append(
                    f'<path class="{kind}" d="M{_n(x + slot * 0.05)} {_n(y)}h{_n(slot * 0.9)}">'
                    f"<title>{esc(titles[i])}</title></path>"
                )
        if (n - 1 - i) % every == 0:
            parts.append(
                f'<text class="tick" x="{_n(x + slot / 2)}" y="{height - 8}" text-anchor="middle">'
                f"{esc(x_labels[i])}</text>"
            )
    parts.append(f'<path class="axis" d="M{left} {top_pad + plot_h}H{width - right}"/>')
    return (
        f'<svg {_attrs(chart, label, None)} width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )


def _y_grid(
    left: float,
    right: float,
    top_pad: float,
    plot_h: float,
    top: float,
    step: float,
    fmt: Callable[[float], str],
) -> list[str]:
    """Horizontal grid lines every `step` from 0 to `top`, each labelled `fmt(value)` at the left."""
    parts = []
    tick = 0.0
    while tick <= top + 1e-9:
        y = top_pad + plot_h - tick / top * plot_h
        parts.append(f'<path class="grid" d="M{left} {_n(y)}H{right}"/>')
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">{esc(fmt(tick))}</text>'
        )
        tick += step
    return parts


def funnel_chart(
    groups: Sequence[tuple[str, Sequence[float], Sequence[str]]],
    *,
    tones: Sequence[str],
    series: Sequence[str],
    label: str,
    width: int = 1040,
    height: int = 250,
) -> str:
    """Grouped columns: per cohort month (label, its values per series, caption lines under it such as
    the conversion rates), one column per series with its value above."""
    left, right, top_pad, bottom = 44, 8, 18, 62
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    highest = max([v for _, values, _ in groups for v in values] + [0])
    top, step = nice_top(float(highest))
    n = max(len(groups), 1)
    slot = plot_w / n
    column = min(48.0, slot * 0.8 / max(len(series), 1))
    parts = _y_grid(left, width - right, top_pad, plot_h, top, step, lambda tick: f"{tick:,.0f}")
    for i, (name, values, captions) in enumerate(groups):
        centre = left + (i + 0.5) * slot
        start = centre - column * len(values) / 2
        for j, value in enumerate(values):
            x = start + j * column
            if value > 0:
                bar = max(2.0, value / top * plot_h)
                y = top_pad + plot_h - bar
                parts.append(
                    f'<rect class="mark {tones[j]}" x="{_n(x + 1)}" y="{_n(y)}" width="{_n(column - 2)}" '
                    f'height="{_n(bar)}"><title>{esc(f"{name}: {value:,.0f} {series[j]}")}</title></rect>'
                )
            above = top_pad + plot_h - value / top * plot_h - 4
            parts.append(
                f'<text class="value" x="{_n(x + column / 2)}" y="{_n(above)}" text-anchor="middle">'
                f"{value:,.0f}</text>"
            )
        parts.append(
            f'<text class="tick strong" x="{_n(centre)}" y="{height - 42}" text-anchor="middle">'
            f"{esc(name)}</text>"
        )
        for line, caption in enumerate(captions):
            parts.append(
                f'<text class="tick" x="{_n(centre)}" y="{height - 26 + 15 * line}" text-anchor="middle">'
                f"{esc(caption)}</text>"
            )
    parts.append(f'<path class="axis" d="M{left} {top_pad + plot_h}H{width - right}"/>')
    return (
        f'<svg {_attrs("funnel", label, None)} width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )


def swatch(tone: str) -> str:
    """A legend square in a tone's colour."""
    return (
        '<svg class="swatch" width="12" height="12" aria-hidden="true">'
        f'<rect class="{tone}" width="12" height="12" rx="2"/></svg>'
    )


def tick_swatch(kind: str = "ref") -> str:
    """A legend tick (a target, the magic number, the pace line)."""
    return (
        '<svg class="swatch" width="14" height="12" aria-hidden="true">'
        f'<path class="{kind}" d="M0 6h14"/></svg>'
    )

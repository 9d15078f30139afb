"""Numbers, money and dates as the scorecard prints them: thousands separators, whole percents, the
reporting currency's symbol, an em dash for a missing value. Pure functions of their arguments."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

MISSING = "—"
# Currencies printed with a symbol before the amount; any other code follows the amount ("1,200 CHF").
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹"}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def count(value: float | int | None) -> str:
    """12,345 (rounded to a whole number)."""
    return MISSING if _missing(value) else f"{round(value):,}"


def counted(value: float, noun: str) -> str:
    """1 e-mail, 12 e-mails (the plural adds an s)."""
    return f"{count(value)} {noun}{'' if value == 1 else 's'}"


def decimal1(value: float | None) -> str:
    """A count that may be fractional (the magic number): 4.2, 12, 1,234."""
    if _missing(value):
        return MISSING
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"


def compact(value: float | Decimal | None) -> str:
    """12.3k, 1.2M, 950 — for chart labels."""
    if _missing(value):
        return MISSING
    number = float(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(number) >= limit:
            scaled = number / limit
            return f"{scaled:.0f}{suffix}" if abs(scaled) >= 100 else f"{scaled:.1f}{suffix}"
    return f"{number:.0f}"


def money(value: Decimal | float | None, currency: str, *, short: bool = False) -> str:
    """$12,345 or 12,345 CHF; `short` gives $12.3k."""
    if _missing(value):
        return MISSING
    amount = compact(value) if short else f"{round(float(value)):,}"
    if amount.startswith("-"):
        return "-" + money(-Decimal(str(value)), currency, short=short)
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"


def percent(value: float | None) -> str:
    """A value already in percent (87.2) as 87%."""
    return MISSING if _missing(value) else f"{value:,.0f}%"


def share(value: float | None) -> str:
    """A ratio (0.342) as 34%."""
    return MISSING if _missing(value) else f"{100 * value:.0f}%"


def part_of(part: int, whole: int) -> str:
    """3 of 7 (43%); an em dash when `whole` is 0 (no data, not 0%)."""
    return f"{part:,} of {whole:,} ({share(part / whole)})" if whole else MISSING


def signed_percent(value: float | None) -> str:
    """+12% / -8% with a typographic minus (a relative difference already in percent); 0% without a
    sign where it rounds to zero (never "-0%")."""
    return MISSING if _missing(value) else _signed(value, 0) + "%"


def points(value: float | None) -> str:
    """+4.0 pts / -2.5 pts with a typographic minus (a difference of percentages); 0.0 pts where it
    rounds to zero."""
    return MISSING if _missing(value) else _signed(value, 1) + " pts"


def _signed(value: float, decimals: int) -> str:
    rounded = round(value, decimals)
    if rounded == 0:
        return f"{0:.{decimals}f}"
    return f"{rounded:+.{decimals}f}".replace("-", "−")


def days(value: float | None) -> str:
    return MISSING if _missing(value) else f"{value:.0f} d"


def week_label(day: date) -> str:
    """23 Nov."""
    return f"{day.day} {day:%b}"


def month_label(day: date) -> str:
    """Nov 2026."""
    return f"{day:%b %Y}"


def quarter_label(day: date) -> str:
    """Q4 2026."""
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"


def moment(value: datetime | None) -> str:
    """26 Nov 2026 03:14 (the caller converts to the zone it names)."""
    return MISSING if value is None else f"{value.day} {value:%b %Y %H:%M}"

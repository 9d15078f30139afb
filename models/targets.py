"""Revenue targets (docs/metrics.md, "Conventions"): a CSV file named by `BAROMETER_TARGETS_FILE` with
the columns `rep_email,period_start,period_end,revenue_target` (inclusive ISO dates, amount in the
reporting currency). A malformed row is rejected with a message naming the file, line and problem; the
other rows still load. E-mails are lower-cased; overlapping rows add up (the marts sum them)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

TARGETS_FILE_VAR = "BAROMETER_TARGETS_FILE"
COLUMNS = ("rep_email", "period_start", "period_end", "revenue_target")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CENT = Decimal("0.01")
_MAX_AMOUNT = Decimal("9999999999999999.99")  # DECIMAL(18,2)


class TargetsFileError(ValueError):
    """The targets file as a whole is unusable (missing, unreadable, no usable header); the message
    names the file and what to change."""


@dataclass(frozen=True)
class RevenueTarget:
    rep_email: str  # lower-cased
    period_start: date
    period_end: date  # inclusive, >= period_start
    revenue_target: Decimal  # >= 0, rounded half away from zero to cents


@dataclass(frozen=True)
class TargetReject:
    file: str
    line: int  # 1-based physical line where the row ends (the header is line 1)
    problem: str

    @property
    def message(self) -> str:
        return f"{self.file}, line {self.line}: {self.problem}"


@dataclass(frozen=True)
class TargetsLoad:
    targets: tuple[RevenueTarget, ...]
    rejects: tuple[TargetReject, ...]


def read_targets(path: Path) -> TargetsLoad:
    """Parse the targets CSV at `path`: the valid rows and one reject per malformed row."""
    path = Path(path)
    origin = f"{TARGETS_FILE_VAR} ({path})"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TargetsFileError(f"{origin}: no such file; fix the path or unset {TARGETS_FILE_VAR}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsFileError(f"{origin}: cannot read the file ({exc})") from None

    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise TargetsFileError(f"{origin}, line 1: not a CSV header ({exc})") from None
    if header is None:
        raise TargetsFileError(
            f"{origin}: the file is empty; its first line is the header {','.join(COLUMNS)}"
        )
    names = [name.strip().lower() for name in header]
    missing = [name for name in COLUMNS if name not in names]
    duplicated = sorted({name for name in names if names.count(name) > 1 and name in COLUMNS})
    if missing or duplicated:
        problem = f"missing column(s) {', '.join(missing)}" if missing else ""
        if duplicated:
            problem += ("; " if problem else "") + f"column(s) {', '.join(duplicated)} given twice"
        raise TargetsFileError(f"{origin}, line 1: {problem}; the header must name {','.join(COLUMNS)}")
    index = {name: names.index(name) for name in COLUMNS}

    targets: list[RevenueTarget] = []
    rejects: list[TargetReject] = []
    file = str(path)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rejects.append(TargetReject(file, reader.line_num, f"not valid CSV ({exc})"))
            continue
        if not any(field.strip() for field in fields):
            continue  # a blank line
        result = _parse_row(fields, index, len(names))
        if isinstance(result, str):
            rejects.append(TargetReject(file, reader.line_num, result))
        else:
            targets.append(result)
    return TargetsLoad(tuple(targets), tuple(rejects))


def _parse_row(fields: list[str], index: dict[str, int], width: int) -> RevenueTarget | str:
    """The row as a RevenueTarget, or the problem with it."""
    if len(fields) > width:
        return f"{len(fields)} fields where the header has {width}"
    values = {name: fields[i].strip() if i < len(fields) else None for name, i in index.items()}
    absent = [name for name, value in values.items() if value is None]
    if absent:
        return f"missing column(s) {', '.join(absent)} ({len(fields)} fields where the header has {width})"
    empty = [name for name, value in values.items() if value == ""]
    if empty:
        return f"empty {', '.join(empty)}"

    email = values["rep_email"].lower()
    dates: dict[str, date] = {}
    for name in ("period_start", "period_end"):
        text = values[name]
        try:
            if not _ISO_DATE.fullmatch(text):
                raise ValueError(text)
            dates[name] = date.fromisoformat(text)
        except ValueError:
            return f"{name} {text!r} is not a date; write it as YYYY-MM-DD"
    if dates["period_end"] < dates["period_start"]:
        return f"period_end {dates['period_end']} is before period_start {dates['period_start']}"

    text = values["revenue_target"]
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return f"revenue_target {text!r} is not a number; write it like 12500 or 12500.50"
    if not amount.is_finite():
        return f"revenue_target {text!r} is not a number; write it like 12500 or 12500.50"
    if amount < 0:
        return f"revenue_target {text} is negative"
    if amount > _MAX_AMOUNT:
        return f"revenue_target {text} is too large for DECIMAL(18,2)"
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    return RevenueTarget(email, dates["period_start"], dates["period_end"], amount)

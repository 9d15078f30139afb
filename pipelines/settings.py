"""The pipeline's own settings, from BAROMETER_* environment variables read when the definitions are built
(never at import):

- `BAROMETER_START_DATE` (default `2025-01-01`): the first day a backfill or the schedule can name. A
  range of days starting on it also takes in everything modified before it, so no record is out of
  reach whatever the date (pipelines.windows).
- `BAROMETER_SCHEDULE_TIME` (default `02:00`): when the daily sync starts, `HH:MM`.
- `BAROMETER_SCHEDULE_TIMEZONE` (default `BAROMETER_TIMEZONE`, else `UTC`): the IANA zone of the schedule
  and of the day boundaries of a range of days.
- `BAROMETER_FRESHNESS_HOURS` (default `36`): a source is stale when its data is not loaded up to this
  many hours ago.
- `BAROMETER_MAX_ROW_DROP_PERCENT` (default `20`): a SQL model whose row count falls by more than this
  since its previous build fails its row-count check.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models import reporting

START_DATE_VAR = "BAROMETER_START_DATE"
SCHEDULE_TIME_VAR = "BAROMETER_SCHEDULE_TIME"
SCHEDULE_TIMEZONE_VAR = "BAROMETER_SCHEDULE_TIMEZONE"
FRESHNESS_HOURS_VAR = "BAROMETER_FRESHNESS_HOURS"
MAX_ROW_DROP_VAR = "BAROMETER_MAX_ROW_DROP_PERCENT"


class PipelineSettingsError(ValueError):
    """A pipeline setting is unusable; the message names the variable and what to write."""


@dataclass(frozen=True)
class PipelineSettings:
    start_date: date = date(2025, 1, 1)
    schedule_time: time = time(2, 0)
    timezone: str = "UTC"  # of the schedule and of a range of days' boundaries
    freshness: timedelta = timedelta(hours=36)
    max_row_drop_percent: float = 20.0
    overlap: timedelta = timedelta(minutes=5)  # catch-up windows reach this far back (rule 3)


def settings_from_env(env: Mapping[str, str] | None = None) -> PipelineSettings:
    """The settings named by `env` (default: os.environ, read now); unset variables take the defaults."""
    env = os.environ if env is None else env
    defaults = PipelineSettings()

    def value(name: str) -> str:
        return env.get(name, "").strip()

    return PipelineSettings(
        start_date=_date(value(START_DATE_VAR)) if value(START_DATE_VAR) else defaults.start_date,
        schedule_time=_time(value(SCHEDULE_TIME_VAR)) if value(SCHEDULE_TIME_VAR) else defaults.schedule_time,
        timezone=_timezone(
            value(SCHEDULE_TIMEZONE_VAR) or value(reporting.TIMEZONE_VAR) or defaults.timezone
        ),
        freshness=timedelta(hours=_positive(FRESHNESS_HOURS_VAR, value(FRESHNESS_HOURS_VAR) or "36")),
        max_row_drop_percent=_percent(value(MAX_ROW_DROP_VAR) or "20"),
    )


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PipelineSettingsError(
            f"{START_DATE_VAR}={text!r} is not a date; write e.g. 2024-01-01"
        ) from None


def _time(text: str) -> time:
    hours, sep, minutes = text.partition(":")
    if sep and hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60:
        return time(int(hours), int(minutes))
    raise PipelineSettingsError(f"{SCHEDULE_TIME_VAR}={text!r} is not a time of day; write HH:MM, e.g. 02:00")


def _timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PipelineSettingsError(
            f"{SCHEDULE_TIMEZONE_VAR} (or {reporting.TIMEZONE_VAR}) = {name!r} is not an IANA timezone; "
            "write e.g. UTC or Europe/Paris"
        ) from None
    return name


def _number(name: str, text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise PipelineSettingsError(f"{name}={text!r} is not a number")
    return number


def _positive(name: str, text: str) -> float:
    number = _number(name, text)
    if number <= 0:
        raise PipelineSettingsError(f"{name}={text!r} must be more than 0")
    return number


def _percent(text: str) -> float:
    number = _number(MAX_ROW_DROP_VAR, text)
    if not 0 <= number <= 100:
        raise PipelineSettingsError(f"{MAX_ROW_DROP_VAR}={text!r} must be between 0 and 100")
    return number

"""Windows and cursors as one mechanism: every extraction is `run_stream(engine, stream, window)` over a
bounded window of the records' modification time, and `raw_meta.sync_runs` is the only sync state.

A run of the extract assets gets its window from the run config's `window` resource:

- nothing configured (`barometer sync`, "Materialize" in the UI): each stream catches up from where its
  own loaded data stops (`models.sync.loaded_until`, minus the overlap) through now, from
  HISTORY_START when nothing is loaded. What is loaded is what `raw_meta.sync_runs` records as
  succeeded: a failed run, or a window loaded out of order, leaves it where it was, so the next sync
  fetches again from there (the merge makes re-fetching harmless).
- a range of days `start` … `end` (`barometer backfill`, the launchpad): one window from the first
  day's midnight to the end of the last day, in the schedule's timezone, never after now. A range
  starting on or before BAROMETER_START_DATE reaches back to HISTORY_START, so records modified before
  the start date are within reach.

The extract assets are not partitioned in Dagster: a daily partition per asset made Dagster write two
events per day of the range and landing table (a first sync over two years: 21,000 events, minutes of
bookkeeping) for a window that is one `run_stream` call whatever its length. A run's window is its run
config, tag `barometer/window`, and each materialization's `window_start` / `window_end` metadata.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg

from connectors.streams import Window
from models.sync import HISTORY_START
from pipelines.settings import START_DATE_VAR, PipelineSettings

WINDOW_RESOURCE = "window"
WINDOW_TAG = "barometer/window"
CATCH_UP = "catch-up"  # the tag's value for a run without a range of days

Days = tuple[date, date]  # first and last day, inclusive


class SyncWindow(dg.ConfigurableResource):
    """The days the extract assets load, first and last inclusive (ISO dates, e.g. 2026-01-01). Both
    empty: each stream catches up from where its loaded data stops through now."""

    start: str = ""
    end: str = ""

    def days(self, settings: PipelineSettings, *, now: datetime) -> Days | None:
        if not self.start and not self.end:
            return None
        where = f"resources.{WINDOW_RESOURCE}.config"
        return day_range(settings, self.start, self.end, now=now, names=(f"{where}.start", f"{where}.end"))


def day_range(
    settings: PipelineSettings,
    start: str,
    end: str,
    *,
    now: datetime,
    names: tuple[str, str] = ("--start", "--end"),
) -> Days:
    """The days `start` … `end` (ISO dates, inclusive), or ValueError naming what to write."""
    first, today = settings.start_date, now.astimezone(ZoneInfo(settings.timezone)).date()
    days = []
    for name, text in zip(names, (start, end), strict=True):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is None or not first <= day <= today:
            raise ValueError(
                f"{name} {text or '(empty)'} is not a day from {first} ({START_DATE_VAR}) through {today} "
                "(today); write an ISO date in that span"
            )
        days.append(day)
    if days[1] < days[0]:
        raise ValueError(f"{names[1]} {end} is before {names[0]} {start}")
    return days[0], days[1]


def days_window(settings: PipelineSettings, days: Days, *, now: datetime) -> Window:
    """The modification-time window of the days `days`: from the first day's midnight (HISTORY_START
    for the start date or earlier) to the last day's end, never after `now`."""
    zone = ZoneInfo(settings.timezone)
    first, last = days
    start = HISTORY_START if first <= settings.start_date else datetime.combine(first, time(), zone)
    end = min(datetime.combine(last + timedelta(days=1), time(), zone), now)
    return Window(start.astimezone(UTC), end.astimezone(UTC))


def window_run_config(days: Days | None) -> dict[str, object]:
    """The run config that gives a run `days` (none: catch up)."""
    if days is None:
        return {}
    config = {"start": days[0].isoformat(), "end": days[1].isoformat()}
    return {"resources": {WINDOW_RESOURCE: {"config": config}}}


def window_tags(days: Days | None) -> dict[str, str]:
    """The tag that shows a run's days in the UI's run list (filterable)."""
    return {WINDOW_TAG: days_text(days)}


def days_text(days: Days | None) -> str:
    if days is None:
        return CATCH_UP
    first, last = days
    return first.isoformat() if first == last else f"{first.isoformat()} … {last.isoformat()}"


def previous_day(settings: PipelineSettings, at: datetime) -> date | None:
    """The day before `at` in the schedule's timezone, or None when it precedes the start date."""
    day = at.astimezone(ZoneInfo(settings.timezone)).date() - timedelta(days=1)
    return day if day >= settings.start_date else None

"""Time as the generator sees it: int64 milliseconds since the epoch (naive UTC), workdays with a
seasonal weight, and business hours in each team's local time zone.

Local times use a fixed UTC offset per team (no daylight saving): the org only has to look like
people work 9 to 5 on weekdays, not to follow a real zone's calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

MS_PER_SECOND = 1_000
MS_PER_MINUTE = 60_000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000
_EPOCH = datetime(1970, 1, 1)

# Half-hour slots from 08:00 to 18:00 local and how busy each is (lunch dip, quiet edges).
_CALL_SLOT_WEIGHTS = np.array(
    [0.3, 0.6, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.5, 0.4, 0.7, 0.9, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.4, 0.2]
)
_CALL_SLOT_CUM = np.cumsum(_CALL_SLOT_WEIGHTS) / _CALL_SLOT_WEIGHTS.sum()
_FIRST_SLOT_MS = 8 * MS_PER_HOUR
_SLOT_MS = 30 * MS_PER_MINUTE
# Meetings start on the hour or half hour between 08:30 and 16:30 local.
_MEETING_SLOTS = np.arange(17) * _SLOT_MS + 8 * MS_PER_HOUR + _SLOT_MS


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of a naive UTC datetime (sub-millisecond part dropped)."""
    delta = moment - _EPOCH
    return delta.days * MS_PER_DAY + delta.seconds * MS_PER_SECOND + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=int(ms))


def weekday(day: np.ndarray) -> np.ndarray:
    """0 = Monday for day numbers since the epoch (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def _seasonal_weight(days: np.ndarray) -> np.ndarray:
    """Fewer calls around the year's end and in August; a gentle yearly wave otherwise."""
    dates = days.astype("datetime64[D]")
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    weight = 1.0 + 0.12 * np.sin(2 * np.pi * days / 365.25)
    weight = np.where(month == 8, weight * 0.75, weight)
    holidays = ((month == 12) & (day_of_month >= 22)) | ((month == 1) & (day_of_month <= 2))
    return np.where(holidays, weight * 0.15, weight)


@dataclass(frozen=True)
class Calendar:
    """The history window [start_ms, end_ms) and its weighted workdays."""

    start_ms: int
    end_ms: int
    workdays: np.ndarray  # day numbers of Monday-Friday within the window
    cum_weight: np.ndarray  # len(workdays) + 1, cumulative seasonal weight (starts at 0)

    @classmethod
    def build(cls, start_ms: int, end_ms: int) -> Calendar:
        days = np.arange(start_ms // MS_PER_DAY, -(-end_ms // MS_PER_DAY), dtype=np.int64)
        workdays = days[weekday(days) < 5]
        cum = np.concatenate([[0.0], np.cumsum(_seasonal_weight(workdays))])
        return cls(start_ms, end_ms, workdays, cum)

    def workday_bounds(self, lo_ms: np.ndarray, hi_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index range [lo, hi) of workdays whose day starts in [lo_ms, hi_ms)."""
        lo = np.searchsorted(self.workdays, -(-lo_ms // MS_PER_DAY))
        hi = np.searchsorted(self.workdays, -(-hi_ms // MS_PER_DAY))
        return lo, np.maximum(hi, lo + 1)

    def workload(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Total seasonal weight of the workdays in [lo, hi): how much work fits in that span."""
        return self.cum_weight[hi] - self.cum_weight[lo]

    def sample_days(self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """One workday per element, in [lo, hi), busier days more likely."""
        target = self.cum_weight[lo] + rng.random(len(lo)) * (self.cum_weight[hi] - self.cum_weight[lo])
        idx = np.searchsorted(self.cum_weight, target, side="right") - 1
        return self.workdays[np.clip(idx, lo, hi - 1)]

    def keep_inside(self, ms: np.ndarray) -> np.ndarray:
        """Move instants that a time zone pushed out of the window by a week, same weekday and hour."""
        ms = np.where(ms >= self.end_ms, ms - 7 * MS_PER_DAY, ms)
        return np.where(ms < self.start_ms, ms + 7 * MS_PER_DAY, ms)


def call_time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Local time of day (ms) within business hours, shaped like a sales floor's day."""
    slot = np.searchsorted(_CALL_SLOT_CUM, rng.random(n), side="right")
    return _FIRST_SLOT_MS + slot * _SLOT_MS + rng.integers(0, _SLOT_MS, n)


def business_instants(rng: np.random.Generator, days: np.ndarray, utc_offset_hours: np.ndarray) -> np.ndarray:
    """UTC instants (ms) during business hours of the given local days."""
    return days * MS_PER_DAY + call_time_of_day(rng, len(days)) - utc_offset_hours * MS_PER_HOUR


def snap_to_business(
    rng: np.random.Generator,
    ms: np.ndarray,
    utc_offset_hours: np.ndarray,
    lo_ms: np.ndarray,
    hi_ms: np.ndarray,
) -> np.ndarray:
    """Each instant moved into business hours of its local workday (weekends back to Friday); where
    that leaves [lo_ms, hi_ms) the raw instant is kept."""
    offset = utc_offset_hours * MS_PER_HOUR
    day = (ms + offset) // MS_PER_DAY
    dow = weekday(day)
    day = day - np.where(dow >= 5, dow - 4, 0)
    snapped = day * MS_PER_DAY + call_time_of_day(rng, len(ms)) - offset
    return np.where((snapped >= lo_ms) & (snapped < hi_ms), snapped, ms)


def meeting_starts(
    rng: np.random.Generator, booked_ms: np.ndarray, utc_offset_hours: np.ndarray, max_days: int = 14
) -> np.ndarray:
    """Start times of meetings booked at `booked_ms`: 1..max_days local workdays later, on a half hour,
    busier in the first week."""
    offset = utc_offset_hours * MS_PER_HOUR
    ahead = np.minimum(rng.geometric(0.2, len(booked_ms)), max_days)
    day = (booked_ms + offset) // MS_PER_DAY + ahead
    dow = weekday(day)
    day = day + np.where(dow >= 5, 7 - dow, 0)
    slot = _MEETING_SLOTS[rng.integers(0, len(_MEETING_SLOTS), len(booked_ms))]
    return day * MS_PER_DAY + slot - offset

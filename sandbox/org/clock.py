"""The sandbox's notion of now: starts where the generated history ends and only moves when told."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta


class Clock:
    def __init__(self, start: datetime) -> None:
        if start.tzinfo is not None:
            raise ValueError(f"Clock: start must be a naive UTC datetime, got {start!r}")
        self._now = start
        self._lock = threading.Lock()

    @property
    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` (never backwards: CRM timestamps only grow) and return the new now."""
        if delta < timedelta(0):
            raise ValueError(f"Clock.advance: delta must not be negative, got {delta}")
        with self._lock:
            self._now += delta
            return self._now

    def now_ms(self) -> datetime:
        """Now truncated to milliseconds, the precision CRMs store."""
        now = self._now
        return now.replace(microsecond=now.microsecond // 1000 * 1000)

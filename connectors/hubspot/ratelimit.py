"""Client-side rate limiting: keep every request under HubSpot's limits before HubSpot has to say 429.

HubSpot counts per portal token: a rolling 10-second window of requests, and the search endpoints'
own per-second limit. `RateLimiter` keeps a sliding window of its own for each (the search window
also feeds the 10-second one when `search_counts_in_budget`), blocks a caller until a slot is free,
and is thread-safe. `shared_limiter` hands every client of one token in a process the same limiter,
so concurrent streams share one budget. The clock and the sleep are injectable: tests move time by hand.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable

from connectors.hubspot import settings


class SlidingWindow:
    """At most `limit` events in any `period` seconds (not thread-safe: RateLimiter locks)."""

    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError(f"a sliding window needs limit >= 1 and period > 0, got {limit}, {period}")
        self.limit = limit
        self.period = period
        self._events: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        events = self._events
        while events and events[0] <= now - self.period:
            events.popleft()
        if len(events) < self.limit:
            return 0.0
        return events[0] + self.period - now

    def record(self, now: float) -> None:
        self._events.append(now)

    def __len__(self) -> int:
        return len(self._events)


class RateLimiter:
    def __init__(
        self,
        *,
        requests_per_10s: int,
        search_per_second: int,
        margin: float = settings.RATE_LIMIT_MARGIN,
        search_counts_in_budget: bool = settings.SEARCH_COUNTS_AGAINST_TEN_SECOND_BUDGET,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`requests_per_10s` is HubSpot's limit; the limiter spends `margin` of it (at least 1)."""
        self.budget = SlidingWindow(max(1, int(requests_per_10s * margin)), settings.TEN_SECONDS)
        self.search = SlidingWindow(search_per_second, 1.0)
        self.search_counts_in_budget = search_counts_in_budget
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, *, search: bool = False) -> float:
        """Block until one request may be sent now; record it. Returns the seconds spent waiting."""
        windows = [self.search] if search else [self.budget]
        if search and self.search_counts_in_budget:
            windows.append(self.budget)
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay = max(window.wait_time(now) for window in windows)
                if delay <= 0:
                    for window in windows:
                        window.record(now)
                    return waited
            self._sleep(delay)
            waited += delay


_shared: dict[tuple, RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(
    base_url: str, access_token: str, *, requests_per_10s: int, search_per_second: int
) -> RateLimiter:
    """The process-wide limiter of one portal token (keyed by a hash of it: the token is not kept)."""
    fingerprint = hashlib.sha256(f"{base_url}\0{access_token}".encode()).hexdigest()
    key = (fingerprint, requests_per_10s, search_per_second)
    with _shared_lock:
        limiter = _shared.get(key)
        if limiter is None:
            limiter = _shared[key] = RateLimiter(
                requests_per_10s=requests_per_10s, search_per_second=search_per_second
            )
        return limiter

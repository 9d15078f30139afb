"""HubSpot's rate limits for a private-app token, against an injectable monotonic clock.

- a rolling 10-second window of `ten_second_limit` requests (policy TEN_SECONDLY_ROLLING) for every
  endpoint except search;
- `search_per_second` search requests per rolling second (policy SECONDLY), search's own limit;
- `daily_limit` requests per day, search included (policy DAILY); days are counted on the clock.
Requests refused with 429 do not count. Normal responses carry the X-HubSpot-RateLimit-* headers of
the 10-second window and the day; search responses carry none (HubSpot leaves them off search).
No 429 carries Retry-After: HubSpot's do not reliably, and urllib3 would silently sleep and retry.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

TEN_SECONDS = 10.0
DAY_SECONDS = 86_400.0


@dataclass
class _TokenState:
    window: deque[float] = field(default_factory=deque)  # accepted non-search requests, last 10 s
    search: deque[float] = field(default_factory=deque)  # accepted search requests, last 1 s
    day: int = -1
    day_count: int = 0


@dataclass(frozen=True)
class Decision:
    policy: str | None  # None: allowed; else TEN_SECONDLY_ROLLING / SECONDLY / DAILY
    headers: dict[str, str]

    @property
    def allowed(self) -> bool:
        return self.policy is None


class RateLimiter:
    def __init__(
        self, *, ten_second_limit: int, search_per_second: int, daily_limit: int, clock: Callable[[], float]
    ) -> None:
        self.ten_second_limit = ten_second_limit
        self.search_per_second = search_per_second
        self.daily_limit = daily_limit
        self.secondly_limit = max(1, ten_second_limit // 10)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, _TokenState] = {}

    def acquire(self, token: str, *, search: bool = False) -> Decision:
        """Count one request for `token` if allowed; the headers to send either way."""
        now = self._clock()
        with self._lock:
            state = self._tokens.setdefault(token, _TokenState())
            day = int(now // DAY_SECONDS)
            if day != state.day:
                state.day, state.day_count = day, 0
            _prune(state.window, now - TEN_SECONDS)
            _prune(state.search, now - 1.0)
            if state.day_count >= self.daily_limit:
                return Decision("DAILY", self._headers(state, now, search=search))
            if search:
                if len(state.search) >= self.search_per_second:
                    return Decision("SECONDLY", self._headers(state, now, search=True))
                state.search.append(now)
                state.day_count += 1
                return Decision(None, {})
            if len(state.window) >= self.ten_second_limit:
                return Decision("TEN_SECONDLY_ROLLING", self._headers(state, now, search=False))
            state.window.append(now)
            state.day_count += 1
            return Decision(None, self._headers(state, now, search=False))

    def headers(self, token: str, *, search: bool = False) -> dict[str, str]:
        """The current headers for `token` without counting a request (e.g. for an injected 429)."""
        now = self._clock()
        with self._lock:
            state = self._tokens.setdefault(token, _TokenState())
            _prune(state.window, now - TEN_SECONDS)
            _prune(state.search, now - 1.0)
            return self._headers(state, now, search=search)

    def _headers(self, state: _TokenState, now: float, *, search: bool) -> dict[str, str]:
        daily_remaining = max(0, self.daily_limit - state.day_count)
        if search:
            return {
                "X-HubSpot-RateLimit-Secondly": str(self.search_per_second),
                "X-HubSpot-RateLimit-Secondly-Remaining": str(
                    max(0, self.search_per_second - len(state.search))
                ),
                "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
                "X-HubSpot-RateLimit-Daily-Remaining": str(daily_remaining),
            }
        return {
            "X-HubSpot-RateLimit-Daily": str(self.daily_limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(daily_remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(self.ten_second_limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.ten_second_limit - len(state.window))),
            "X-HubSpot-RateLimit-Secondly": str(self.secondly_limit),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(
                max(0, self.secondly_limit - _count_since(state.window, now - 1.0, self.secondly_limit))
            ),
        }


def _prune(window: deque[float], horizon: float) -> None:
    while window and window[0] <= horizon:
        window.popleft()


def _count_since(window: deque[float], horizon: float, cap: int) -> int:
    """Entries newer than `horizon`, counting from the newest and stopping at `cap`."""
    count = 0
    for stamp in reversed(window):
        if stamp <= horizon or count >= cap:
            break
        count += 1
    return count

"""The client-side rate limiter, on a fake clock: no test sleeps."""

from __future__ import annotations

import threading

import pytest

from connectors.hubspot.ratelimit import RateLimiter, SlidingWindow, shared_limiter


class FakeTime:
    """A clock that moves only when a caller sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def limiter(time: FakeTime, **kwargs) -> RateLimiter:
    kwargs.setdefault("requests_per_10s", 100)
    kwargs.setdefault("search_per_second", 4)
    return RateLimiter(clock=time.clock, sleep=time.sleep, **kwargs)


def recorded(window: SlidingWindow) -> list[float]:
    """Every event the window records, kept beside its own (pruned) deque."""
    events: list[float] = []
    record = window.record

    def spy(now: float) -> None:
        events.append(now)
        record(now)

    window.record = spy  # type: ignore[method-assign]
    return events


def assert_never_more_than(events: list[float], limit: int, period: float) -> None:
    events = sorted(events)
    for i in range(len(events) - limit):
        assert events[i + limit] - events[i] >= period, (i, events[i], events[i + limit])


def test_the_ten_second_budget_keeps_a_margin_under_the_limit():
    time = FakeTime()
    rl = limiter(time)
    start = time.now
    for _ in range(90):
        assert rl.acquire() == 0.0
    assert rl.acquire() == pytest.approx(10.0)  # the 91st waits for the first to leave the window
    assert time.now == pytest.approx(start + 10.0)


def test_the_window_slides_rather_than_resetting():
    time = FakeTime()
    rl = limiter(time)
    events = recorded(rl.budget)
    for i in range(400):
        rl.acquire()
        if i % 7 == 0:
            time.sleep(0.3)  # irregular traffic
    assert_never_more_than(events, 90, 10.0)
    # and the budget is used: 400 requests need little more than 400/90 windows
    assert time.now - 1_000.0 < 10.0 * (400 / 90) + 10.0


def test_search_has_its_own_per_second_limit_outside_the_budget():
    time = FakeTime()
    rl = limiter(time)
    events = recorded(rl.search)
    for _ in range(4):
        assert rl.acquire(search=True) == 0.0
    assert rl.acquire(search=True) == pytest.approx(1.0)
    for _ in range(40):
        rl.acquire(search=True)
    assert_never_more_than(events, 4, 1.0)
    assert len(rl.budget) == 0
    assert rl.acquire() == 0.0  # other endpoints are not held up by search


def test_search_can_also_count_against_the_budget():
    time = FakeTime()
    rl = limiter(time, requests_per_10s=10, search_counts_in_budget=True)
    for _ in range(9):
        rl.acquire(search=True)
    assert len(rl.budget) == 9
    assert rl.acquire() > 0


def test_the_limiter_is_thread_safe():
    time = FakeTime()
    rl = limiter(time)
    events = recorded(rl.budget)
    threads = [threading.Thread(target=lambda: [rl.acquire() for _ in range(60)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(events) == 480
    assert_never_more_than(events, 90, 10.0)


def test_a_tiny_limit_still_allows_one_request():
    time = FakeTime()
    rl = limiter(time, requests_per_10s=1)
    assert rl.budget.limit == 1
    rl.acquire()
    assert rl.acquire() == pytest.approx(10.0)


def test_one_limiter_per_token_in_a_process():
    a = shared_limiter("http://h", "token-a", requests_per_10s=100, search_per_second=4)
    assert shared_limiter("http://h", "token-a", requests_per_10s=100, search_per_second=4) is a
    assert shared_limiter("http://h", "token-b", requests_per_10s=100, search_per_second=4) is not a
    assert shared_limiter("http://other", "token-a", requests_per_10s=100, search_per_second=4) is not a
    from connectors.hubspot import ratelimit

    assert "token-a" not in repr(ratelimit._shared)

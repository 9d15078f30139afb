"""Deterministic fault injection, configured per endpoint.

A rule names endpoints (a glob over route names such as `hubspot.objects.*`), the kinds of fault
it may inject, and a rate. Whether the n-th request to an endpoint fails, and how, depends only on
(seed, endpoint, n): two runs that send the same requests in the same order see the same faults.

A `PageTamper` rewrites the body of successful answers instead: malformed records, duplicated ids or
broken JSON served on demand, as a misbehaving CRM (or a proxy in between) would send them.
"""

from __future__ import annotations

import enum
import fnmatch
import hashlib
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


class FaultKind(enum.StrEnum):
    RATE_LIMITED = "429"  # a burst of 429s with the service's own body and headers
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    UNAVAILABLE = "503"
    CONNECTION_RESET = "reset"  # the socket is closed with RST before any response byte
    TRUNCATED_BODY = "truncated"  # full Content-Length announced, half the body sent, then closed
    SLOW = "slow"  # the right answer, after a delay
    EXPIRED_SESSION = "expired_session"  # 401 as for an expired/revoked token

    @classmethod
    def all(cls) -> tuple[FaultKind, ...]:
        return tuple(cls)


@dataclass(frozen=True)
class FaultRule:
    endpoints: str = "*"
    kinds: tuple[FaultKind, ...] = FaultKind.all()
    rate: float = 0.1
    burst: int = 3  # a RATE_LIMITED fault answers this many consecutive requests with 429
    slow_seconds: float = 0.2
    max_faults: int | None = None  # stop injecting after this many (None: no cap)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {self.rate}")
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1, got {self.burst}")


@dataclass(frozen=True)
class PageTamper:
    """Rewrites the body of 2xx answers of matching endpoints. `edit` gets the body and returns the
    new one, or None to leave an answer alone (it then does not count towards `times`)."""

    endpoints: str
    edit: Callable[[bytes], bytes | None]
    times: int | None = None  # answers to rewrite (None: every matching one)

    def __post_init__(self) -> None:
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be at least 1 (or None for no limit), got {self.times}")


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    slow_seconds: float = 0.0


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._seen: Counter[str] = Counter()
        self._burst_left: Counter[str] = Counter()
        self._injected: Counter[int] = Counter()  # faults injected per rule index
        self.injected_by_endpoint: Counter[str] = Counter()
        self._tampers: list[PageTamper] = []
        self._tampered: Counter[int] = Counter()  # answers rewritten per tamper index
        self.tampered_by_endpoint: Counter[str] = Counter()

    def add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def tamper(self, tamper: PageTamper) -> PageTamper:
        with self._lock:
            self._tampers.append(tamper)
        return tamper

    def clear(self) -> None:
        """Remove every rule and tamper (the counts of what was injected stay)."""
        with self._lock:
            self._rules.clear()
            self._injected.clear()
            self._burst_left.clear()
            self._tampers.clear()
            self._tampered.clear()

    def rewrite(self, endpoint: str, body: bytes) -> bytes:
        """The body to send for a 2xx answer of `endpoint`: the first matching tamper's edit, if any."""
        with self._lock:
            tampers = list(enumerate(self._tampers))
        for index, tamper in tampers:
            if not fnmatch.fnmatchcase(endpoint, tamper.endpoints):
                continue
            with self._lock:  # reserve one of the tamper's answers, so concurrent requests never exceed it
                if tamper.times is not None and self._tampered[index] >= tamper.times:
                    continue
                self._tampered[index] += 1
            edited = tamper.edit(body)
            with self._lock:
                if edited is None:
                    self._tampered[index] -= 1
                    continue
                self.tampered_by_endpoint[endpoint] += 1
            return edited
        return body

    @property
    def injected(self) -> int:
        return sum(self.injected_by_endpoint.values())

    def _draw(self, endpoint: str, n: int, salt: str) -> float:
        digest = hashlib.blake2b(f"{self.seed}|{endpoint}|{n}|{salt}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / 2**64

    def decide(self, endpoint: str) -> Fault | None:
        """The fault for the next request to `endpoint`, or None to answer it normally."""
        with self._lock:
            n = self._seen[endpoint]
            self._seen[endpoint] += 1
            if self._burst_left[endpoint] > 0:
                self._burst_left[endpoint] -= 1
                self.injected_by_endpoint[endpoint] += 1
                return Fault(FaultKind.RATE_LIMITED)
            for index, rule in enumerate(self._rules):
                if not fnmatch.fnmatchcase(endpoint, rule.endpoints) or not rule.kinds:
                    continue
                if rule.max_faults is not None and self._injected[index] >= rule.max_faults:
                    continue
                if self._draw(endpoint, n, f"rate{index}") >= rule.rate:
                    continue
                kind = rule.kinds[int(self._draw(endpoint, n, f"kind{index}") * len(rule.kinds))]
                self._injected[index] += 1
                self.injected_by_endpoint[endpoint] += 1
                if kind is FaultKind.RATE_LIMITED:
                    self._burst_left[endpoint] = rule.burst - 1
                return Fault(kind, rule.slow_seconds if kind is FaultKind.SLOW else 0.0)
            return None

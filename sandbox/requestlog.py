"""Every request an emulator answered, so tests and benchmarks can count API calls per endpoint."""

from __future__ import annotations

import fnmatch
import threading
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class LoggedRequest:
    endpoint: str  # route name, e.g. "salesforce.query"; "<service>.unknown" for unmatched paths
    method: str
    path: str
    status: int  # 0 when the connection was reset before any response
    fault: str | None
    seconds: float
    received_at: float  # time.perf_counter() when the request arrived: for rates over time windows


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def entries(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._entries)

    def counts(self) -> Counter[str]:
        """Requests per endpoint."""
        return Counter(e.endpoint for e in self.entries)

    def count(self, endpoints: str = "*", *, status: int | None = None) -> int:
        """Requests whose endpoint matches the glob (and status, if given)."""
        return sum(
            1
            for e in self.entries
            if fnmatch.fnmatchcase(e.endpoint, endpoints) and (status is None or e.status == status)
        )

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

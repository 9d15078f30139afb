"""The small web layer both emulators are written against: requests, responses and a router of
named routes. The HTTP server (`sandbox.server`) turns sockets into `Request`s, looks the
route up, logs the call under the route's name and applies fault injection by that name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import orjson


class Headers(dict):
    """Request headers with case-insensitive lookup (keys stored lower-cased)."""

    def __init__(self, items=()) -> None:
        super().__init__((k.lower(), v) for k, v in items)

    def get(self, key: str, default=None):  # type: ignore[override]
        return super().get(key.lower(), default)

    def __getitem__(self, key: str):
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())


@dataclass
class Request:
    method: str
    path: str  # without the query string, percent-decoding not applied
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)  # route parameters

    @property
    def query(self) -> dict[str, list[str]]:
        """Query parameters; repeated keys keep every value, in order."""
        return parse_qs(self.query_string, keep_blank_values=True)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError on a body that is not JSON."""
        return orjson.loads(self.body)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json;charset=UTF-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status=status, body=orjson.dumps(obj), headers=dict(headers or {}))


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str  # the endpoint name used by the request log and fault injection, e.g. "salesforce.query"
    handler: Handler


class Router:
    """Routes by method and path pattern. Patterns use `{name}` for one path segment and
    `{name:path}` for the rest of the path; matched values land in `request.params`."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, name: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", pattern)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        self.routes.append(Route(method.upper(), re.compile(f"^{regex}$"), name, handler))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method != method.upper():
                continue
            m = route.pattern.match(path)
            if m:
                return route, m.groupdict()
        return None

"""HubSpot's error responses: the JSON envelope every CRM endpoint answers with, and the raise-to-answer
exception the handlers use.

Envelope (captured from the real API): `{"status": "error", "message": …, "correlationId": <uuid>,
"category": …}`, plus `subCategory` / `context` / `errors` on some errors. A few errors carry no
`category` (e.g. an unknown object type).
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

from sandbox.web import Response

AUTH_NOT_FOUND_MESSAGE = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(message: str, category: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "error", "message": message, "correlationId": correlation_id()}
    if category is not None:
        body["category"] = category
    body.update(extra)
    return body


def error_response(
    status: int,
    message: str,
    category: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = error_body(message, category, **extra)
    out = {"X-HubSpot-Correlation-Id": body["correlationId"]}
    out.update(headers or {})
    return Response(status=status, body=orjson.dumps(body), headers=out)


class ApiError(Exception):
    """Raised by a handler to answer with HubSpot's error envelope."""

    def __init__(self, status: int, message: str, category: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.category = category
        self.extra = extra

    def response(self) -> Response:
        return error_response(self.status, self.message, self.category, **self.extra)


def validation_error(message: str, **extra: Any) -> ApiError:
    return ApiError(400, message, "VALIDATION_ERROR", **extra)


def not_found(message: str = "resource not found") -> ApiError:
    return ApiError(404, message, "OBJECT_NOT_FOUND")

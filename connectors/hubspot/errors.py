"""The HubSpot connector's exceptions. Each message names the source, the object and (once a stream adds
it) the window, says what to change, and never contains the access token. Each kind is also the
connectors.errors kind of the same name, which callers catch for either CRM."""

from __future__ import annotations

from datetime import datetime

from connectors import errors


class HubSpotError(errors.ConnectorError):
    """Base of every error the HubSpot connector raises."""

    source = "hubspot"

    def __init__(
        self,
        message: str,
        *,
        object_type: str | None = None,
        status: int | None = None,
        window: tuple[datetime, datetime | None] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.object_type = object_type
        self.status = status
        self.window = window

    def __str__(self) -> str:
        where = "HubSpot"
        if self.object_type:
            where += f" {self.object_type}"
        if self.window is not None:
            start, end = self.window
            where += f", window [{start.isoformat()}, {end.isoformat() if end else 'open'})"
        return f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class ConfigurationError(HubSpotError, errors.ConfigurationError):
    """A HUBSPOT_* environment variable is malformed (raised before any request)."""


class AuthenticationError(HubSpotError, errors.AuthenticationError):
    """HubSpot refused the token (401) or its scopes (403): fix HUBSPOT_ACCESS_TOKEN or the app's scopes."""


class RequestError(HubSpotError, errors.RequestError):
    """HubSpot rejected a request for good (400, 404, ...): a connector bug or an API change."""


class RetriesExhausted(HubSpotError, errors.RetriesExhausted):
    """A request kept failing transiently (429, 5xx, resets, truncated bodies) for every attempt."""

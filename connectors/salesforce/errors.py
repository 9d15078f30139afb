"""What can go wrong while reading Salesforce, each error saying what to change.

    SalesforceError                  every error of this connector (source "salesforce")
    ├── ConfigurationError           the environment: names the variables to set or fix
    ├── AuthenticationError          the login was refused: names the variables to check
    │   └── SessionExpiredError      a direct access token expired: names SALESFORCE_ACCESS_TOKEN
    ├── ApiAllocationError           the org's daily API allocation (our share of it) is used up
    ├── RetriesExhausted             the API kept failing transiently past the attempt limit
    └── RequestError                 the API refused a request for good (permissions, a bad query)
        └── BulkJobError             a Bulk API 2.0 job failed: the stream reads over REST instead

Each kind is also the connectors.errors kind of the same name, which callers catch for either CRM.

Messages never carry credentials or session ids. `context` names the object and the window
(`salesforce Task, window [2026-01-01T00:00:00Z, open)`), so an operator knows what to re-run.
"""

from __future__ import annotations

from connectors import errors


class SalesforceError(errors.ConnectorError):
    """Base of the connector's errors; `source` is always "salesforce"."""

    source = "salesforce"

    def __init__(self, message: str, *, context: str | None = None) -> None:
        self.context = context
        self.detail = message
        super().__init__(f"{context}: {message}" if context else message)


class ConfigurationError(SalesforceError, errors.ConfigurationError):
    """The environment does not configure Salesforce completely or correctly."""

    def __init__(self, message: str, *, variables: tuple[str, ...] = ()) -> None:
        self.variables = variables
        super().__init__(message)


class AuthenticationError(SalesforceError, errors.AuthenticationError):
    """Salesforce refused the credentials; `variables` lists the environment variables to check."""

    def __init__(self, message: str, *, variables: tuple[str, ...] = (), context: str | None = None) -> None:
        self.variables = variables
        super().__init__(message, context=context)


class SessionExpiredError(AuthenticationError):
    """The access token given directly (SALESFORCE_ACCESS_TOKEN) expired or was revoked mid-run."""


class ApiAllocationError(SalesforceError):
    """Stopped before exceeding SALESFORCE_MAX_API_SHARE of the daily allocation, or Salesforce
    answered REQUEST_LIMIT_EXCEEDED. Nothing is lost: re-run the window later. Neither a refused
    request nor a transient failure, so a Bulk read does not fall back to REST on it."""


class RetriesExhausted(SalesforceError, errors.RetriesExhausted):
    """Transient failures (429, 5xx, resets, truncated bodies) outlasted the bounded retries."""


class RequestError(SalesforceError, errors.RequestError):
    """A request Salesforce refuses for good: a query it cannot run, a missing permission."""


class BulkJobError(RequestError):
    """A Bulk API 2.0 job failed or could not be read; the stream falls back to REST."""

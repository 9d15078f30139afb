"""The kinds of error a CRM connector raises, one class per kind whichever CRM raised it. Callers
catch these; each connector subclasses them to word its messages (connectors.salesforce.errors,
connectors.hubspot.errors), and `source` names the CRM.

    ConnectorError            every connector error; `source` is "salesforce" or "hubspot"
    ├── ConfigurationError    a setting is missing or malformed (before any request): names the variable
    ├── AuthenticationError   the CRM refused the credentials: names the variables to check
    ├── RequestError          the CRM refused a request for good (a permission, a query, an API change)
    └── RetriesExhausted      transient failures (429, 5xx, resets, truncated bodies) outlasted the retries

Messages say what to change and never carry credentials.
"""

from __future__ import annotations

from typing import ClassVar


class ConnectorError(Exception):
    """Base of every connector error."""

    source: ClassVar[str]  # the CRM: "salesforce" or "hubspot"


class ConfigurationError(ConnectorError, ValueError):
    """A CRM's settings (its environment variables) are incomplete or malformed."""


class AuthenticationError(ConnectorError):
    """The CRM refused the credentials or their permissions."""


class RequestError(ConnectorError):
    """The CRM refused a request for good: retrying will not help."""


class RetriesExhausted(ConnectorError):
    """A request kept failing transiently for every attempt; re-running later loses nothing."""

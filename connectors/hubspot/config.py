"""HubSpot connection settings, read from the environment each time a run asks for them.

- `HUBSPOT_ACCESS_TOKEN` (required; without it the HubSpot source is skipped with a message): the
  access token of a HubSpot private app (Settings → Integrations → Private apps) that may read owners,
  deals, calls, meetings, companies and contacts (scopes such as `crm.objects.owners.read`,
  `crm.objects.deals.read`, `crm.objects.companies.read`, `crm.objects.contacts.read`). It is never
  logged, and never shown in errors or reprs.
- `HUBSPOT_BASE_URL` (default `https://api.hubapi.com`): the API root. `barometer sandbox` prints the
  local emulator's, e.g. `http://127.0.0.1:8080`.
- `HUBSPOT_REQUESTS_PER_10S` (default `100`): the portal's private-app limit per rolling 10 seconds
  (Free/Starter 100, Professional/Enterprise 190, with the API limit increase 250). The client stays
  10% under it.
- `HUBSPOT_SEARCH_REQUESTS_PER_SECOND` (default `4`): search requests a second (HubSpot allows 5 per
  account); raise it only for a sandbox or a HubSpot that allows more.
- `HUBSPOT_BACKOFF_SECONDS` (default `0.5`): the scale of the waits between retries of a failed
  request (full-jitter exponential: the n-th waits up to this x 2^n, at most 30 s); lower it to give up
  sooner on an outage, e.g. in tests.

A wrong token stops the run at its first request (HTTP 401) with an error naming
`HUBSPOT_ACCESS_TOKEN`; a malformed value of any variable is reported by name before any request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from connectors.hubspot import settings
from connectors.hubspot.errors import ConfigurationError

TOKEN_VAR = "HUBSPOT_ACCESS_TOKEN"  # noqa: S105 (the variable's name, not a secret)
BASE_URL_VAR = "HUBSPOT_BASE_URL"
REQUESTS_PER_10S_VAR = "HUBSPOT_REQUESTS_PER_10S"
SEARCH_PER_SECOND_VAR = "HUBSPOT_SEARCH_REQUESTS_PER_SECOND"
BACKOFF_VAR = "HUBSPOT_BACKOFF_SECONDS"

# The keywords of config_from (a Dagster resource's fields), each with its variable.
SETTINGS: dict[str, str] = {
    "access_token": TOKEN_VAR,
    "base_url": BASE_URL_VAR,
    "requests_per_10s": REQUESTS_PER_10S_VAR,
    "search_requests_per_second": SEARCH_PER_SECOND_VAR,
    "backoff_seconds": BACKOFF_VAR,
}


@dataclass(frozen=True)
class HubSpotConfig:
    """Everything the client needs. The token never appears in repr() or str()."""

    access_token: str = field(repr=False)
    base_url: str = settings.DEFAULT_BASE_URL
    requests_per_10s: int = settings.DEFAULT_REQUESTS_PER_10S
    search_per_second: int = settings.SEARCH_REQUESTS_PER_SECOND
    max_attempts: int = settings.MAX_ATTEMPTS
    backoff_seconds: float = settings.BACKOFF_SECONDS
    backoff_max_seconds: float = settings.BACKOFF_MAX_SECONDS
    connect_timeout_seconds: float = settings.CONNECT_TIMEOUT_SECONDS
    read_timeout_seconds: float = settings.READ_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        token = self.access_token
        if not isinstance(token, str) or not token.strip():
            raise ConfigurationError(f"{TOKEN_VAR} is empty: set it to your private app's access token")
        if token != token.strip() or any(c.isspace() for c in token) or not token.isprintable():
            raise ConfigurationError(
                f"{TOKEN_VAR} contains whitespace or control characters: copy the token again "
                "without quotes, spaces or line breaks"
            )
        object.__setattr__(self, "base_url", _base_url(self.base_url))
        if self.requests_per_10s < 1 or self.search_per_second < 1 or self.max_attempts < 1:
            raise ConfigurationError(
                "requests_per_10s, search_per_second and max_attempts must be at least 1 "
                f"(got {self.requests_per_10s}, {self.search_per_second}, {self.max_attempts})"
            )


def config_from_env(env: Mapping[str, str] | None = None) -> HubSpotConfig | None:
    """The configuration in `env` (default: os.environ, read now); see `config_from`."""
    env = os.environ if env is None else env
    return config_from(**{name: env.get(var) for name, var in SETTINGS.items()})


def config_from(
    *,
    access_token: str | None = None,
    base_url: str | None = None,
    requests_per_10s: str | None = None,
    search_requests_per_second: str | None = None,
    backoff_seconds: str | None = None,
) -> HubSpotConfig | None:
    """The configuration given by the values of the HUBSPOT_* variables (None or empty: unset), or None
    when the access token is unset: the caller skips the HubSpot source and says so. Malformed values
    raise ConfigurationError naming the variable (never showing the token)."""
    if access_token is None:
        return None
    limit = _positive_int(
        requests_per_10s,
        REQUESTS_PER_10S_VAR,
        settings.DEFAULT_REQUESTS_PER_10S,
        "your portal's private-app limit per 10 seconds (100 on Free/Starter, 190 on Professional/"
        "Enterprise)",
    )
    search = _positive_int(
        search_requests_per_second,
        SEARCH_PER_SECOND_VAR,
        settings.SEARCH_REQUESTS_PER_SECOND,
        "search requests per second (HubSpot: 5)",
    )
    return HubSpotConfig(
        access_token=access_token,
        base_url=base_url or settings.DEFAULT_BASE_URL,
        requests_per_10s=limit,
        search_per_second=search,
        backoff_seconds=_backoff(backoff_seconds),
    )


def _backoff(given: str | None) -> float:
    raw = given or str(settings.BACKOFF_SECONDS)
    try:
        value = float(raw.strip())
    except ValueError:
        value = float("nan")
    if not 0 < value <= settings.BACKOFF_MAX_SECONDS:
        raise ConfigurationError(
            f"{BACKOFF_VAR}={raw!r} is not a number of seconds in (0, {settings.BACKOFF_MAX_SECONDS:g}]: "
            f"set the scale of the waits between retries (default {settings.BACKOFF_SECONDS:g}) or unset it"
        )
    return value


def _positive_int(given: str | None, name: str, default: int, meaning: str) -> int:
    raw = given or str(default)
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigurationError(
            f"{name}={raw!r} is not a positive whole number: set it to {meaning} or unset it"
        )
    return value


def _base_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            f"{BASE_URL_VAR}={value!r} is not an http(s) URL like https://api.hubapi.com: fix it or unset it"
        )
    return value.strip().rstrip("/")

"""Salesforce configuration from environment variables, read when called (never at import).

Set one of three sets of variables:

- **Access token** (no login call): `SALESFORCE_INSTANCE_URL` (the org's https URL, e.g.
  `https://acme.my.salesforce.com`) and `SALESFORCE_ACCESS_TOKEN`. The token cannot be renewed by
  the connector: when it expires the sync stops with an error naming `SALESFORCE_ACCESS_TOKEN`.
- **Username and password** (SOAP login): `SALESFORCE_USERNAME`, `SALESFORCE_PASSWORD`,
  `SALESFORCE_SECURITY_TOKEN` (may be set empty when the org trusts your IP range), and optionally
  `SALESFORCE_DOMAIN`: `login` (default), `test` for a sandbox org, or a My Domain such as `acme.my`.
- **OAuth client credentials**: `SALESFORCE_CLIENT_ID` and `SALESFORCE_CLIENT_SECRET` (the connected
  app's consumer key and secret) and `SALESFORCE_DOMAIN`, which must be the org's My Domain (e.g.
  `acme.my`; Salesforce does not serve this flow on `login` or `test`).

When several sets are complete, the first in this order wins. Optional:

- `SALESFORCE_MAX_API_SHARE` (default `0.5`): the sync stops, with `ApiAllocationError`, before the
  org's use of its daily API allocation would pass this share (0 < share ≤ 1), leaving the rest to
  other integrations.
- `SALESFORCE_BACKOFF_SECONDS` (default `1`): the scale of the waits between retries of a failed
  request (full-jitter exponential: the n-th waits up to this x 2^n, at most 60 s); lower it to give
  up sooner on an outage, e.g. in tests. Read by `sync_settings_from_env` (or `sync_settings_from`).
- `REQUESTS_CA_BUNDLE`: a CA file to trust for TLS, as everywhere in `requests`.

`config_from_env` reads them; `config_from` takes their values as arguments (a Dagster resource's
fields). With none of the login variables set, either returns None (the caller skips Salesforce);
with an incomplete set it raises `ConfigurationError` naming the missing variables. Secrets (password,
security token, access token, client secret) never appear in a repr, a log line or an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from connectors.salesforce.errors import ConfigurationError
from connectors.salesforce.settings import SyncSettings

INSTANCE_URL = "SALESFORCE_INSTANCE_URL"
ACCESS_TOKEN = "SALESFORCE_ACCESS_TOKEN"  # noqa: S105 - a variable name, not a secret
USERNAME = "SALESFORCE_USERNAME"
PASSWORD = "SALESFORCE_PASSWORD"  # noqa: S105
SECURITY_TOKEN = "SALESFORCE_SECURITY_TOKEN"  # noqa: S105
CLIENT_ID = "SALESFORCE_CLIENT_ID"
CLIENT_SECRET = "SALESFORCE_CLIENT_SECRET"  # noqa: S105
DOMAIN = "SALESFORCE_DOMAIN"
MAX_API_SHARE = "SALESFORCE_MAX_API_SHARE"
BACKOFF_SECONDS = "SALESFORCE_BACKOFF_SECONDS"

DEFAULT_DOMAIN = "login"
DEFAULT_MAX_API_SHARE = 0.5

# The login flows, in order of precedence, with the variables each needs.
FLOWS: dict[str, tuple[str, ...]] = {
    "token": (INSTANCE_URL, ACCESS_TOKEN),
    "password": (USERNAME, PASSWORD, SECURITY_TOKEN),
    "client_credentials": (CLIENT_ID, CLIENT_SECRET, DOMAIN),
}
# What a caller says when it skips Salesforce because no login set is configured.
NOT_CONFIGURED = (
    "Salesforce skipped: no credentials set ("
    + ", or ".join(" + ".join(names) for names in FLOWS.values())
    + ")"
)

# The keywords of config_from and sync_settings_from (a Dagster resource's fields), each with its variable.
SETTINGS: dict[str, str] = {
    "instance_url": INSTANCE_URL,
    "access_token": ACCESS_TOKEN,
    "username": USERNAME,
    "password": PASSWORD,
    "security_token": SECURITY_TOKEN,
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "domain": DOMAIN,
    "max_api_share": MAX_API_SHARE,
    "backoff_seconds": BACKOFF_SECONDS,
}

LOGIN_VARIABLES = (
    INSTANCE_URL,
    ACCESS_TOKEN,
    USERNAME,
    PASSWORD,
    SECURITY_TOKEN,
    CLIENT_ID,
    CLIENT_SECRET,
    DOMAIN,
)

AuthFlow = Literal["token", "password", "client_credentials"]


@dataclass(frozen=True)
class SalesforceConfig:
    """How to reach one org. Secret fields are left out of the repr."""

    auth: AuthFlow
    instance_url: str | None = None
    access_token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    domain: str = DEFAULT_DOMAIN
    max_api_share: float = DEFAULT_MAX_API_SHARE

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secret values, so that messages can be scrubbed of them."""
        values = (self.access_token, self.password, self.security_token, self.client_secret)
        if self.password and self.security_token:
            values += (self.password + self.security_token,)
        return tuple(v for v in values if v)

    @property
    def credential_variables(self) -> tuple[str, ...]:
        """The variables to check when Salesforce refuses this configuration's login."""
        return FLOWS[self.auth]


def _present(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name)
    if value is None:
        return False
    # An org that trusts the caller's IP range needs no security token: an explicit empty one counts.
    return bool(value.strip()) or name == SECURITY_TOKEN


def _domain(value: str) -> str:
    """`acme.my`, also when given as `https://acme.my.salesforce.com` or `acme.my.salesforce.com`."""
    domain = value.strip()
    if "://" in domain:
        domain = urlsplit(domain).hostname or ""
    domain = domain.strip("/").removesuffix(".salesforce.com")
    if not domain or "/" in domain:
        raise ConfigurationError(
            f"{DOMAIN} must be 'login', 'test' or a My Domain such as 'acme.my', got {value!r}",
            variables=(DOMAIN,),
        )
    return domain


def _instance_url(value: str) -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ConfigurationError(
            f"{INSTANCE_URL} must be the org's https URL, e.g. https://acme.my.salesforce.com, got {value!r}",
            variables=(INSTANCE_URL,),
        )
    return url


def _share(raw: str | None) -> float:
    if raw is None or not raw.strip():
        return DEFAULT_MAX_API_SHARE
    try:
        share = float(raw)
    except ValueError:
        share = float("nan")
    if not 0.0 < share <= 1.0:
        raise ConfigurationError(
            f"{MAX_API_SHARE} must be a number in (0, 1], e.g. 0.5 for half the daily API allocation, "
            f"got {raw!r}",
            variables=(MAX_API_SHARE,),
        )
    return share


def config_from_env(env: Mapping[str, str] | None = None) -> SalesforceConfig | None:
    """The configuration in `env` (default: os.environ, read now); see `config_from`."""
    env = os.environ if env is None else env
    given = {name: env.get(var) for name, var in SETTINGS.items() if var != BACKOFF_SECONDS}  # sync setting
    return config_from(**given)


def config_from(
    *,
    instance_url: str | None = None,
    access_token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    security_token: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    domain: str | None = None,
    max_api_share: str | None = None,
) -> SalesforceConfig | None:
    """The configuration given by the values of the SALESFORCE_* variables (None: unset); None when no
    login value is set, ConfigurationError naming the variables to set when a login set is incomplete."""
    # Keyed by variable, as the login flows (FLOWS) and the messages name them.
    env = {
        name: value
        for name, value in (
            (INSTANCE_URL, instance_url),
            (ACCESS_TOKEN, access_token),
            (USERNAME, username),
            (PASSWORD, password),
            (SECURITY_TOKEN, security_token),
            (CLIENT_ID, client_id),
            (CLIENT_SECRET, client_secret),
            (DOMAIN, domain),
        )
        if value is not None
    }
    if not any(_present(env, name) for name in LOGIN_VARIABLES):
        return None
    share = _share(max_api_share)
    for flow, names in FLOWS.items():
        if all(_present(env, name) for name in names):
            return _build(flow, env, share)  # type: ignore[arg-type]
    started = [
        (flow, [n for n in names if not _present(env, n)])
        for flow, names in FLOWS.items()
        if any(_present(env, n) for n in names if n != DOMAIN)
    ]
    if not started:  # only SALESFORCE_DOMAIN
        missing = (USERNAME, PASSWORD, SECURITY_TOKEN)
        raise ConfigurationError(
            f"{DOMAIN} is set but no credentials are: set {', '.join(missing)}, or {CLIENT_ID} and "
            f"{CLIENT_SECRET}, or {INSTANCE_URL} and {ACCESS_TOKEN}",
            variables=missing,
        )
    missing_all = tuple(dict.fromkeys(n for _, names in started for n in names))
    described = "; or ".join(
        f"set {', '.join(missing)} for the {flow.replace('_', ' ')} login" for flow, missing in started
    )
    raise ConfigurationError(f"Salesforce is configured partially: {described}", variables=missing_all)


def sync_settings_from_env(env: Mapping[str, str] | None = None) -> SyncSettings:
    """The sync settings with `SALESFORCE_BACKOFF_SECONDS` applied (default: os.environ, read now)."""
    env = os.environ if env is None else env
    return sync_settings_from(backoff_seconds=env.get(BACKOFF_SECONDS))


def sync_settings_from(*, backoff_seconds: str | None = None) -> SyncSettings:
    """The sync settings with this value of `SALESFORCE_BACKOFF_SECONDS` (None: unset) applied."""
    defaults = SyncSettings()
    raw = backoff_seconds
    if raw is None or not raw.strip():
        return defaults
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not 0.0 < seconds <= defaults.backoff_max_seconds:
        raise ConfigurationError(
            f"{BACKOFF_SECONDS} must be a number of seconds in (0, {defaults.backoff_max_seconds:g}], the "
            f"scale of the waits between retries (default {defaults.backoff_initial_seconds:g}), got {raw!r}",
            variables=(BACKOFF_SECONDS,),
        )
    return SyncSettings(backoff_initial_seconds=seconds)


def _build(flow: AuthFlow, env: Mapping[str, str], share: float) -> SalesforceConfig:
    domain = _domain(env[DOMAIN]) if _present(env, DOMAIN) else DEFAULT_DOMAIN
    if flow == "token":
        return SalesforceConfig(
            auth="token",
            instance_url=_instance_url(env[INSTANCE_URL]),
            access_token=env[ACCESS_TOKEN].strip(),
            domain=domain,
            max_api_share=share,
        )
    if flow == "password":
        return SalesforceConfig(
            auth="password",
            username=env[USERNAME].strip(),
            password=env[PASSWORD],
            security_token=env[SECURITY_TOKEN].strip(),
            domain=domain,
            max_api_share=share,
        )
    if domain in ("login", "test"):
        raise ConfigurationError(
            f"{DOMAIN} must be the org's My Domain (e.g. 'acme.my') for the client-credentials login; "
            f"Salesforce does not serve it on '{domain}'",
            variables=(DOMAIN,),
        )
    return SalesforceConfig(
        auth="client_credentials",
        client_id=env[CLIENT_ID].strip(),
        client_secret=env[CLIENT_SECRET].strip(),
        domain=domain,
        max_api_share=share,
    )

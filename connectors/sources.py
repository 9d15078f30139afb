"""The configured CRMs, opened as streams; unconfigured ones are skipped with a message saying which
variables would enable them."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import requests

from connectors import hubspot, salesforce
from connectors.streams import Stream


@dataclass
class Sources:
    streams: list[Stream] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one message per CRM left out, and why


@contextmanager
def open_sources(
    env: Mapping[str, str] | None = None,
    *,
    salesforce_session: requests.Session | None = None,
    salesforce_settings: salesforce.SyncSettings | None = None,
) -> Iterator[Sources]:
    """`open_configured` with the CRMs `env` configures (default: os.environ, read now);
    `salesforce_settings` replace those the environment gives (SALESFORCE_BACKOFF_SECONDS)."""
    env = os.environ if env is None else env
    salesforce_config = salesforce.config_from_env(env)
    if salesforce_config is not None and salesforce_settings is None:
        salesforce_settings = salesforce.sync_settings_from_env(env)
    with open_configured(
        salesforce_config=salesforce_config,
        salesforce_settings=salesforce_settings,
        salesforce_session=salesforce_session,
        hubspot_config=hubspot.config_from_env(env),
    ) as sources:
        yield sources


@contextmanager
def open_configured(
    *,
    salesforce_config: salesforce.SalesforceConfig | None = None,
    salesforce_settings: salesforce.SyncSettings | None = None,
    salesforce_session: requests.Session | None = None,
    hubspot_config: hubspot.HubSpotConfig | None = None,
) -> Iterator[Sources]:
    """Log in to every CRM given a configuration (wrong credentials fail here, naming the variable to
    fix) and yield their streams; clients are closed on exit. A CRM without one is skipped.
    `salesforce_session` reaches a Salesforce that simple-salesforce's login hosts cannot (the
    sandbox)."""
    sources = Sources()
    with ExitStack() as stack:
        if salesforce_config is None:
            sources.skipped.append(salesforce.NOT_CONFIGURED)
        else:
            client = stack.enter_context(
                salesforce.connect(
                    salesforce_config, session=salesforce_session, settings=salesforce_settings
                )
            )
            sources.streams += salesforce.streams(client)
        if hubspot_config is None:
            sources.skipped.append(hubspot.NOT_CONFIGURED)
        else:
            sources.streams += hubspot.streams(hubspot_config)
        yield sources

"""The CRMs configured in the environment, opened as streams; unconfigured ones are skipped with a
message saying which variables would enable them."""

from __future__ import annotations

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
    """Log in to every configured CRM (wrong credentials fail here, naming the variable to fix) and
    yield their streams; clients are closed on exit. `salesforce_session` reaches a Salesforce that
    simple-salesforce's login hosts cannot (the sandbox); `salesforce_settings` replace those the
    environment gives (SALESFORCE_BACKOFF_SECONDS)."""
    sources = Sources()
    with ExitStack() as stack:
        sf_config = salesforce.config_from_env(env)
        if sf_config is None:
            sources.skipped.append(salesforce.NOT_CONFIGURED)
        else:
            settings = salesforce_settings or salesforce.sync_settings_from_env(env)
            client = stack.enter_context(
                salesforce.connect(sf_config, session=salesforce_session, settings=settings)
            )
            sources.streams += salesforce.streams(client)
        hs_config = hubspot.config_from_env(env)
        if hs_config is None:
            sources.skipped.append(hubspot.NOT_CONFIGURED)
        else:
            sources.streams += hubspot.streams(hs_config)
        yield sources

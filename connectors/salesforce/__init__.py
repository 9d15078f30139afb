"""Salesforce connector: calls, meetings, deals, deal history, stages and users, read window by
window into typed pages (see connectors.streams).

    config = config_from_env()              # None: Salesforce not configured, skip it
    with connect(config) as client:         # logs in; wrong credentials fail here
        for stream in streams(client):      # salesforce.user, .task, .event, .opportunity, ...
            for page in stream.pages(Window(start, end)):
                ...                         # page.rows (Arrow), page.rejects, page.api_calls

Modules: `specs` (the landing tables and what each stream reads), `settings` (API version, page
sizes, REST/Bulk switch, retries), `config` (environment variables), `client` (API calls and their
policy), `streams` (windows into pages), `mapping` (records into typed rows), `soql`, `errors`.
"""

from connectors.salesforce.client import SalesforceClient, connect
from connectors.salesforce.config import (
    NOT_CONFIGURED,
    SalesforceConfig,
    config_from,
    config_from_env,
    sync_settings_from,
    sync_settings_from_env,
)
from connectors.salesforce.errors import (
    ApiAllocationError,
    AuthenticationError,
    ConfigurationError,
    RequestError,
    RetriesExhausted,
    SalesforceError,
    SessionExpiredError,
)
from connectors.salesforce.settings import SyncSettings
from connectors.salesforce.specs import (
    EVENT,
    OPPORTUNITY,
    OPPORTUNITY_HISTORY,
    OPPORTUNITY_STAGE,
    SPECS,
    TASK,
    USER,
)
from connectors.salesforce.streams import SalesforceStream, stream, streams

__all__ = [
    "EVENT",
    "NOT_CONFIGURED",
    "OPPORTUNITY",
    "OPPORTUNITY_HISTORY",
    "OPPORTUNITY_STAGE",
    "SPECS",
    "TASK",
    "USER",
    "ApiAllocationError",
    "AuthenticationError",
    "ConfigurationError",
    "RequestError",
    "RetriesExhausted",
    "SalesforceClient",
    "SalesforceConfig",
    "SalesforceError",
    "SalesforceStream",
    "SessionExpiredError",
    "SyncSettings",
    "config_from",
    "config_from_env",
    "connect",
    "stream",
    "streams",
    "sync_settings_from",
    "sync_settings_from_env",
]

"""The HubSpot CRM connector: owners, deal pipelines, calls, meetings, deals (with their dealstage
history), contacts, e-mails and tasks, with their associations, read through hubspot-api-client into
typed pages.

    from connectors.hubspot import config_from_env, streams
    config = config_from_env()  # None when HUBSPOT_ACCESS_TOKEN is unset: skip HubSpot (NOT_CONFIGURED)
    for stream in streams(config):
        for page in stream.pages(Window(start, end)):
            ...  # page.spec, page.rows (Arrow), page.rejects, page.api_calls

Contents:
    settings   limits, page sizes, retry policy, the typed properties of each object
    config     HubSpotConfig and the environment variables (HUBSPOT_ACCESS_TOKEN, ...)
    client     HubSpotClient: typed queries, retries, rate limiting, request counting
    ratelimit  the client-side sliding-window rate limiter shared per token
    paging     reading a modification-time window through search without skipping records
    mapping    pure functions: HubSpot JSON -> typed rows / Rejects -> Arrow tables
    specs      the landing tables (StreamSpec)
    streams    the Stream objects
    errors     HubSpotError and its kinds
"""

from connectors.hubspot.client import HubSpotClient, create_client
from connectors.hubspot.config import HubSpotConfig, config_from, config_from_env
from connectors.hubspot.errors import (
    AuthenticationError,
    ConfigurationError,
    HubSpotError,
    RequestError,
    RetriesExhausted,
)
from connectors.hubspot.specs import (
    CALL_ASSOCIATIONS,
    CALLS,
    CONTACT_ASSOCIATIONS,
    CONTACTS,
    DEAL_ASSOCIATIONS,
    DEAL_PIPELINES,
    DEAL_STAGE_HISTORY,
    DEALS,
    EMAIL_ASSOCIATIONS,
    EMAILS,
    MEETING_ASSOCIATIONS,
    MEETINGS,
    OWNERS,
    TASK_ASSOCIATIONS,
    TASKS,
)
from connectors.hubspot.streams import CrmObjectStream, DealPipelinesStream, OwnersStream, streams

NOT_CONFIGURED = (
    "HubSpot skipped: HUBSPOT_ACCESS_TOKEN is not set. Set it to a private app's access token "
    "(and HUBSPOT_BASE_URL for a sandbox) to sync HubSpot."
)

__all__ = [
    "CALLS",
    "CALL_ASSOCIATIONS",
    "CONTACTS",
    "CONTACT_ASSOCIATIONS",
    "DEALS",
    "DEAL_ASSOCIATIONS",
    "DEAL_PIPELINES",
    "DEAL_STAGE_HISTORY",
    "EMAILS",
    "EMAIL_ASSOCIATIONS",
    "MEETINGS",
    "MEETING_ASSOCIATIONS",
    "NOT_CONFIGURED",
    "OWNERS",
    "TASKS",
    "TASK_ASSOCIATIONS",
    "AuthenticationError",
    "ConfigurationError",
    "CrmObjectStream",
    "DealPipelinesStream",
    "HubSpotClient",
    "HubSpotConfig",
    "HubSpotError",
    "OwnersStream",
    "RequestError",
    "RetriesExhausted",
    "config_from",
    "config_from_env",
    "create_client",
    "streams",
]

"""Dagster resources: the warehouse, the two CRMs and the reporting configuration.

Each resource's fields are the environment variables its library already reads (models.engine,
connectors.*.config, models.reporting), bound as `EnvVar`s by `resources_from_env`: Dagster resolves
them when a run starts, so values (secrets included) never enter the definitions, the UI or the logs.
A variable unset when the definitions load is left unbound (None): its library default applies, and a
CRM without credentials is skipped. The CRM resources pass their values to the connectors' typed
constructors (`config_from`) and open their CRM with connectors.sources.open_configured.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import ClassVar

import dagster as dg
import sqlalchemy as sa

from connectors import hubspot, salesforce
from connectors.hubspot import config as hubspot_config
from connectors.salesforce import config as salesforce_config
from connectors.sources import Sources, open_configured
from models import reporting
from models.engine import ENV_VAR as WAREHOUSE_VAR
from models.engine import LOAD_MEMORY_VAR, load_memory_limit, make_engine
from models.serving import config as serving_config


class EnvResource(dg.ConfigurableResource):
    """A resource whose fields stand for environment variables (VARIABLES: field → variable)."""

    VARIABLES: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None):
        """An instance with an EnvVar bound to every field whose variable is set in `env` now."""
        env = os.environ if env is None else env
        return cls(**{field: dg.EnvVar(var) for field, var in cls.VARIABLES.items() if var in env})

    def environment(self) -> dict[str, str]:
        """The resolved fields as the environment variables their library reads."""
        values = {var: getattr(self, field) for field, var in self.VARIABLES.items()}
        return {var: value for var, value in values.items() if value is not None}


class WarehouseResource(EnvResource):
    """The DuckDB warehouse: `location` is a file path or SQLAlchemy URL (BAROMETER_WAREHOUSE); unset,
    the project's data/warehouse.duckdb. `load_memory_limit` (BAROMETER_LOAD_MEMORY_LIMIT, default
    256MB) caps DuckDB's memory in the steps that load pages."""

    VARIABLES: ClassVar[Mapping[str, str]] = {"location": WAREHOUSE_VAR, "load_memory_limit": LOAD_MEMORY_VAR}
    location: str | None = None
    load_memory_limit: str | None = None

    @contextmanager
    def engine(self, *, loading: bool = False) -> Iterator[sa.Engine]:
        """An engine for one step, disposed after it: DuckDB lets one process hold the file at a time.
        A `loading` step (extraction) keeps DuckDB within the load memory limit; the others (SQL models,
        checks) keep DuckDB's default, which their large aggregations need."""
        limit = load_memory_limit(self.load_memory_limit) if loading else None
        engine = (
            make_engine(self.location, memory_limit=limit)
            if self.location
            else make_engine(memory_limit=limit)
        )
        try:
            yield engine
        finally:
            engine.dispose()


class CrmResource(EnvResource):
    """A CRM's credentials; `open_crm` logs in and hands out its streams."""

    SOURCE: ClassVar[str] = ""
    NOT_CONFIGURED: ClassVar[str] = ""

    @property
    def configured(self) -> bool:
        return self.crm_config() is not None

    def crm_config(self) -> object | None:
        """The connector's configuration from the fields, or None without credentials."""
        raise NotImplementedError

    def open_crm(self) -> AbstractContextManager[Sources]:
        """This CRM alone, opened (connectors.sources.open_configured)."""
        raise NotImplementedError


class SalesforceResource(CrmResource):
    """Salesforce credentials for one of the login flows of connectors.salesforce.config: access token,
    username + password + security token, or OAuth client credentials. A private CA (the sandbox's) is
    trusted through REQUESTS_CA_BUNDLE, as everywhere in `requests`."""

    SOURCE: ClassVar[str] = "salesforce"
    NOT_CONFIGURED: ClassVar[str] = salesforce.NOT_CONFIGURED
    VARIABLES: ClassVar[Mapping[str, str]] = salesforce_config.SETTINGS
    instance_url: str | None = None
    access_token: str | None = None
    username: str | None = None
    password: str | None = None
    security_token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    domain: str | None = None
    max_api_share: str | None = None
    backoff_seconds: str | None = None

    def crm_config(self) -> salesforce.SalesforceConfig | None:
        return salesforce.config_from(
            instance_url=self.instance_url,
            access_token=self.access_token,
            username=self.username,
            password=self.password,
            security_token=self.security_token,
            client_id=self.client_id,
            client_secret=self.client_secret,
            domain=self.domain,
            max_api_share=self.max_api_share,
        )

    def open_crm(self) -> AbstractContextManager[Sources]:
        config = self.crm_config()
        settings = salesforce.sync_settings_from(backoff_seconds=self.backoff_seconds) if config else None
        return open_configured(salesforce_config=config, salesforce_settings=settings)


class HubSpotResource(CrmResource):
    """HubSpot private-app credentials (connectors.hubspot.config)."""

    SOURCE: ClassVar[str] = "hubspot"
    NOT_CONFIGURED: ClassVar[str] = hubspot.NOT_CONFIGURED
    VARIABLES: ClassVar[Mapping[str, str]] = hubspot_config.SETTINGS
    access_token: str | None = None
    base_url: str | None = None
    requests_per_10s: str | None = None
    search_requests_per_second: str | None = None
    backoff_seconds: str | None = None

    def crm_config(self) -> hubspot.HubSpotConfig | None:
        return hubspot.config_from(
            access_token=self.access_token,
            base_url=self.base_url,
            requests_per_10s=self.requests_per_10s,
            search_requests_per_second=self.search_requests_per_second,
            backoff_seconds=self.backoff_seconds,
        )

    def open_crm(self) -> AbstractContextManager[Sources]:
        return open_configured(hubspot_config=self.crm_config())


class ReportingResource(EnvResource):
    """Reporting timezone, currency and FX rates, stage mapping per pipeline, call-disposition mapping
    and revenue targets (models.reporting: the BAROMETER_* variables, the optional TOML configuration
    file and the targets CSV)."""

    VARIABLES: ClassVar[Mapping[str, str]] = {
        "timezone": reporting.TIMEZONE_VAR,
        "currency": reporting.CURRENCY_VAR,
        "fx_rates": reporting.FX_RATES_VAR,
        "config_file": reporting.CONFIG_FILE_VAR,
        "targets_file": reporting.TARGETS_FILE_VAR,
    }
    timezone: str | None = None
    currency: str | None = None
    fx_rates: str | None = None
    config_file: str | None = None
    targets_file: str | None = None

    def reporting_config(self) -> reporting.ReportingConfig:
        return reporting.reporting_config_from_env(self.environment())


class PublishResource(EnvResource):
    """Where the marts are published for BI tools (models.serving.config): the folder of the read-only
    DuckDB snapshot and the Parquet files, an optional PostgreSQL URL (a secret) and its read-only role."""

    VARIABLES: ClassVar[Mapping[str, str]] = {
        "directory": serving_config.DIR_VAR,
        "url": serving_config.URL_VAR,
        "reader_role": serving_config.READER_ROLE_VAR,
    }
    directory: str | None = None
    url: str | None = None
    reader_role: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None):
        """As EnvResource.from_env, after checking the variables: a typo stops the definitions from
        loading with a message naming the variable, before any sync runs."""
        serving_config.check_env(os.environ if env is None else env)
        return super().from_env(env)

    def config_for(self, warehouse_location: str | None) -> serving_config.ServingConfig:
        """The settings, the default folder beside the warehouse at `warehouse_location`."""
        env = self.environment()
        if warehouse_location:
            env[WAREHOUSE_VAR] = warehouse_location
        return serving_config.serving_config_from_env(env)


CRM_RESOURCES: tuple[type[CrmResource], ...] = (SalesforceResource, HubSpotResource)


def resources_from_env(env: Mapping[str, str] | None = None) -> dict[str, dg.ConfigurableResource]:
    """Every resource the definitions need, keyed as the assets ask for them."""
    return {
        "warehouse": WarehouseResource.from_env(env),
        "reporting": ReportingResource.from_env(env),
        "publish": PublishResource.from_env(env),
        **{crm.SOURCE: crm.from_env(env) for crm in CRM_RESOURCES},
    }

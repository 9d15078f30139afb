"""Dagster's PostgreSQL storage with its connections pooled in every process that loads it: the daemon,
the webserver and each run worker the daemon launches (docs/deploy/dagster.*.yaml name it as
`storage: custom`).

Out of the box dagster-postgres opens a new connection, with its password handshake, for every storage
call except in the webserver, which asks it to pool (`optimize_for_webserver`): about 23 ms an event
here, some 15 s of a daily run's 641 events. This class is dagster-postgres's own storage, same
configuration (`postgres_db` or `postgres_url`), same tables, asking the same of it as the webserver
does (pipelines.dagster_storage.pool_connections). Needs the production extra (dagster-postgres); kept
apart from pipelines.dagster_storage so that a local install does not import it.
"""

from __future__ import annotations

from dagster_postgres import DagsterPostgresStorage, PostgresEventLogStorage
from dagster_postgres.utils import get_token_provider_from_config, pg_url_from_config

from pipelines.dagster_storage import SchemaLookedUpOnce, pool_connections


class SchemaLookedUpOncePostgresEventLogStorage(SchemaLookedUpOnce, PostgresEventLogStorage):
    """PostgresEventLogStorage that looks its tables and the asset-keys table's columns up once: out of
    the box, each asset event's tags cost a new connection (the pooled one is busy) to ask whether a
    table exists, 73 connections and 0.3 s of a daily run here, and each asset event a catalog query."""


class PooledPostgresStorage(DagsterPostgresStorage):
    """DagsterPostgresStorage whose run, event-log and schedule storages pool their connections, its
    event log looking its schema up once."""

    def __init__(self, postgres_url: str, should_autocreate_tables: bool = True, inst_data=None, **kwargs):
        super().__init__(postgres_url, should_autocreate_tables, inst_data, **kwargs)
        self._event_log_storage = SchemaLookedUpOncePostgresEventLogStorage(
            postgres_url, should_autocreate_tables, **kwargs
        )
        pool_connections([self.run_storage, self.event_log_storage, self.schedule_storage])

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> PooledPostgresStorage:
        return cls(
            inst_data=inst_data,
            postgres_url=pg_url_from_config(config_value),
            should_autocreate_tables=config_value.get("should_autocreate_tables", True),
            token_provider=get_token_provider_from_config(config_value),
        )

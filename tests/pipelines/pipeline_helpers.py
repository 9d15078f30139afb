"""Shared by the pipeline and reliability tests: the sandbox as environment variables, what the sandbox
and a warehouse hold (compared by record id, modification time and deletion), and the fixtures their
conftest.py files take from here."""

import functools
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import build_definitions
from pipelines.demo import CLEARED_PREFIXES, SANDBOX_VARIABLES, sandbox_reporting_toml
from pipelines.resources import ReportingResource, WarehouseResource
from pipelines.settings import PipelineSettings
from sandbox.sandbox import Sandbox

# raw table → sandbox query giving (id, modification time, is_deleted) the way the connectors land them
SANDBOX_TABLES = {
    "raw_salesforce.task": 'select "Id", "SystemModstamp", "IsDeleted" from salesforce."Task"',
    "raw_salesforce.event": 'select "Id", "SystemModstamp", "IsDeleted" from salesforce."Event"',
    "raw_salesforce.contact": 'select "Id", "SystemModstamp", "IsDeleted" from salesforce."Contact"',
    "raw_salesforce.lead": 'select "Id", "SystemModstamp", "IsDeleted" from salesforce."Lead"',
    "raw_salesforce.opportunity": 'select "Id", "SystemModstamp", "IsDeleted" from salesforce."Opportunity"',
    **{
        f"raw_hubspot.{name}": f"""select cast(id as varchar),
                                   case when archived then archived_at else hs_lastmodifieddate end, archived
                                   from hubspot."{name}" """
        for name in ("calls", "meetings", "deals")
    },
    **{
        f"raw_hubspot.{name}": f"""select cast(id as varchar),
                                   case when archived then archived_at else {modified} end, archived
                                   from hubspot."{name}" """
        for name, modified in (
            ("contacts", "lastmodifieddate"),
            ("emails", "hs_lastmodifieddate"),
            ("tasks", "hs_lastmodifieddate"),
        )
    },
}
WAREHOUSE_ID = {"raw_salesforce": '"Id"', "raw_hubspot": "cast(id as varchar)"}


def sandbox_variables(box: Sandbox, **extra: str) -> dict[str, str]:
    """The variables a user pointing Barometer at the sandbox sets (token flow), and `extra`."""
    credentials = box.credentials()
    return {name: credentials[name] for name in SANDBOX_VARIABLES} | extra


@contextmanager
def sandbox_environment(box: Sandbox, **extra: str) -> Iterator[None]:
    """os.environ as a user pointing Barometer at the sandbox would set it (restored on exit)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith(CLEARED_PREFIXES)]:
            patch.delenv(name)
        for name, value in sandbox_variables(box, **extra).items():
            patch.setenv(name, value)
        yield


def definitions_on(settings: PipelineSettings, warehouse, reporting_file) -> dg.Definitions:
    """The definitions as `dagster dev` builds them, on `warehouse` with the reporting config file."""
    return build_definitions(
        settings,
        resources={
            "warehouse": WarehouseResource(location=str(warehouse)),
            "reporting": ReportingResource(config_file=str(reporting_file)),
        },
    )


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def sandbox_state(box: Sandbox) -> dict[str, set[tuple]]:
    cur = box.store.cursor()
    return {
        table: {(r[0], _naive(r[1]), r[2]) for r in cur.execute(sql).fetchall()}
        for table, sql in SANDBOX_TABLES.items()
    }


def warehouse_state(path) -> dict[str, set[tuple]]:
    with duckdb.connect(str(path), read_only=True) as db:
        return {
            table: {
                (r[0], _naive(r[1]), r[2])
                for r in db.execute(
                    f"select {WAREHOUSE_ID[table.split('.')[0]]}, _source_updated_at, _is_deleted "
                    f"from {table}"
                ).fetchall()
            }
            for table in SANDBOX_TABLES
        }


def expected_core_counts(box: Sandbox) -> dict[str, int]:
    """Rows each core table must hold for the org the sandbox generated (docs/metrics.md, core tables)."""
    cur = box.store.cursor()
    reps = cur.execute(
        """select count(distinct rep) from (
               select coalesce(nullif(lower(trim("Email")), ''), 'salesforce:' || "Id") as rep
               from salesforce."User"
               union all
               select coalesce(nullif(lower(trim(email)), ''), 'hubspot:' || id) from hubspot.owners)"""
    ).fetchone()[0]
    counts = box.summary.counts
    return {
        "core.reps": reps,
        # every Salesforce Task subtype the sandbox makes (Call, Email, ListEmail, Task) is an activity
        "core.activities": sum(
            counts[table]
            for table in (
                "salesforce.Task",
                "salesforce.Event",
                "hubspot.calls",
                "hubspot.meetings",
                "hubspot.emails",
                "hubspot.tasks",
            )
        ),
        "core.deals": box.summary.deals,
        "core.contacts": counts["salesforce.Contact"]
        + counts["salesforce.Lead"]
        + counts["hubspot.contacts"],
    }


def table_counts(path, tables) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as db:
        return {table: db.execute(f"select count(*) from {table}").fetchone()[0] for table in tables}


@pytest.fixture(scope="module")
def instance():
    """A Dagster instance in memory, for one module's runs."""
    with dg.DagsterInstance.ephemeral() as dagster_instance:
        yield dagster_instance


@pytest.fixture(scope="module")
def reporting_file(tmp_path_factory):
    """The demo's reporting configuration for the sandbox org (its custom stages and EUR rate)."""
    path = tmp_path_factory.mktemp("config") / "reporting.toml"
    path.write_text(sandbox_reporting_toml(), encoding="utf-8")
    return path


def column_schema(db: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """(column_name, data_type, comment) of each column of `table` (`schema.name`), in order."""
    schema, name = table.split(".")
    return db.execute(
        "select column_name, data_type, comment from duckdb_columns() where schema_name = ? "
        "and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()


# -- prospects' personal data --------------------------------------------------------------------------


def prospect_personal_data(box: Sandbox) -> frozenset[str]:
    """Every prospect e-mail address, phone number and full name the sandbox made: Salesforce contacts
    and leads, HubSpot contacts, and the prospect's address on each HubSpot e-mail. Left out: a name
    a rep also has, and one a deal is named after (deal data, which core carries)."""
    cur = box.store.cursor()
    reps = {
        " ".join(filter(None, row))
        for row in cur.execute(
            'SELECT "firstName", "lastName" FROM hubspot.owners '
            'UNION ALL SELECT "FirstName", "LastName" FROM salesforce."User"'
        ).fetchall()
    }
    deal_names = "\n".join(
        name
        for (name,) in cur.execute(
            'SELECT dealname FROM hubspot."deals" UNION ALL SELECT "Name" FROM salesforce."Opportunity"'
        ).fetchall()
        if name
    )
    people = cur.execute(
        """SELECT email, phone, firstname || ' ' || lastname FROM hubspot."contacts"
           UNION ALL SELECT "Email", "Phone", "FirstName" || ' ' || "LastName" FROM salesforce."Contact"
           UNION ALL SELECT "Email", "Phone", "FirstName" || ' ' || "LastName" FROM salesforce."Lead"
           UNION ALL SELECT CASE WHEN hs_email_direction = 'INCOMING_EMAIL' THEN hs_email_from_email
                                 ELSE hs_email_to_email END, NULL, NULL
           FROM hubspot."emails" """
    )
    values = {v for row in people.fetchall() for v in row if v}
    return frozenset(v for v in values - reps if v not in deal_names)


def leaked(text: str, personal: frozenset[str]) -> list[str]:
    """Personal values found in `text` (a few, sorted, for the failure message); empty when none is."""
    return sorted({match.group(0) for match in _any_of(personal).finditer(text)})[:5]


@functools.lru_cache(maxsize=4)
def _any_of(values: frozenset[str]) -> re.Pattern[str]:
    """One pattern matching any of `values`, as a trie (a shared prefix is tried once): thousands of
    values over megabytes of text in a fraction of a second, where a `value in text` per value takes
    seconds. It finds a value wherever one occurs (some value at the first place any starts)."""
    trie: dict = {}
    for value in values:
        node = trie
        for char in value:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return re.compile(pattern(trie))


class LogCollector(logging.Handler):
    """Every log record (of `level` and up) of every logger while in use: `with LogCollector() as logs:`."""

    def __init__(self, level: int = logging.DEBUG) -> None:
        super().__init__(level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def text(self) -> str:
        return "\n".join(self.messages)

    def __enter__(self) -> "LogCollector":
        root = logging.getLogger()
        self._previous = root.level
        root.addHandler(self)
        root.setLevel(self.level)
        return self

    def __exit__(self, *exc: object) -> None:
        root = logging.getLogger()
        root.removeHandler(self)
        root.setLevel(self._previous)


def dagster_text(instance: dg.DagsterInstance) -> str:
    """Every run's tags and config and every event of its event log (check metadata included), as text."""
    parts = []
    for run in instance.get_runs():
        parts += [repr(run.tags), repr(run.run_config)]
        parts += [repr(entry) for entry in instance.all_logs(run.run_id)]
    return "\n".join(parts)

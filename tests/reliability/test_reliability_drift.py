"""Schema drift: between two syncs of the whole pipeline an admin adds a field, removes one the
connectors land as a typed column, and renames one (removed + added), in both CRMs, through the
sandbox's describe / properties. The second sync still succeeds: a new field lands in `_raw`, a
removed one is no longer asked for (Salesforce refuses SOQL naming it) and its column stays NULL for
the records read since, with a warning naming it; nothing else changes.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import duckdb
import pytest
from pipeline_helpers import sandbox_environment

from connectors.hubspot.settings import CRM_OBJECTS
from connectors.hubspot.specs import crm_object_spec
from connectors.salesforce.specs import EXTRACTIONS
from pipelines.definitions import build_definitions
from pipelines.demo import sandbox_reporting_toml
from pipelines.resources import ReportingResource, WarehouseResource
from pipelines.runs import RunOutcome, catch_up
from pipelines.settings import PipelineSettings
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

MIDNIGHT = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
ORG = OrgConfig(seed=29, reps=6, teams=2, days=40, end=MIDNIGHT - timedelta(days=1), activities=1_500)
SETTINGS = PipelineSettings(start_date=(MIDNIGHT - timedelta(days=3)).date())
CHANGED = 5  # records of each object modified after the drift, so the second sync reads them again
# A field added to every object of both stream catalogues (each record-level stream's object), given a
# value on the touched records: it must land in `_raw` for every stream, the newest included.
PROBE_FIELD, PROBE_PROPERTY, PROBE_VALUE = "Drift_Probe__c", "drift_probe", "probe"
# landing table -> (store table, id column, live-record filter, modification column)
PROBED = {
    **{
        e.spec.table_name: (
            f'salesforce."{e.sobject}"',
            '"Id"',
            'not "IsDeleted"' if e.has_is_deleted else "true",
            '"SystemModstamp"',
        )
        for e in EXTRACTIONS
    },
    **{
        crm_object_spec(obj).table_name: (
            f'hubspot."{obj.object_type}"',
            "id",
            "not archived",
            obj.modified_property,
        )
        for obj in CRM_OBJECTS
    },
}

# The changes named by hand (removed and renamed fields, and values for them), with the records they
# touch: (store table, id column, live-record filter, modification column, SET clause).
TOUCHED = {
    "raw_salesforce.task": (
        'salesforce."Task"',
        '"Id"',
        """"TaskSubtype" = 'Call' and not "IsDeleted\"""",
        '"SystemModstamp"',
        '"Drift_Score__c" = 4.5',
    ),
    "raw_salesforce.opportunity": (
        'salesforce."Opportunity"',
        '"Id"',
        'not "IsDeleted"',
        '"SystemModstamp"',
        "\"Forecast_Category__c\" = 'Pipeline'",
    ),
    "raw_hubspot.calls": ("hubspot.calls", "id", "not archived", "hs_lastmodifieddate", "drift_score = 7"),
    "raw_hubspot.deals": (
        "hubspot.deals",
        "id",
        "not archived",
        "hs_lastmodifieddate",
        "deal_kind = 'newbusiness'",
    ),
    "raw_hubspot.contacts": (
        "hubspot.contacts",
        "id",
        "not archived",
        "lastmodifieddate",
        "jobtitle = 'CTO'",
    ),
    "raw_hubspot.emails": (
        "hubspot.emails",
        "id",
        "not archived",
        "hs_lastmodifieddate",
        "hs_email_text = 'Hi'",
    ),
    "raw_hubspot.tasks": (
        "hubspot.tasks",
        "id",
        "not archived",
        "hs_lastmodifieddate",
        "drift_queue = 'Renewals'",
    ),
    "raw_salesforce.contact": (
        'salesforce."Contact"',
        '"Id"',
        'not "IsDeleted" and "Title" is not null',
        '"SystemModstamp"',
        "\"Title\" = 'VP Sales'",
    ),
    "raw_salesforce.lead": (
        'salesforce."Lead"',
        '"Id"',
        'not "IsDeleted"',
        '"SystemModstamp"',
        "\"Lead_Source_Detail__c\" = 'Webinar'",
    ),
}
# Task e-mails (the subtypes the Task stream reads since issue #13) are probed, calls are TOUCHED.
PROBE_FILTER = {"raw_salesforce.task": """"TaskSubtype" in ('Email', 'ListEmail') and not "IsDeleted\""""}


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class Drift:
    warehouse: str
    before: RunOutcome
    after: RunOutcome
    touched: dict[str, list[str]]  # landing table -> ids of the records modified after the drift
    probed: dict[str, list[str]]  # landing table -> ids of the records given the probe field's value
    warnings: list[str]


def drift_the_schemas(box: Sandbox) -> None:
    salesforce, hubspot = box.salesforce_app.catalog, box.hubspot_app.catalog
    for e in EXTRACTIONS:
        salesforce.add_field(e.sobject, PROBE_FIELD, "string", "Drift probe")
    for obj in CRM_OBJECTS:
        hubspot.add_property(obj.object_type, PROBE_PROPERTY, "string", "Drift probe")
    salesforce.remove_field("Contact", "Title")  # removed: a typed column core reads (seniority)
    salesforce.remove_field("Lead", "Phone")  # removed: a personal-data column ...
    salesforce.add_field("Lead", "Lead_Source_Detail__c", "string", "Lead source detail")  # ... and added
    salesforce.add_field("Task", "Drift_Score__c", "double", "Drift score")  # added
    salesforce.remove_field("Task", "CallDisposition")  # removed (a typed column of raw_salesforce.task)
    salesforce.remove_field("Opportunity", "ForecastCategoryName")  # renamed ...
    salesforce.add_field(
        "Opportunity", "Forecast_Category__c", "picklist", "Forecast category"
    )  # ... to this
    hubspot.add_property("calls", "drift_score", "number", "Drift score")
    hubspot.remove_property("calls", "hs_call_disposition")
    hubspot.remove_property("deals", "dealtype")
    hubspot.add_property("deals", "deal_kind", "enumeration", "Deal kind")
    hubspot.remove_property("contacts", "lifecyclestage")
    hubspot.remove_property("emails", "hs_email_status")
    hubspot.add_property("tasks", "drift_queue", "string", "Queue")


def touch_records(box: Sandbox) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """CHANGED live records of each object get values for the new fields and a modification time of a
    minute ago (after everything the first sync read): the TOUCHED ones (by table), then the probed
    ones (by table; every object)."""
    moment = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(minutes=1)
    touched, probed = {}, {}
    with box.store.write() as cur:

        def touch(store: str, key: str, live: str, modified: str, assign: str) -> list[str]:
            ids = [
                r[0]
                for r in cur.execute(
                    f"select {key} from {store} where {live} order by {key} limit {CHANGED}"
                ).fetchall()
            ]
            cur.execute(
                f"update {store} set {assign}, {modified} = ? where {key} in (select unnest(?))",
                [moment, ids],
            )
            return [str(i) for i in ids]

        for table, (store, key, live, modified, assign) in TOUCHED.items():
            touched[table] = touch(store, key, live, modified, assign)
        for table, (store, key, live, modified) in PROBED.items():
            probe = f'"{PROBE_FIELD}"' if table.startswith("raw_salesforce") else PROBE_PROPERTY
            where = PROBE_FILTER.get(table, live)
            assign = f"{probe} = '{PROBE_VALUE}'"
            probed[table] = touch(store, key, f"{where} and {probe} is null", modified, assign)
    return touched, probed


@pytest.fixture(scope="module")
def drift(tmp_path_factory) -> Drift:
    folder = tmp_path_factory.mktemp("drift")
    reporting = folder / "reporting.toml"
    reporting.write_text(sandbox_reporting_toml(), encoding="utf-8")
    resources = {
        "warehouse": WarehouseResource(location=str(folder / "warehouse.duckdb")),
        "reporting": ReportingResource(config_file=str(reporting)),
    }
    warnings = _Warnings()
    with Sandbox(SandboxConfig(org=ORG)) as box, dg.DagsterInstance.ephemeral() as instance:
        with sandbox_environment(box):  # resources read the environment when the definitions are built
            defs = build_definitions(SETTINGS, resources=resources)
            before = catch_up(defs, instance=instance)
        drift_the_schemas(box)
        touched, probed = touch_records(box)
        logging.getLogger("connectors").addHandler(warnings)
        try:
            with sandbox_environment(box):
                after = catch_up(defs, instance=instance)
        finally:
            logging.getLogger("connectors").removeHandler(warnings)
    return Drift(str(folder / "warehouse.duckdb"), before, after, touched, probed, warnings.messages)


def query(drift: Drift, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(drift.warehouse, read_only=True) as db:
        return db.execute(sql, params or []).fetchall()


def values(drift: Drift, table: str, expression: str, *, probed: bool = False) -> dict[str, object]:
    """`expression` for the records touched (or probed) after the drift, by id."""
    key = '"Id"' if table.startswith("raw_salesforce") else "cast(id as varchar)"
    rows = query(
        drift,
        f"select {key}, {expression} from {table} where {key} in (select unnest($1))",
        [(drift.probed if probed else drift.touched)[table]],
    )
    return dict(rows)


def test_both_syncs_succeed(drift):
    assert drift.before.success, drift.before.failures
    assert drift.after.success, drift.after.failures
    assert [a for a, m in drift.after.metadata.items() if "skipped" in m] == []
    assert [c for c in drift.after.checks if not c.passed and c.severity == "ERROR"] == []


def test_an_added_field_lands_in_raw(drift):
    assert set(values(drift, "raw_salesforce.task", "_raw->>'Drift_Score__c'").values()) == {"4.5"}
    assert set(values(drift, "raw_hubspot.calls", "_raw->'properties'->>'drift_score'").values()) == {"7"}


def test_a_removed_field_lands_null_from_then_on_and_is_reported(drift):
    assert set(values(drift, "raw_salesforce.task", '"CallDisposition"').values()) == {None}
    assert set(values(drift, "raw_hubspot.calls", "hs_call_disposition").values()) == {None}
    # records not read again keep the value they were loaded with
    [(kept,)] = query(drift, 'select count("CallDisposition") from raw_salesforce.task')
    assert kept > 0
    assert any("describe lists no CallDisposition; those columns stay NULL" in m for m in drift.warnings)
    assert any("hubspot.calls: the portal has no property hs_call_disposition" in m for m in drift.warnings)


def test_a_renamed_field_is_a_removed_one_plus_an_added_one(drift):
    opportunities = values(
        drift, "raw_salesforce.opportunity", "[ForecastCategoryName, _raw->>'Forecast_Category__c']"
    )
    assert set(map(tuple, opportunities.values())) == {(None, "Pipeline")}
    deals = values(drift, "raw_hubspot.deals", "[dealtype, _raw->'properties'->>'deal_kind']")
    assert set(map(tuple, deals.values())) == {(None, "newbusiness")}
    assert any("describe lists no ForecastCategoryName" in m for m in drift.warnings)
    assert any("hubspot.deals: the portal has no property dealtype" in m for m in drift.warnings)


def test_contacts_emails_and_tasks_drift_like_the_other_objects(drift):
    contacts = values(drift, "raw_hubspot.contacts", "[lifecyclestage, jobtitle]")
    assert set(map(tuple, contacts.values())) == {(None, "CTO")}
    assert set(values(drift, "raw_hubspot.emails", "hs_email_status").values()) == {None}
    assert set(values(drift, "raw_hubspot.tasks", "_raw->'properties'->>'drift_queue'").values()) == {
        "Renewals"
    }
    for stream, prop in (("contacts", "lifecyclestage"), ("emails", "hs_email_status")):
        assert any(f"hubspot.{stream}: the portal has no property {prop}" in m for m in drift.warnings)


def test_a_field_added_to_every_object_lands_in_raw_for_every_stream(drift):
    found = {}
    with duckdb.connect(drift.warehouse, read_only=True) as db:  # one connection for every table
        for table, ids in drift.probed.items():
            salesforce = table.startswith("raw_salesforce")
            key = '"Id"' if salesforce else "cast(id as varchar)"
            probe = f"_raw->>'{PROBE_FIELD}'" if salesforce else f"_raw->'properties'->>'{PROBE_PROPERTY}'"
            rows = db.execute(f"select {key}, {probe} from {table} where {key} in (select unnest($1))", [ids])
            found[table] = dict(rows.fetchall())
    assert found == {t: dict.fromkeys(ids, PROBE_VALUE) for t, ids in drift.probed.items()}
    assert {len(ids) for ids in drift.probed.values()} == {CHANGED}
    subtypes = values(drift, "raw_salesforce.task", '"TaskSubtype"', probed=True)
    assert set(subtypes.values()) <= {"Email", "ListEmail"}


def test_salesforce_contacts_and_leads_drift_like_the_other_objects(drift):
    assert set(values(drift, "raw_salesforce.contact", '"Title"').values()) == {None}  # removed
    assert any("salesforce Contact" in m and "describe lists no Title" in m for m in drift.warnings)
    leads = values(drift, "raw_salesforce.lead", "[\"Phone\", _raw->>'Lead_Source_Detail__c']")
    assert set(map(tuple, leads.values())) == {(None, "Webinar")}
    assert any("salesforce Lead" in m and "describe lists no Phone" in m for m in drift.warnings)
    [(kept,)] = query(drift, 'select count("Title") from raw_salesforce.contact')
    assert kept > 0  # contacts not read again keep their title


def test_the_second_sync_read_the_changed_records_and_the_tables_kept_their_columns(drift):
    for table, ids in drift.touched.items():
        assert len(ids) == CHANGED
        metadata = drift.after.metadata[table.replace(".", "/")]
        assert metadata["loaded"] >= CHANGED, table  # read again (with the overlap, maybe a few more)
        assert metadata["rejected"] == 0, table
    columns = {(t, c) for t, c in query(drift, "select table_name, column_name from duckdb_columns()")}
    assert {
        ("task", "CallDisposition"),
        ("opportunity", "ForecastCategoryName"),
        ("calls", "hs_call_disposition"),
        ("deals", "dealtype"),
    } <= columns

"""The peer: dlt's REST API source loading the sandbox's Salesforce and HubSpot endpoints into DuckDB,
configured the way a dlt user would for these APIs (dlt 1.31, `dlt.sources.rest_api`).

- Salesforce: the REST query endpoint (`queryAll` for objects with IsDeleted, `query` for the others)
  with a SOQL query per object selecting the same fields Barometer selects, `nextRecordsUrl`
  pagination (2,000 records a page, Salesforce's maximum), incremental on SystemModstamp (the SOQL
  lower bound is `{incremental.start_value}`), Bearer token auth, merge on Id.
- HubSpot: the CRM v3 objects list (100 a page, HubSpot's maximum; 50 with `propertiesWithHistory`)
  with the `after` cursor, the same properties Barometer reads, associations in the same request and,
  for deals, the dealstage history; incremental on updatedAt, merge on id; archived records from the
  same endpoint with `archived=true` into the same table. The search endpoint is not usable for a
  full sync: it pages by offset and stops at 10,000 results.
- Owners (active and archived) and the deal pipelines with their stages, merge on id.

The field and property lists are written into the configuration before the run, as a user writes
them once; reading them (describe, properties) is not part of the measured run.

DuckDB's memory limit in dlt's destination is set (as Barometer's loads are capped by
BAROMETER_LOAD_MEMORY_LIMIT) since a dlt run of the 1,000,000-activity org was killed by the kernel at
20 GB on the 24 GB machine (2026-12-03). It did not lower dlt's peak: the next run still reached 20.7 GB,
so that memory is dlt's own, not DuckDB's (not investigated further).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

API_VERSION = "59.0"
DUCKDB_MEMORY_LIMIT = "2GB"  # DuckDB's global memory_limit in dlt's destination (see above)
SKIPPED_FIELD_TYPES = {"address", "location", "base64", "complexvalue"}
# Barometer stream → (dlt dataset, table) holding the same records.
TABLES = {
    "salesforce.user": ("salesforce", "user"),
    "salesforce.task": ("salesforce", "task"),
    "salesforce.event": ("salesforce", "event"),
    "salesforce.contact": ("salesforce", "contact"),
    "salesforce.lead": ("salesforce", "lead"),
    "salesforce.opportunity": ("salesforce", "opportunity"),
    "salesforce.opportunity_history": ("salesforce", "opportunity_history"),
    "salesforce.opportunity_stage": ("salesforce", "opportunity_stage"),
    "hubspot.owners": ("hubspot", "owners"),
    "hubspot.deal_pipelines": ("hubspot", "deal_pipelines__stages"),
    "hubspot.calls": ("hubspot", "calls"),
    "hubspot.meetings": ("hubspot", "meetings"),
    "hubspot.deals": ("hubspot", "deals"),
    "hubspot.contacts": ("hubspot", "contacts"),
    "hubspot.emails": ("hubspot", "emails"),
    "hubspot.tasks": ("hubspot", "tasks"),
}
# (resource name, sobject, endpoint, fixed condition)
SALESFORCE_OBJECTS = (
    ("user", "User", "query", None),
    ("task", "Task", "queryAll", None),
    ("event", "Event", "queryAll", None),
    ("contact", "Contact", "queryAll", None),
    ("lead", "Lead", "queryAll", None),
    ("opportunity", "Opportunity", "queryAll", None),
    ("opportunity_history", "OpportunityHistory", "queryAll", None),
    ("opportunity_stage", "OpportunityStage", "query", None),
)
HUBSPOT_OBJECTS = {
    "calls": ("companies", "contacts", "deals"),
    "meetings": ("companies", "contacts", "deals"),
    "deals": ("companies", "contacts"),
    "contacts": ("companies",),
    "emails": ("companies", "contacts", "deals"),
    "tasks": ("companies", "contacts", "deals"),
}
AFTER_CURSOR = {"type": "cursor", "cursor_path": "paging.next.after", "cursor_param": "after"}


def salesforce_fields(credentials: Mapping[str, str]) -> dict[str, list[str]]:
    """Every selectable field of each object (what Barometer's describe-driven SOQL selects)."""
    base = f"{credentials['SALESFORCE_INSTANCE_URL']}/services/data/v{API_VERSION}"
    headers = {"Authorization": f"Bearer {credentials['SALESFORCE_ACCESS_TOKEN']}"}
    fields = {}
    with requests.Session() as session:
        session.verify = credentials["REQUESTS_CA_BUNDLE"]
        for _, sobject, _, _ in SALESFORCE_OBJECTS:
            answer = session.get(f"{base}/sobjects/{sobject}/describe", headers=headers, timeout=60)
            answer.raise_for_status()
            fields[sobject] = [
                f["name"]
                for f in answer.json()["fields"]
                if f.get("type") not in SKIPPED_FIELD_TYPES and not f.get("deprecatedAndHidden", False)
            ]
    return fields


def hubspot_properties(credentials: Mapping[str, str]) -> dict[str, list[str]]:
    """Every property of each CRM object (what Barometer's streams request)."""
    headers = {"Authorization": f"Bearer {credentials['HUBSPOT_ACCESS_TOKEN']}"}
    properties = {}
    for object_type in HUBSPOT_OBJECTS:
        answer = requests.get(
            f"{credentials['HUBSPOT_BASE_URL']}/crm/v3/properties/{object_type}", headers=headers, timeout=60
        )
        answer.raise_for_status()
        properties[object_type] = [p["name"] for p in answer.json()["results"]]
    return properties


def soql_datetime(value: str) -> str:
    """A SystemModstamp as the API returns it (2026-03-02T14:03:00.123+0000) as a SOQL literal."""
    return value.replace("+0000", "Z")


def salesforce_config(credentials: Mapping[str, str], fields: Mapping[str, list[str]]) -> dict[str, Any]:
    resources = []
    for name, sobject, endpoint, condition in SALESFORCE_OBJECTS:
        where = " AND ".join(
            [*([condition] if condition else []), "SystemModstamp >= {incremental.start_value}"]
        )
        soql = f"SELECT {', '.join(fields[sobject])} FROM {sobject} WHERE {where} ORDER BY SystemModstamp ASC"
        resources.append(
            {
                "name": name,
                "endpoint": {
                    "path": endpoint,
                    "params": {"q": soql},
                    "data_selector": "records",
                    "paginator": {"type": "json_link", "next_url_path": "nextRecordsUrl"},
                    "incremental": {
                        "cursor_path": "SystemModstamp",
                        "initial_value": "2000-01-01T00:00:00.000+0000",
                        "convert": soql_datetime,
                    },
                },
            }
        )
    return {
        "client": {
            "base_url": f"{credentials['SALESFORCE_INSTANCE_URL']}/services/data/v{API_VERSION}/",
            "auth": {"type": "bearer", "token": credentials["SALESFORCE_ACCESS_TOKEN"]},
        },
        "resource_defaults": {"primary_key": "Id", "write_disposition": "merge"},
        "resources": resources,
    }


def hubspot_config(credentials: Mapping[str, str], properties: Mapping[str, list[str]]) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for archived in (False, True):
        resources.append(
            {
                "name": "owners_archived" if archived else "owners",
                "table_name": "owners",
                "endpoint": {
                    "path": "crm/v3/owners/",
                    "params": {"limit": 500, "archived": str(archived).lower()},
                    "data_selector": "results",
                    "paginator": AFTER_CURSOR,
                },
            }
        )
    resources.append(
        {
            "name": "deal_pipelines",
            "endpoint": {
                "path": "crm/v3/pipelines/deals",
                "data_selector": "results",
                "paginator": "single_page",
            },
        }
    )
    for object_type, associations in HUBSPOT_OBJECTS.items():
        params: dict[str, Any] = {
            "limit": 100,
            "properties": ",".join(properties[object_type]),
            "associations": ",".join(associations),
        }
        if object_type == "deals":
            params |= {"limit": 50, "propertiesWithHistory": "dealstage"}
        for archived in (False, True):
            resources.append(
                {
                    "name": f"{object_type}_archived" if archived else object_type,
                    "table_name": object_type,
                    "endpoint": {
                        "path": f"crm/v3/objects/{object_type}",
                        "params": params | {"archived": str(archived).lower()},
                        "data_selector": "results",
                        "paginator": AFTER_CURSOR,
                        "incremental": {
                            "cursor_path": "updatedAt",
                            "initial_value": "2000-01-01T00:00:00.000Z",
                        },
                    },
                }
            )
    return {
        "client": {
            "base_url": f"{credentials['HUBSPOT_BASE_URL']}/",
            "auth": {"type": "bearer", "token": credentials["HUBSPOT_ACCESS_TOKEN"]},
        },
        "resource_defaults": {"primary_key": "id", "write_disposition": "merge"},
        "resources": resources,
    }

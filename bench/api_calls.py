"""API calls of a sync against the fewest the APIs' page sizes allow, per stream, from the sandbox's
request log (calls per endpoint, read after each stream).

Every endpoint falls in one of three kinds:

- record calls: the requests that return the stream's own records. Their minimum is
  ceil(records / largest page of the endpoint): Salesforce REST query 2,000, Bulk API 2.0 results
  50,000 (the maxRecords Barometer asks for; the API documents no maximum), HubSpot search 200 and,
  for archived records (which search never returns), the objects list 100 (50 with
  propertiesWithHistory); owners 500 a page, one listing of active and one of archived owners; all
  deal pipelines in one call.
- child calls, per record: HubSpot associations (1,000 parents a call, one call per target type) and
  the dealstage history of deals (batch read, 50 deals a call). Their minimum follows the same rule.
- fixed calls, per run or per stream whatever the number of records: logins, the limits call,
  describe, HubSpot's property list, and a Bulk 2.0 job's create and status polls. When a window is
  read with Bulk, its first REST page (which tells the window's size and carries 2,000 records) is
  fixed too: the Bulk pages then carry the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from connectors.hubspot import settings as hubspot
from connectors.salesforce import SyncSettings

SALESFORCE = SyncSettings()
REST_PAGES = ("salesforce.query", "salesforce.query_all", "salesforce.query_more")
FIXED = {
    "salesforce.login.soap": "login",
    "salesforce.login.oauth": "login",
    "salesforce.limits": "API allocation (once per run)",
    "salesforce.describe": "describe (once per object)",
    "salesforce.bulk2.create": "Bulk 2.0 job create",
    "salesforce.bulk2.status": "Bulk 2.0 job status polls",
    "hubspot.properties.list": "property list (once per object)",
}
HUBSPOT_OBJECTS = {f"hubspot.{obj.object_type}": obj for obj in hubspot.CRM_OBJECTS}


def itemise(stream: str, records: int, endpoints: Mapping[str, int], *, archived: int = 0) -> dict[str, Any]:
    """Calls of one stream by kind, against the minimum for `records` (of which `archived` are
    archived HubSpot records, which only the list endpoint returns)."""
    calls = dict(endpoints)
    fixed = {FIXED[name]: calls.pop(name) for name in list(calls) if name in FIXED}
    child: dict[str, int] = {}
    child_minimum = 0
    if stream.startswith("salesforce."):
        rest = sum(calls.pop(name, 0) for name in REST_PAGES)
        bulk = calls.pop("salesforce.bulk2.results", 0)
        if bulk:
            fixed["first REST page (sizes the window)"] = rest
            record_calls, minimum = bulk, math.ceil(records / SALESFORCE.bulk_max_records)
        else:
            record_calls, minimum = rest, math.ceil(records / SALESFORCE.rest_batch_size)
    elif stream == "hubspot.owners":
        record_calls = calls.pop("hubspot.owners.list", 0)
        minimum = 2 * max(1, math.ceil(records / hubspot.OWNERS_PAGE_SIZE))  # active, then archived
    elif stream == "hubspot.deal_pipelines":
        record_calls, minimum = calls.pop("hubspot.pipelines.list", 0), 1
    elif stream in HUBSPOT_OBJECTS:
        obj = HUBSPOT_OBJECTS[stream]
        list_page = hubspot.HISTORY_BATCH_SIZE if obj.history_property else hubspot.LIST_PAGE_SIZE
        searched = calls.pop("hubspot.objects.search", 0)
        listed = calls.pop("hubspot.objects.list", 0)
        batch = calls.pop("hubspot.objects.batch_read", 0)
        parents = math.ceil(records / hubspot.ASSOCIATIONS_BATCH_SIZE)
        child["associations"] = calls.pop("hubspot.associations.batch_read", 0)
        child_minimum = len(obj.associations) * parents
        if obj.history_property:  # history batch reads of live deals; archived deals' come with them
            history = math.ceil((records - archived) / hubspot.HISTORY_BATCH_SIZE)
            child["dealstage history"] = min(batch, history)
            batch -= child["dealstage history"]
            child_minimum += history
        record_calls = searched + listed + batch
        minimum = math.ceil((records - archived) / hubspot.SEARCH_PAGE_SIZE) + math.ceil(archived / list_page)
    else:
        raise ValueError(f"no call budget for stream {stream!r}; add it to bench/api_calls.py")
    minimum = max(minimum, 1)  # even an empty window costs a call
    return {
        "records": records,
        "record_calls": record_calls,
        "minimum": minimum,
        "over_minimum": round(record_calls / minimum - 1, 4),
        "child_calls": child,
        "child_minimum": child_minimum,
        "fixed_calls": fixed,
        "unexpected_calls": calls,  # endpoints this budget does not know: should stay empty
        "total": sum(endpoints.values()),
    }


def summarise(items: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Totals over streams and the goal: record calls within 5 % of the minimum."""
    record_calls = sum(i["record_calls"] for i in items.values())
    minimum = sum(i["minimum"] for i in items.values())
    child = sum(sum(i["child_calls"].values()) for i in items.values())
    child_minimum = sum(i["child_minimum"] for i in items.values())
    fixed: dict[str, int] = {}
    for item in items.values():
        for name, count in item["fixed_calls"].items():
            fixed[name] = fixed.get(name, 0) + count
    worst = max(items, key=lambda s: items[s]["over_minimum"])
    return {
        "record_calls": record_calls,
        "minimum": minimum,
        "over_minimum": round(record_calls / minimum - 1, 4),
        "child_calls": child,
        "child_minimum": child_minimum,
        "child_over_minimum": round(child / child_minimum - 1, 4) if child_minimum else None,
        "fixed_calls": fixed,
        "fixed_total": sum(fixed.values()),
        "total": sum(i["total"] for i in items.values()),
        "worst_stream": worst,
        "worst_over_minimum": items[worst]["over_minimum"],
        "goal_met": all(i["over_minimum"] <= 0.05 for i in items.values())
        and (child_minimum == 0 or child <= 1.05 * child_minimum),
    }

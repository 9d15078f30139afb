"""Two sandbox capabilities the reliability tests rely on: page tampers (a successful answer's body
rewritten, e.g. malformed records or broken JSON) and schema drift (fields and properties added or
removed between two reads, as an admin changes a CRM)."""

from datetime import datetime

import orjson
import pytest
import requests

from sandbox.faults import FaultInjector, PageTamper
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

ORG = OrgConfig(seed=11, reps=6, teams=2, days=30, end=datetime(2026, 3, 2), activities=1_000)
API = "/services/data/v59.0"


@pytest.fixture(scope="module")
def box():
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


@pytest.fixture
def clean(box):
    yield box
    box.faults.clear()


def hubspot(box, method: str, path: str, body: dict | None = None) -> requests.Response:
    token = box.credentials()["HUBSPOT_ACCESS_TOKEN"]
    return requests.request(
        method, box.hubspot.url + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def salesforce(box, path: str, **params) -> requests.Response:
    session = box.salesforce_session()
    try:
        token = box.credentials()["SALESFORCE_ACCESS_TOKEN"]
        return session.get(
            box.salesforce.url + API + path,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
    finally:
        session.close()


def test_a_tamper_rewrites_matching_answers_as_often_as_asked():
    injector = FaultInjector()
    injector.tamper(PageTamper("hubspot.objects.*", lambda body: body + b"!", times=2))
    assert injector.rewrite("hubspot.owners.list", b"{}") == b"{}"
    assert [injector.rewrite("hubspot.objects.search", b"{}") for _ in range(3)] == [b"{}!", b"{}!", b"{}"]
    assert injector.tampered_by_endpoint == {"hubspot.objects.search": 2}


def test_an_edit_returning_none_leaves_the_answer_alone_and_is_not_counted():
    injector = FaultInjector()
    injector.tamper(PageTamper("*", lambda body: b"x" if b"calls" in body else None, times=1))
    assert injector.rewrite("e", b"deals") == b"deals"
    assert injector.rewrite("e", b"calls") == b"x"
    assert injector.rewrite("e", b"calls") == b"calls"  # its one rewrite is spent


def test_times_below_one_is_refused():
    with pytest.raises(ValueError, match="times must be at least 1"):
        PageTamper("*", lambda body: body, times=0)


def test_a_served_page_can_carry_broken_json_until_the_tampers_are_cleared(clean):
    box = clean
    box.tamper_pages(PageTamper("hubspot.owners.list", lambda body: body[:-7]))
    broken = hubspot(box, "GET", "/crm/v3/owners/")
    assert broken.status_code == 200
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(broken.content)
    box.faults.clear()
    assert orjson.loads(hubspot(box, "GET", "/crm/v3/owners/").content)["results"]


def test_errors_are_never_tampered(clean):
    box = clean
    box.tamper_pages(PageTamper("hubspot.*", lambda body: b"tampered"))
    response = hubspot(box, "GET", "/crm/v3/objects/no-such-type")
    assert response.status_code == 400
    assert response.content != b"tampered"


def test_a_salesforce_field_added_then_removed(box):
    catalog = box.salesforce_app.catalog
    catalog.add_field("Task", "Drift_Score__c", "double", "Drift score")
    with box.store.write() as cur:
        cur.execute('update salesforce."Task" set "Drift_Score__c" = 4.5')
    described = {f["name"]: f for f in salesforce(box, "/sobjects/Task/describe").json()["fields"]}
    assert described["Drift_Score__c"]["type"] == "double"
    found = salesforce(box, "/query", q="SELECT Id, Drift_Score__c FROM Task LIMIT 1").json()
    assert found["records"][0]["Drift_Score__c"] == 4.5

    catalog.remove_field("Task", "drift_score__c")  # names resolve case-insensitively, as in SOQL
    names = {f["name"] for f in salesforce(box, "/sobjects/Task/describe").json()["fields"]}
    assert "Drift_Score__c" not in names
    refused = salesforce(box, "/query", q="SELECT Id, Drift_Score__c FROM Task LIMIT 1")
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "INVALID_FIELD"


def test_a_salesforce_field_change_is_validated(box):
    catalog = box.salesforce_app.catalog
    with pytest.raises(ValueError, match="not a field API name"):
        catalog.add_field("Task", 'x"; drop table salesforce."Task', "string")
    with pytest.raises(ValueError, match="cannot be removed"):
        catalog.remove_field("Task", "SystemModstamp")
    with pytest.raises(ValueError, match="no object"):
        catalog.add_field("Nope", "A__c", "string")


def test_a_hubspot_property_added_then_removed(box):
    catalog = box.hubspot_app.catalog
    catalog.add_property("calls", "drift_score", "number", "Drift score")
    with box.store.write() as cur:
        cur.execute('update hubspot."calls" set "drift_score" = 7')
    listed = {p["name"] for p in hubspot(box, "GET", "/crm/v3/properties/calls").json()["results"]}
    assert "drift_score" in listed
    search = {"properties": ["drift_score", "hs_call_title"], "limit": 1}
    record = hubspot(box, "POST", "/crm/v3/objects/calls/search", search).json()["results"][0]
    assert record["properties"]["drift_score"] == "7"

    catalog.remove_property("calls", "drift_score")
    catalog.remove_property("calls", "hs_call_title")
    listed = {p["name"] for p in hubspot(box, "GET", "/crm/v3/properties/calls").json()["results"]}
    assert not {"drift_score", "hs_call_title"} & listed
    record = hubspot(box, "POST", "/crm/v3/objects/calls/search", search).json()["results"][0]
    assert not {"drift_score", "hs_call_title"} & set(record["properties"])  # unknown names are ignored


def test_a_hubspot_property_in_the_default_set_can_be_removed(box):
    box.hubspot_app.catalog.remove_property("deals", "amount")
    listed = hubspot(box, "GET", "/crm/v3/objects/deals?limit=1").json()["results"][0]
    assert "amount" not in listed["properties"]
    assert "dealname" in listed["properties"]

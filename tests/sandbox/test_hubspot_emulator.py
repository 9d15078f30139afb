"""The real hubspot-api-client against the HubSpot emulator, over HTTP on a real socket."""

from __future__ import annotations

import re
import time
from datetime import datetime

import hubspot
import orjson
import pytest
import urllib3
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.associations.v4.exceptions import ApiException as AssociationsApiException
from hubspot.crm.associations.v4.models import (
    BatchResponsePublicAssociationMultiWithLabel,
    BatchResponsePublicAssociationMultiWithLabelWithErrors,
)
from hubspot.crm.deals.exceptions import ApiException as DealsApiException
from hubspot.crm.objects.calls import ApiException as CallsApiException
from hubspot.crm.objects.calls import BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest
from hubspot.crm.objects.calls.exceptions import NotFoundException as CallsNotFound
from hubspot.crm.objects.calls.exceptions import ServiceException as CallsServiceException
from hubspot.crm.objects.calls.exceptions import UnauthorizedException as CallsUnauthorized
from hubspot.crm.objects.calls.models import (
    BatchResponseSimplePublicObject,
    BatchResponseSimplePublicObjectWithErrors,
)
from hubspot.crm.objects.exceptions import ApiException as ObjectsApiException
from hubspot.crm.owners.exceptions import NotFoundException as OwnersNotFound
from hubspot.crm.pipelines.exceptions import NotFoundException as PipelinesNotFound
from hubspot_fixtures import (
    CALL_IDS,
    COMPANY_IDS,
    CONTACT_IDS,
    DEAL_IDS,
    HOSTILE,
    MEETING_IDS,
    FakeClock,
    bulk_calls,
    seed,
)

from sandbox.faults import FaultKind, FaultRule
from sandbox.hubspot import objects as hs
from sandbox.hubspot.app import DEFAULT_TOKEN, HubSpotApp, HubSpotConfig
from sandbox.server import EmulatorServer
from sandbox.store import Store

UNLIMITED = HubSpotConfig(ten_second_limit=1_000_000, search_per_second=1_000_000)
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def epoch_ms(value: datetime) -> str:
    return str(int((value - datetime(1970, 1, 1)).total_seconds() * 1000))


@pytest.fixture(scope="module")
def store():
    store = Store()
    dataset = seed(store)
    store.dataset = dataset  # type: ignore[attr-defined]
    yield store
    store.close()


@pytest.fixture(scope="module")
def server(store):
    server = EmulatorServer(HubSpotApp(store, UNLIMITED)).start()
    yield server
    server.stop()


@pytest.fixture
def client(server):
    return hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)


@pytest.fixture
def serve(store):
    """Start a dedicated server (own limits, clock and faults) on the shared store."""
    started: list[EmulatorServer] = []

    def start(config: HubSpotConfig = UNLIMITED, clock: FakeClock | None = None) -> EmulatorServer:
        app = HubSpotApp(store, config, clock=clock or FakeClock())
        started.append(EmulatorServer(app).start())
        return started[-1]

    yield start
    for server in started:
        server.stop()


def raw(call, *args, **kwargs):
    """(status, headers, parsed JSON body) of a client call, bypassing model deserialisation."""
    response = call(*args, _preload_content=False, **kwargs)
    return response.status, response.headers, orjson.loads(response.data)


def http(server, method: str, path: str, body: bytes | None = None, token: str | None = DEFAULT_TOKEN):
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    with urllib3.PoolManager() as pool:
        response = pool.request(method, server.url + path, body=body, headers=headers, retries=False)
        return response.status, response.headers, response.data


def logged(server, endpoints: str, **kwargs) -> int:
    """The request log's count; the server logs a request just after answering it, so wait a little."""
    deadline = time.monotonic() + 2
    count = server.log.count(endpoints, **kwargs)
    while time.monotonic() < deadline:
        time.sleep(0.01)
        if (again := server.log.count(endpoints, **kwargs)) == count:
            return count
        count = again
    return count


def search_body(**kwargs) -> PublicObjectSearchRequest:
    return PublicObjectSearchRequest(**kwargs)


# -- listing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("object_type", ["calls", "meetings", "deals", "companies", "contacts"])
def test_get_all_pages_through_every_active_record(client, store, server, object_type):
    expected = store.dataset.active[object_type]
    logged(server, "*")  # let the previous test's last request land in the log
    server.log.clear()
    records = client.crm.objects.get_all(object_type)
    assert [r.id for r in records] == [str(i) for i in expected]
    assert logged(server, "hubspot.objects.list") == 1  # fewer than 100 records: one page


def test_calls_page_by_page_with_cursor(client, store, server):
    logged(server, "*")  # let the previous test's last request land in the log
    server.log.clear()
    ids, after, pages = [], None, 0
    while True:
        page = client.crm.objects.calls.basic_api.get_page(limit=10, after=after)
        ids += [r.id for r in page.results]
        pages += 1
        if page.paging is None:
            break
        assert page.paging.next.link.startswith("?after=")
        after = page.paging.next.after
    assert ids == [str(i) for i in store.dataset.active["calls"]]
    assert pages == 3 == logged(server, "hubspot.objects.list")
    assert server.log.counts() == {"hubspot.objects.list": 3}


def test_deals_get_all_helper(client, store):
    deals = client.crm.deals.get_all()
    assert sorted(int(d.id) for d in deals) == store.dataset.active["deals"]


def test_default_properties_and_wire_formats(client):
    status, _headers, body = raw(client.crm.deals.basic_api.get_page, limit=100)
    assert status == 200
    assert "paging" not in body
    first = body["results"][0]
    assert list(first) == ["id", "properties", "createdAt", "updatedAt", "archived"]
    assert set(first["properties"]) == set(hs.DEALS.default_properties)
    by_id = {r["id"]: r for r in body["results"]}
    big = by_id[str(DEAL_IDS[0])]
    assert big["properties"] == {
        "amount": "25000",
        "closedate": "2024-03-31T00:00:00.000Z",
        "createdate": "2024-01-02T09:00:00.500Z",
        "dealname": "Big deal",
        "dealstage": "closedwon",
        "hs_lastmodifieddate": "2024-03-31T12:00:00.000Z",
        "hs_object_id": str(DEAL_IDS[0]),
        "pipeline": "default",
    }
    assert big["createdAt"] == "2024-01-02T09:00:00.500Z"
    assert big["updatedAt"] == "2024-03-31T12:00:00.000Z"
    assert big["archived"] is False
    assert by_id[str(DEAL_IDS[1])]["properties"]["amount"] == "1234.5"
    assert by_id[str(DEAL_IDS[2])]["properties"]["amount"] is None  # present and null
    assert by_id[str(DEAL_IDS[3])]["properties"]["amount"] == "0"
    assert by_id[str(DEAL_IDS[4])]["properties"]["amount"] == "1000000"
    assert by_id[str(DEAL_IDS[1])]["properties"]["closedate"] is None
    assert list(big["properties"]) == sorted(big["properties"])  # alphabetical, like HubSpot


def test_requested_properties_unknown_ignored_and_system_properties_kept(client):
    page = client.crm.objects.calls.basic_api.get_page(
        limit=5, properties=["hs_call_duration", "hs_call_body,hs_timestamp", "no_such_property"]
    )
    first = page.results[0]
    assert first.properties == {
        "hs_call_body": None,
        "hs_call_duration": "0",
        "hs_createdate": "2024-01-09T23:30:00.000Z",
        "hs_lastmodifieddate": "2024-01-10T00:00:00.000Z",
        "hs_object_id": str(CALL_IDS[0]),
        "hs_timestamp": "2024-01-05T14:03:00.123Z",
    }
    assert page.results[1].properties["hs_call_duration"] == "60000"
    assert page.results[1].properties["hs_call_body"] == "<p>notes 1</p>"
    deal = client.crm.deals.basic_api.get_by_id(
        str(DEAL_IDS[0]), properties=["hs_is_closed", "hs_is_closed_won"]
    )
    assert deal.properties["hs_is_closed"] == "true"
    other = client.crm.deals.basic_api.get_by_id(str(DEAL_IDS[1]), properties=["hs_is_closed"])
    assert other.properties["hs_is_closed"] == "false"


def test_properties_with_history_newest_first(client):
    page = client.crm.deals.basic_api.get_page(limit=50, properties_with_history=["dealstage"])
    by_id = {r.id: r for r in page.results}
    history = by_id[str(DEAL_IDS[0])].properties_with_history["dealstage"]
    assert [(h.value, h.source_type) for h in history] == [
        ("closedwon", "API"),
        ("qualifiedtobuy", "CRM_UI"),
        ("appointmentscheduled", "CRM_UI"),
    ]
    assert history[-1].source_id == "userId:9001"
    assert history[-1].updated_by_user_id == 9001
    _status, _, body = raw(
        client.crm.deals.basic_api.get_page, limit=50, properties_with_history=["dealstage"]
    )
    stamps = [h["timestamp"] for h in body["results"][0]["propertiesWithHistory"]["dealstage"]]
    assert stamps == ["2024-03-31T12:00:00.000Z", "2024-02-01T00:00:00.000Z", "2024-01-02T09:00:00.500Z"]
    assert all(ISO_MS.match(s) for s in stamps)
    # Without stored history the current value is the only version.
    assert [h.value for h in by_id[str(DEAL_IDS[1])].properties_with_history["dealstage"]] == [
        "qualifiedtobuy"
    ]
    # Asked only with history, the property also appears in `properties`.
    assert by_id[str(DEAL_IDS[0])].properties["dealstage"] == "closedwon"
    with pytest.raises(DealsApiException) as excinfo:
        client.crm.deals.basic_api.get_page(limit=51, properties_with_history=["dealstage"])
    assert excinfo.value.status == 400
    assert orjson.loads(excinfo.value.body)["category"] == "VALIDATION_ERROR"


def test_associations_on_list_v3_shape(client):
    _status, _, body = raw(
        client.crm.deals.basic_api.get_page, limit=10, associations=["companies", "contacts"]
    )
    by_id = {r["id"]: r for r in body["results"]}
    big = by_id[str(DEAL_IDS[0])]["associations"]
    assert big["companies"] == {
        "results": [
            {"id": str(COMPANY_IDS[0]), "type": "deal_to_company"},
            {"id": str(COMPANY_IDS[0]), "type": "deal_to_company_unlabeled"},
        ]
    }
    assert [a["id"] for a in big["contacts"]["results"]] == [str(c) for c in CONTACT_IDS[:3]]
    assert by_id[str(DEAL_IDS[1])]["associations"] == {
        "companies": {"results": [{"id": str(COMPANY_IDS[1]), "type": "deal_to_company_unlabeled"}]}
    }
    assert "associations" not in by_id[str(DEAL_IDS[3])]  # only when non-empty
    calls = client.crm.objects.calls.basic_api.get_page(
        limit=12, associations=["contacts", "deal", "nonsense"]
    )
    first = calls.results[0].associations
    assert first["contacts"].results[0].type == "call_to_contact"
    assert first["deals"].results[0].id == str(DEAL_IDS[0])
    assert calls.results[11].associations is None


def test_archived_listing_returns_only_archived(client, store):
    page = client.crm.objects.calls.basic_api.get_page(limit=100, archived=True)
    assert [r.id for r in page.results] == [str(i) for i in store.dataset.archived["calls"]]
    assert all(r.archived and r.archived_at is not None for r in page.results)
    _status, _, body = raw(client.crm.objects.basic_api.get_page, "companies", archived=True)
    assert body["results"][0]["archived"] is True
    assert body["results"][0]["archivedAt"] == "2024-01-13T00:00:00.000Z"
    active = client.crm.objects.calls.basic_api.get_page(limit=100, archived=False)
    assert not any(r.archived for r in active.results)


def test_get_by_id_and_not_found(client):
    call = client.crm.objects.calls.basic_api.get_by_id(str(CALL_IDS[3]), properties=["hs_call_title"])
    assert call.properties["hs_call_title"] == HOSTILE
    with pytest.raises(CallsNotFound) as excinfo:
        client.crm.objects.calls.basic_api.get_by_id(str(CALL_IDS[25]))  # archived: not found unless asked
    body = orjson.loads(excinfo.value.body)
    assert body["status"] == "error"
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert UUID.match(body["correlationId"])
    archived = client.crm.objects.calls.basic_api.get_by_id(str(CALL_IDS[25]), archived=True)
    assert archived.archived is True
    with pytest.raises(CallsNotFound):
        client.crm.objects.calls.basic_api.get_by_id("999")
    contact = client.crm.contacts.basic_api.get_by_id("li@globex.example", id_property="email")
    assert contact.id == str(CONTACT_IDS[1])


def test_hostile_strings_come_back_verbatim(client):
    company = client.crm.companies.basic_api.get_by_id(str(COMPANY_IDS[0]), properties=["name"])
    assert company.properties["name"] == HOSTILE
    found = client.crm.companies.search_api.do_search(
        search_body(
            filter_groups=[{"filters": [{"propertyName": "name", "operator": "EQ", "value": HOSTILE}]}]
        )
    )
    assert [r.id for r in found.results] == [str(COMPANY_IDS[0])]
    owner = client.crm.owners.owners_api.get_by_id("104", archived=True)
    assert owner.last_name == HOSTILE


# -- batch read ----------------------------------------------------------------------------------


def test_batch_read_complete_and_partial(client):
    api = client.crm.objects.calls.batch_api
    ok = api.read(
        BatchReadInputSimplePublicObjectId(
            properties=["hs_call_title"], properties_with_history=[], inputs=[{"id": str(CALL_IDS[1])}]
        )
    )
    assert isinstance(ok, BatchResponseSimplePublicObject)
    assert ok.status == "COMPLETE"
    assert ok.results[0].properties == {"hs_call_title": "Call #1", "hs_object_id": str(CALL_IDS[1])}
    partial = api.read(
        BatchReadInputSimplePublicObjectId(
            properties=[],
            properties_with_history=[],
            inputs=[{"id": str(CALL_IDS[2])}, {"id": "12345"}, {"id": str(CALL_IDS[26])}, {"id": "x'; DROP"}],
        )
    )
    assert isinstance(partial, BatchResponseSimplePublicObjectWithErrors)
    assert [r.id for r in partial.results] == [str(CALL_IDS[2])]
    assert partial.num_errors == 1
    error = partial.errors[0]
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.context == {"ids": ["12345", str(CALL_IDS[26]), "x'; DROP"]}
    assert error.message.startswith("Could not get some CALL objects")
    archived = api.read(
        BatchReadInputSimplePublicObjectId(
            properties=[], properties_with_history=[], inputs=[{"id": str(CALL_IDS[26])}]
        ),
        archived=True,
    )
    assert archived.results[0].archived is True


def test_batch_read_limits(client):
    api = client.crm.objects.calls.batch_api
    with pytest.raises(CallsApiException) as excinfo:
        api.read(
            BatchReadInputSimplePublicObjectId(
                properties=[], properties_with_history=[], inputs=[{"id": str(i)} for i in range(101)]
            )
        )
    assert excinfo.value.status == 400
    with pytest.raises(CallsApiException) as excinfo:
        api.read(
            BatchReadInputSimplePublicObjectId(
                properties=[],
                properties_with_history=["hs_call_title"],
                inputs=[{"id": str(i)} for i in range(51)],
            )
        )
    assert "property histories is 50" in orjson.loads(excinfo.value.body)["message"]


# -- associations v4 -----------------------------------------------------------------------------


def test_associations_v4_get_page(client):
    page = client.crm.associations.v4.basic_api.get_page("deals", str(DEAL_IDS[0]), "companies")
    assert len(page.results) == 1
    assert page.results[0].to_object_id == str(COMPANY_IDS[0])
    types = {(t.category, t.type_id, t.label) for t in page.results[0].association_types}
    assert types == {("HUBSPOT_DEFINED", 5, "Primary"), ("HUBSPOT_DEFINED", 341, None)}
    _status, _, body = raw(
        client.crm.associations.v4.basic_api.get_page, "deals", str(DEAL_IDS[0]), "contacts", limit=2
    )
    assert body["results"][0]["toObjectId"] == CONTACT_IDS[0]  # an integer on the wire
    assert len(body["results"]) == 2
    assert body["paging"]["next"]["after"] == str(CONTACT_IDS[2])
    rest = client.crm.associations.v4.basic_api.get_page(
        "deals", str(DEAL_IDS[0]), "contacts", after=body["paging"]["next"]["after"], limit=2
    )
    assert [r.to_object_id for r in rest.results] == [str(CONTACT_IDS[2])]
    assert rest.paging is None
    reverse = client.crm.associations.v4.basic_api.get_page("contacts", str(CONTACT_IDS[0]), "calls")
    assert [r.to_object_id for r in reverse.results] == [str(c) for c in CALL_IDS[:10]]
    assert reverse.results[0].association_types[0].type_id == 193


def test_associations_v4_batch_read(client):
    api = client.crm.associations.v4.batch_api
    full = api.get_page(
        "meetings",
        "contacts",
        BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": str(MEETING_IDS[0])}]),
    )
    assert isinstance(full, BatchResponsePublicAssociationMultiWithLabel)
    assert full.results[0]._from.id == str(MEETING_IDS[0])
    assert full.results[0].to[0].to_object_id == str(CONTACT_IDS[0])
    assert full.results[0].to[0].association_types[0].type_id == 200
    ids = [str(CALL_IDS[0]), str(CALL_IDS[20]), str(CALL_IDS[1])]
    partial = api.get_page(
        "calls", "contacts", BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in ids])
    )
    assert isinstance(partial, BatchResponsePublicAssociationMultiWithLabelWithErrors)
    assert [r._from.id for r in partial.results] == [str(CALL_IDS[0]), str(CALL_IDS[1])]
    assert partial.num_errors == 1
    error = partial.errors[0]
    assert error.sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert error.message == f"No contact is associated with call {CALL_IDS[20]}."
    with pytest.raises(AssociationsApiException) as excinfo:
        api.get_page(
            "calls",
            "contacts",
            BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": str(i)} for i in range(1001)]),
        )
    assert excinfo.value.status == 400


# -- search --------------------------------------------------------------------------------------


def _search(client, **kwargs):
    return client.crm.objects.calls.search_api.do_search(search_body(**kwargs))


def _window(prop: str, op: str, value: str) -> dict:
    return {"propertyName": prop, "operator": op, "value": value}


def test_search_incremental_window_gte_lt_epoch_ms(client):
    lo, hi = datetime(2024, 1, 10, 5), datetime(2024, 1, 10, 9)
    result = _search(
        client,
        limit=200,
        filter_groups=[
            {
                "filters": [
                    _window("hs_lastmodifieddate", "GTE", epoch_ms(lo)),
                    _window("hs_lastmodifieddate", "LT", epoch_ms(hi)),
                ]
            }
        ],
        sorts=["hs_lastmodifieddate"],
        properties=["hs_lastmodifieddate"],
    )
    assert result.total == 4
    assert [r.id for r in result.results] == [str(i) for i in CALL_IDS[5:9]]
    assert result.paging is None
    iso = _search(
        client, filter_groups=[{"filters": [_window("hs_lastmodifieddate", "GTE", "2024-01-11T00:00:00Z")]}]
    )
    assert iso.total == 1  # one active call from midnight on; the archived ones never appear


def test_search_operators(client):
    def ids(*filters, groups=None):
        groups = groups or [{"filters": list(filters)}]
        return [int(r.id) for r in _search(client, limit=200, filter_groups=groups).results]

    between = {
        "propertyName": "hs_lastmodifieddate",
        "operator": "BETWEEN",
        "value": epoch_ms(datetime(2024, 1, 10, 2)),
        "highValue": epoch_ms(datetime(2024, 1, 10, 4)),
    }
    assert ids(between) == CALL_IDS[2:5]
    assert ids(
        {"propertyName": "hs_object_id", "operator": "IN", "values": [str(CALL_IDS[1]), str(CALL_IDS[26])]}
    ) == [CALL_IDS[1]]
    assert ids(_window("hs_call_direction", "EQ", "inbound")) == CALL_IDS[1:25:2]  # case-insensitive
    assert ids({"propertyName": "hs_call_body", "operator": "NOT_HAS_PROPERTY"}) == CALL_IDS[0:25:5]
    assert len(ids({"propertyName": "hs_call_body", "operator": "HAS_PROPERTY"})) == 20
    assert ids(_window("hs_call_duration", "GT", "1380000")) == CALL_IDS[24:25]
    assert ids(_window("hubspot_owner_id", "NEQ", "101")) == CALL_IDS[0:25:3]
    assert (
        ids({"propertyName": "hubspot_owner_id", "operator": "NOT_IN", "values": ["101"]}) == CALL_IDS[0:25:3]
    )
    assert ids(_window("hs_call_title", "CONTAINS_TOKEN", "SCRIPT")) == [CALL_IDS[3]]
    assert ids(_window("hs_call_title", "CONTAINS_TOKEN", "日本語")) == [CALL_IDS[3]]
    two_groups = [
        {"filters": [_window("hs_object_id", "EQ", str(CALL_IDS[0]))]},
        {"filters": [_window("hs_object_id", "EQ", str(CALL_IDS[7]))]},
    ]
    assert ids(groups=two_groups) == [CALL_IDS[0], CALL_IDS[7]]
    deals = client.crm.deals.search_api.do_search(
        search_body(filter_groups=[{"filters": [_window("amount", "GTE", "1234.5")]}], limit=10)
    )
    assert {int(r.id) for r in deals.results} == {DEAL_IDS[0], DEAL_IDS[1], DEAL_IDS[4]}
    closed = client.crm.deals.search_api.do_search(
        search_body(filter_groups=[{"filters": [_window("hs_is_closed", "EQ", "true")]}])
    )
    assert {int(r.id) for r in closed.results} == {DEAL_IDS[0], DEAL_IDS[3], DEAL_IDS[4]}


def test_search_sorts_paging_and_defaults(client):
    first = _search(client, limit=10)
    assert first.total == 25
    assert [r.id for r in first.results] == [str(i) for i in CALL_IDS[:10]]  # id ascending by default
    assert set(first.results[0].properties) == set(hs.CALLS.default_properties)
    assert first.paging.next.after == "10"
    last = _search(client, limit=10, after="20")
    assert [r.id for r in last.results] == [str(i) for i in CALL_IDS[20:25]]
    assert last.paging is None
    desc = _search(client, limit=3, sorts=["-hs_lastmodifieddate"])
    assert [r.id for r in desc.results] == [str(i) for i in CALL_IDS[24:21:-1]]
    as_object = _search(
        client, limit=3, sorts=[{"propertyName": "hs_call_duration", "direction": "DESCENDING"}]
    )
    assert [r.id for r in as_object.results] == [str(i) for i in CALL_IDS[24:21:-1]]
    _status, headers, body = raw(client.crm.objects.calls.search_api.do_search, search_body(limit=1))
    assert set(body) == {"total", "results", "paging"}
    assert body["paging"] == {"next": {"after": "1"}}
    assert "X-HubSpot-RateLimit-Max" not in headers  # search responses carry no rate-limit headers


def test_search_validation(client):
    def error(**kwargs):
        with pytest.raises(CallsApiException) as excinfo:
            _search(client, **kwargs)
        assert excinfo.value.status == 400
        return orjson.loads(excinfo.value.body)

    assert error(limit=201)["category"] == "VALIDATION_ERROR"
    assert (
        error(filter_groups=[{"filters": [_window("hs_object_id", "GT", "1")]}] * 6)["category"]
        == "VALIDATION_ERROR"
    )
    assert error(filter_groups=[{"filters": [_window("hs_object_id", "GT", "1")] * 7}])
    assert error(filter_groups=[{"filters": [_window("hs_object_id", "GT", "1")] * 6}] * 4)  # 24 filters
    assert "nope" in error(filter_groups=[{"filters": [_window("nope", "EQ", "1")]}])["message"]
    assert error(sorts=["hs_createdate", "hs_lastmodifieddate"])
    assert error(filter_groups=[{"filters": [_window("hs_lastmodifieddate", "GTE", "yesterday")]}])


def test_search_result_cap():
    big = Store()
    try:
        bulk_calls(big, 10_050)
        server = EmulatorServer(HubSpotApp(big, UNLIMITED)).start()
        try:
            client = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)
            window = [{"filters": [_window("hs_lastmodifieddate", "GTE", epoch_ms(datetime(2024, 1, 1)))]}]
            page = _search(
                client, limit=200, after="9800", filter_groups=window, sorts=["hs_lastmodifieddate"]
            )
            assert page.total == 10_050  # the full count, above the cap
            assert len(page.results) == 200
            assert page.paging.next.after == "10000"
            for after, limit in (("9900", 200), ("10000", 1)):
                with pytest.raises(CallsApiException) as excinfo:
                    _search(client, limit=limit, after=after, filter_groups=window)
                assert excinfo.value.status == 400
                assert "10000" in orjson.loads(excinfo.value.body)["message"]
        finally:
            server.stop()
    finally:
        big.close()


# -- owners, pipelines, properties ---------------------------------------------------------------


def test_owners(client):
    owners = client.crm.owners.get_all()
    assert [o.id for o in owners] == ["101", "102", "103"]
    ada = owners[0]
    assert (ada.email, ada.first_name, ada.user_id, ada.user_id_including_inactive, ada.type) == (
        "ada@example.com",
        "Ada",
        9001,
        9001,
        "PERSON",
    )
    assert ada.teams[0].name == "Team Ω"
    assert ada.teams[0].primary is True
    archived = client.crm.owners.owners_api.get_page(archived=True)
    assert [o.id for o in archived.results] == ["104"]
    assert archived.results[0].archived is True
    by_email = client.crm.owners.owners_api.get_page(email="GRACE@example.com")
    assert [o.id for o in by_email.results] == ["102"]
    paged = client.crm.owners.owners_api.get_page(limit=2)
    assert paged.paging.next.after == "103"
    assert client.crm.owners.owners_api.get_by_id("9002", id_property="userId").id == "102"
    _status, _, body = raw(client.crm.owners.owners_api.get_by_id, "101")
    assert body["createdAt"] == "2024-01-10T00:00:00.000Z"
    with pytest.raises(OwnersNotFound) as excinfo:
        client.crm.owners.owners_api.get_by_id("104")  # deactivated: only with archived=true
    assert excinfo.value.status == 404


def test_pipelines(client):
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
    assert [p.id for p in pipelines] == ["default", "enterprise"]
    default = pipelines[0]
    assert [s.id for s in default.stages][:2] == ["appointmentscheduled", "qualifiedtobuy"]
    assert default.stages[0].metadata == {"isClosed": "false", "probability": "0.2"}
    assert default.stages[5].metadata == {"isClosed": "true", "probability": "1.0"}
    assert default.stages[6].metadata == {"isClosed": "true", "probability": "0.0"}
    enterprise = client.crm.pipelines.pipelines_api.get_by_id("deals", "enterprise")
    assert enterprise.label == HOSTILE
    assert enterprise.stages[1].label == "Won ✓"
    with pytest.raises(PipelinesNotFound) as excinfo:
        client.crm.pipelines.pipelines_api.get_by_id("deals", "nope")
    assert excinfo.value.status == 404


def test_property_definitions(client):
    definitions = client.crm.properties.core_api.get_all("calls").results
    assert [d.name for d in definitions] == [p.name for p in hs.CALLS.properties]
    duration = next(d for d in definitions if d.name == "hs_call_duration")
    assert (duration.type, duration.field_type) == ("number", "number")
    stage = client.crm.properties.core_api.get_by_name("deals", "dealstage")
    assert {o.value for o in stage.options} >= {"closedwon", "ent_won"}


# -- errors, faults, rate limits -----------------------------------------------------------------


def test_bad_token_is_401_with_hubspots_body(server):
    bad = hubspot.Client.create(access_token="pat-na1-wrong", host=server.url)
    with pytest.raises(CallsUnauthorized) as excinfo:
        bad.crm.objects.calls.basic_api.get_page()
    body = orjson.loads(excinfo.value.body)
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found.")
    assert http(server, "GET", "/crm/v3/objects/calls", token=None)[0] == 401


def test_validation_errors(client, server):
    with pytest.raises(CallsApiException) as excinfo:
        client.crm.objects.calls.basic_api.get_page(limit=101)
    assert excinfo.value.status == 400
    assert orjson.loads(excinfo.value.body)["category"] == "VALIDATION_ERROR"
    with pytest.raises(ObjectsApiException) as excinfo:
        client.crm.objects.basic_api.get_page("widgets")
    body = orjson.loads(excinfo.value.body)
    assert excinfo.value.status == 400
    assert body["message"] == "Unable to infer object type from: widgets"
    status, _, data = http(server, "POST", "/crm/v3/objects/calls/search", body=b'{"limit": ')
    assert status == 400
    assert orjson.loads(data)["message"].startswith("Invalid input JSON on line 1")
    status, _, data = http(server, "GET", "/crm/v3/objects/calls?after=abc")
    assert status == 400
    status, _, data = http(server, "GET", "/crm/v3/nothing/here")
    assert status == 404
    assert orjson.loads(data)["status"] == "error"


@pytest.mark.parametrize(
    ("kind", "status"),
    [(FaultKind.SERVER_ERROR, 500), (FaultKind.BAD_GATEWAY, 502), (FaultKind.UNAVAILABLE, 503)],
)
def test_server_errors_raise_service_exception(serve, kind, status):
    server = serve()
    server.faults.add(FaultRule("hubspot.objects.list", kinds=(kind,), rate=1.0, max_faults=1))
    client = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)
    with pytest.raises(CallsServiceException) as excinfo:
        client.crm.objects.calls.basic_api.get_page()
    assert excinfo.value.status == status
    assert "Retry-After" not in excinfo.value.headers
    if status == 500:
        assert orjson.loads(excinfo.value.body)["status"] == "error"
    else:
        body = excinfo.value.body
        assert f"<title>{status}" in (body.decode() if isinstance(body, bytes) else body)
    assert client.crm.objects.calls.basic_api.get_page().results  # the next call is answered


def test_expired_session_fault(serve):
    server = serve()
    server.faults.add(FaultRule("hubspot.*", kinds=(FaultKind.EXPIRED_SESSION,), rate=1.0, max_faults=1))
    client = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)
    with pytest.raises(CallsUnauthorized) as excinfo:
        client.crm.objects.calls.basic_api.get_page()
    body = orjson.loads(excinfo.value.body)
    assert body["category"] == "EXPIRED_AUTHENTICATION"
    assert "expired" in body["message"]


def test_ten_second_rolling_limit(serve):
    clock = FakeClock()
    server = serve(HubSpotConfig(ten_second_limit=3, search_per_second=2, daily_limit=1000), clock)
    client = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)
    api = client.crm.objects.calls.basic_api
    remaining = []
    for _ in range(3):
        _, headers, _ = raw(api.get_page, limit=1)
        remaining.append(headers["X-HubSpot-RateLimit-Remaining"])
        assert headers["X-HubSpot-RateLimit-Max"] == "3"
        assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        clock.advance(2)
    assert remaining == ["2", "1", "0"]
    assert headers["X-HubSpot-RateLimit-Daily"] == "1000"
    assert headers["X-HubSpot-RateLimit-Daily-Remaining"] == "997"
    with pytest.raises(CallsApiException) as excinfo:
        api.get_page(limit=1)
    error = excinfo.value
    assert error.status == 429
    body = orjson.loads(error.body)
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert UUID.match(body["correlationId"])
    assert error.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert error.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert "Retry-After" not in error.headers
    clock.advance(4.01)  # the first request leaves the rolling window
    assert api.get_page(limit=1).results
    assert logged(server, "hubspot.objects.list", status=429) == 1


def test_search_per_second_limit(serve):
    clock = FakeClock()
    server = serve(HubSpotConfig(ten_second_limit=100, search_per_second=2, daily_limit=1000), clock)
    client = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)
    _search(client, limit=1)
    _search(client, limit=1)
    with pytest.raises(CallsApiException) as excinfo:
        _search(client, limit=1)
    assert excinfo.value.status == 429
    assert orjson.loads(excinfo.value.body)["policyName"] == "SECONDLY"
    assert excinfo.value.headers["X-HubSpot-RateLimit-Secondly"] == "2"
    assert excinfo.value.headers["X-HubSpot-RateLimit-Secondly-Remaining"] == "0"
    assert client.crm.objects.calls.basic_api.get_page(limit=1).results  # other endpoints unaffected
    clock.advance(1.01)
    assert _search(client, limit=1).total == 25


def test_daily_limit_and_injected_rate_limit(serve):
    clock = FakeClock()
    server = serve(HubSpotConfig(ten_second_limit=100, search_per_second=5, daily_limit=2), clock)
    client = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)
    client.crm.objects.calls.basic_api.get_page(limit=1)
    _search(client, limit=1)  # search counts against the day too
    with pytest.raises(CallsApiException) as excinfo:
        client.crm.objects.calls.basic_api.get_page(limit=1)
    assert orjson.loads(excinfo.value.body)["policyName"] == "DAILY"
    assert excinfo.value.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    clock.advance(86_400)
    assert client.crm.objects.calls.basic_api.get_page(limit=1).results
    server.faults.add(
        FaultRule("hubspot.objects.list", kinds=(FaultKind.RATE_LIMITED,), rate=1.0, burst=1, max_faults=1)
    )
    with pytest.raises(CallsApiException) as excinfo:
        client.crm.objects.calls.basic_api.get_page(limit=1)
    assert excinfo.value.status == 429
    assert orjson.loads(excinfo.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"
    assert excinfo.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"

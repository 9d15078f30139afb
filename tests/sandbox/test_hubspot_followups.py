"""HubSpot e-mails, tasks and the contacts reps meet: generated at a real team's rates, served by the
emulator through the real hubspot-api-client (list, archived listing, batch read, search on
hs_lastmodifieddate / lastmodifieddate, associations v4), under its rate limits, faults and request log."""

from __future__ import annotations

import time
from datetime import datetime

import hubspot
import orjson
import pytest
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.objects import ApiException as ObjectsApiException
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId, PublicObjectSearchRequest

from sandbox.faults import FaultKind, FaultRule
from sandbox.hubspot import objects as hs
from sandbox.hubspot.app import DEFAULT_TOKEN, HubSpotApp, HubSpotConfig
from sandbox.org.config import OrgConfig
from sandbox.org.generate import generate
from sandbox.org.hubspot_followups import SHOWCASE_TITLES
from sandbox.server import EmulatorServer
from sandbox.store import Store

END = datetime(2025, 3, 3)
ORG = OrgConfig(seed=11, end=END, activities=4_000, reps=8, days=120)
UNLIMITED = HubSpotConfig(ten_second_limit=1_000_000, search_per_second=1_000_000)
FOLLOW_UPS = ("emails", "tasks")


@pytest.fixture(scope="module")
def store():
    store = Store()
    generate(ORG, store)
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


def rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    return store.cursor().execute(sql, params or []).fetchall()


def scalar(store: Store, sql: str, params: list | None = None):
    return rows(store, sql, params)[0][0]


def epoch_ms(value: datetime) -> str:
    return str(int((value - datetime(1970, 1, 1)).total_seconds() * 1000))


def logged(server, endpoints: str, **kwargs) -> int:
    """The request log's count once it stops moving (a request is logged just after its answer)."""
    count = server.log.count(endpoints, **kwargs)
    for _ in range(50):
        time.sleep(0.01)
        if (again := server.log.count(endpoints, **kwargs)) == count:
            return count
        count = again
    return count


# -- the generated portal ------------------------------------------------------------------------


def test_rates_look_like_a_sales_team(store):
    calls = store.count('hubspot."calls"')
    emails = store.count('hubspot."emails"')
    tasks = store.count('hubspot."tasks"')
    assert 0.8 * calls <= emails <= 1.25 * calls  # roughly one e-mail per call
    assert 0.25 * calls <= tasks <= 0.6 * calls  # fewer tasks
    directions = dict(rows(store, 'SELECT hs_email_direction, count(*) FROM hubspot."emails" GROUP BY 1'))
    assert set(directions) == set(hs.EMAIL_DIRECTIONS)
    assert directions["EMAIL"] > 0.6 * emails
    assert directions["FORWARDED_EMAIL"] < directions["INCOMING_EMAIL"] < directions["EMAIL"]
    statuses = dict(rows(store, 'SELECT hs_email_status, count(*) FROM hubspot."emails" GROUP BY 1'))
    assert {"SENT", "BOUNCED", "FAILED", "SCHEDULED"} <= set(statuses)
    assert statuses["SENT"] > 0.6 * emails
    task_statuses = dict(rows(store, 'SELECT hs_task_status, count(*) FROM hubspot."tasks" GROUP BY 1'))
    assert set(task_statuses) == set(hs.TASK_STATUSES)
    assert 0.5 * tasks < task_statuses["COMPLETED"] < 0.9 * tasks
    for obj in FOLLOW_UPS:
        assert 0 < scalar(store, f'SELECT count(*) FROM hubspot."{obj}" WHERE archived') < 0.05 * emails


def test_follow_ups_are_consistent(store):
    end = ORG.end
    for obj in FOLLOW_UPS:
        bad = scalar(
            store,
            f"""SELECT count(*) FROM hubspot."{obj}" WHERE hs_createdate >= ? OR hs_lastmodifieddate >= ?
                OR hs_lastmodifieddate < hs_createdate OR hubspot_owner_id IS NULL""",
            [end, end],
        )
        assert bad == 0, obj
    # completed tasks, and only they, have a completion date, after creation and before the end
    assert rows(
        store,
        """SELECT count(*) FILTER (WHERE (hs_task_status = 'COMPLETED')
                                         <> (hs_task_completion_date IS NOT NULL)),
                  count(*) FILTER (WHERE hs_task_completion_date < hs_createdate
                                      OR hs_task_completion_date >= ?)
           FROM hubspot."tasks" """,
        [end],
    ) == [(0, 0)]
    # scheduled e-mails go out after the end, sent ones went out before it; replies carry no status
    assert rows(
        store,
        """SELECT count(*) FILTER (WHERE (hs_email_status = 'SCHEDULED') <> (hs_timestamp >= ?)),
                  count(*) FILTER (WHERE hs_email_direction = 'INCOMING_EMAIL'
                                     AND hs_email_status IS NOT NULL)
           FROM hubspot."emails" """,
        [end],
    ) == [(0, 0)]


@pytest.mark.parametrize("obj", FOLLOW_UPS)
def test_follow_ups_belong_to_their_contact_company_and_deal(store, obj):
    linked = dict(
        rows(
            store,
            """SELECT to_type, count(DISTINCT from_id) FROM hubspot.associations
               WHERE from_type = ? GROUP BY 1""",
            [obj],
        )
    )
    total = store.count(f'hubspot."{obj}"')
    assert linked["contacts"] > 0.95 * total
    assert linked["companies"] > 0.9 * total
    assert 0 < linked["deals"] < total
    # each follow-up's contact works at its company
    assert (
        scalar(
            store,
            """SELECT count(*) FROM hubspot.associations a
               JOIN hubspot.associations b ON b.from_type = a.from_type AND b.from_id = a.from_id
               JOIN hubspot."contacts" c ON c.id = b.to_id
               WHERE a.from_type = ? AND a.to_type = 'companies' AND b.to_type = 'contacts'
                 AND c.associatedcompanyid <> a.to_id""",
            [obj],
        )
        == 0
    )
    # and every association has its reverse
    assert (
        scalar(
            store,
            """SELECT count(*) FROM hubspot.associations a WHERE (a.from_type = ? OR a.to_type = ?)
               AND NOT EXISTS (SELECT 1 FROM hubspot.associations b WHERE b.from_type = a.to_type
                   AND b.from_id = a.to_id AND b.to_type = a.from_type AND b.to_id = a.from_id)""",
            [obj, obj],
        )
        == 0
    )


def test_email_addresses_are_the_reps_and_the_contacts(store):
    wrong = rows(
        store,
        """WITH e AS (
               SELECT id, hubspot_owner_id, hs_email_direction = 'INCOMING_EMAIL' AS reply,
                      CASE WHEN reply THEN hs_email_from_email ELSE hs_email_to_email END AS prospect,
                      CASE WHEN reply THEN hs_email_to_email ELSE hs_email_from_email END AS rep
               FROM hubspot."emails")
           SELECT count(*) FILTER (WHERE c.email IS DISTINCT FROM e.prospect),
                  count(*) FILTER (WHERE o.email IS DISTINCT FROM e.rep),
                  count(*)
           FROM e
           JOIN hubspot.associations a
             ON a.from_type = 'emails' AND a.from_id = e.id AND a.to_type = 'contacts'
           JOIN hubspot."contacts" c ON c.id = a.to_id
           JOIN hubspot.owners o ON CAST(o.id AS VARCHAR) = e.hubspot_owner_id""",
    )
    assert wrong[0][:2] == (0, 0)
    assert wrong[0][2] > 0.9 * store.count('hubspot."emails"')


def test_calls_and_meetings_have_one_to_three_contacts(store):
    for obj in ("calls", "meetings"):
        sizes = dict(
            rows(
                store,
                """SELECT n, count(*) FROM (SELECT from_id, count(*) AS n FROM hubspot.associations
                   WHERE from_type = ? AND to_type = 'contacts' GROUP BY 1) GROUP BY 1""",
                [obj],
            )
        )
        assert set(sizes) == {1, 2, 3}, obj
        assert sizes[1] > sizes[2] > sizes[3], obj
    # every contact of an activity is one of its company's contacts
    assert (
        scalar(
            store,
            """SELECT count(*) FROM hubspot.associations a
               JOIN hubspot.associations b ON b.from_type = a.from_type AND b.from_id = a.from_id
               JOIN hubspot."contacts" c ON c.id = b.to_id
               WHERE a.from_type IN ('calls', 'meetings') AND a.to_type = 'companies'
                 AND b.to_type = 'contacts' AND c.associatedcompanyid <> a.to_id""",
        )
        == 0
    )


def test_a_held_meeting_has_three_contacts_one_of_them_an_executive(store):
    found = rows(
        store,
        """SELECT m.id, list(c.jobtitle ORDER BY c.jobtitle) FROM hubspot."meetings" m
           JOIN hubspot.associations a
             ON a.from_type = 'meetings' AND a.from_id = m.id AND a.to_type = 'contacts'
           JOIN hubspot."contacts" c ON c.id = a.to_id
           WHERE m.hs_meeting_outcome IS DISTINCT FROM 'CANCELED' AND m.hs_meeting_start_time < ?
           GROUP BY m.id HAVING count(*) = 3 AND list_has_all(list(c.jobtitle), ?)""",
        [ORG.end, list(SHOWCASE_TITLES)],
    )
    assert found  # the showcase company's held meetings (one or more) have its three contacts
    assert {tuple(titles) for _, titles in found} == {tuple(sorted(SHOWCASE_TITLES))}


def test_contacts_carry_phones_lifecycle_stages_and_titles(store):
    total = store.count('hubspot."contacts"')
    with_phone, stages, titled = rows(
        store,
        """SELECT count(phone), count(DISTINCT lifecyclestage), count(jobtitle)
           FROM hubspot."contacts" WHERE lifecyclestage IS NOT NULL""",
    )[0]
    assert 0.5 * total < with_phone < 0.9 * total
    assert stages >= 4
    assert titled > 0
    assert set(s for (s,) in rows(store, 'SELECT DISTINCT lifecyclestage FROM hubspot."contacts"')) <= set(
        hs.LIFECYCLE_STAGES
    )


# -- served through hubspot-api-client ------------------------------------------------------------


@pytest.mark.parametrize("obj", FOLLOW_UPS)
def test_list_and_archived_listing(client, store, obj):
    api = client.crm.objects.basic_api
    seen, after = [], None
    while True:
        page = api.get_page(
            obj, limit=100, after=after, properties=[p.name for p in hs.HOBJECTS[obj].properties]
        )
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    live = [str(i) for (i,) in rows(store, f'SELECT id FROM hubspot."{obj}" WHERE NOT archived ORDER BY id')]
    assert seen == live
    archived = api.get_page(obj, limit=100, archived=True)
    assert archived.results
    assert all(r.archived and r.archived_at is not None for r in archived.results)


def test_wire_formats_of_an_email_and_a_task(client, store):
    email_id, task_id = (
        scalar(store, f'SELECT min(id) FROM hubspot."{obj}" WHERE NOT archived') for obj in FOLLOW_UPS
    )
    email = client.crm.objects.basic_api.get_by_id(
        "emails", str(email_id), properties=["hs_email_direction", "hs_timestamp", "hs_email_status"]
    )
    assert email.properties["hs_email_direction"] in hs.EMAIL_DIRECTIONS
    assert email.properties["hs_timestamp"].endswith("Z")
    assert set(email.properties) >= {"hs_object_id", "hs_createdate", "hs_lastmodifieddate"}
    completed = scalar(store, """SELECT min(id) FROM hubspot."tasks" WHERE hs_task_status = 'COMPLETED'""")
    task = client.crm.objects.basic_api.get_by_id(
        "tasks", str(completed), properties=["hs_task_status", "hs_task_completion_date"]
    )
    assert task.properties["hs_task_status"] == "COMPLETED"
    assert task.properties["hs_task_completion_date"].endswith("Z")
    assert client.crm.objects.basic_api.get_by_id("tasks", str(task_id)).id == str(task_id)


@pytest.mark.parametrize("obj", FOLLOW_UPS)
def test_batch_read_live_and_archived(client, store, obj):
    live = [str(i) for (i,) in rows(store, f'SELECT id FROM hubspot."{obj}" WHERE NOT archived LIMIT 3')]
    gone = [str(i) for (i,) in rows(store, f'SELECT id FROM hubspot."{obj}" WHERE archived LIMIT 2')]
    body = BatchReadInputSimplePublicObjectId(inputs=[{"id": i} for i in live], properties=["hs_timestamp"])
    assert sorted(r.id for r in client.crm.objects.batch_api.read(obj, body).results) == sorted(live)
    body = BatchReadInputSimplePublicObjectId(inputs=[{"id": i} for i in gone], properties=["hs_timestamp"])
    assert sorted(
        r.id for r in client.crm.objects.batch_api.read(obj, body, archived=True).results
    ) == sorted(gone)


@pytest.mark.parametrize(
    ("obj", "modified"),
    [("emails", "hs_lastmodifieddate"), ("tasks", "hs_lastmodifieddate"), ("contacts", "lastmodifieddate")],
)
def test_search_windows_on_the_last_modified_property(client, store, obj, modified):
    lo, hi = datetime(2025, 1, 1), datetime(2025, 2, 1)
    request = PublicObjectSearchRequest(
        limit=200,
        sorts=[modified],
        properties=[modified],
        filter_groups=[
            {
                "filters": [
                    {"propertyName": modified, "operator": "GTE", "value": epoch_ms(lo)},
                    {"propertyName": modified, "operator": "LT", "value": epoch_ms(hi)},
                ]
            }
        ],
    )
    found, after = [], None
    while True:
        request.after = after
        page = client.crm.objects.search_api.do_search(obj, public_object_search_request=request)
        found += page.results
        if page.paging is None:
            break
        after = page.paging.next.after
    expected = [
        str(i)
        for (i,) in rows(
            store,
            f'SELECT id FROM hubspot."{obj}" WHERE NOT archived AND "{modified}" >= ? AND "{modified}" < ? '
            f'ORDER BY "{modified}", id',
            [lo, hi],
        )
    ]
    assert expected
    assert [r.id for r in found] == expected
    assert page.total == len(expected)


def test_contacts_have_no_hs_lastmodifieddate_to_search_on(client):
    request = PublicObjectSearchRequest(
        filter_groups=[
            {"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"}]}
        ]
    )
    with pytest.raises(ObjectsApiException) as excinfo:
        client.crm.objects.search_api.do_search("contacts", public_object_search_request=request)
    assert excinfo.value.status == 400
    assert "hs_lastmodifieddate" in orjson.loads(excinfo.value.body)["message"]


def test_search_stops_at_10000_results(client, store):
    assert store.count('hubspot."emails"') < 10_000  # the cap is about the offset, not the portal size
    request = PublicObjectSearchRequest(limit=200, after="9900")
    with pytest.raises(ObjectsApiException) as excinfo:
        client.crm.objects.search_api.do_search("emails", public_object_search_request=request)
    assert excinfo.value.status == 400
    assert "10000" in orjson.loads(excinfo.value.body)["message"]


@pytest.mark.parametrize(("obj", "to_type", "type_id"), [
    ("emails", "contacts", 198), ("emails", "companies", 186), ("emails", "deals", 210),
    ("tasks", "contacts", 204), ("tasks", "companies", 192), ("tasks", "deals", 216),
    ("contacts", "companies", 1), ("contacts", "emails", 197), ("deals", "tasks", 215),
])  # fmt: skip
def test_associations_v4(client, store, obj, to_type, type_id):
    pairs = rows(
        store,
        """SELECT from_id, to_id FROM hubspot.associations WHERE from_type = ? AND to_type = ?
           ORDER BY 1, 2 LIMIT 40""",
        [obj, to_type],
    )
    ids = sorted({str(f) for f, _ in pairs})
    body = BatchInputPublicFetchAssociationsBatchRequest(inputs=[{"id": i} for i in ids])
    result = client.crm.associations.v4.batch_api.get_page(obj, to_type, body)
    got = {
        (int(r._from.id), int(t.to_object_id))
        for r in result.results
        for t in r.to
        if all(a.type_id == type_id and a.category == "HUBSPOT_DEFINED" for a in t.association_types)
    }
    expected = set(
        rows(
            store,
            """SELECT from_id, to_id FROM hubspot.associations WHERE from_type = ? AND to_type = ?
               AND from_id IN (SELECT unnest(?::BIGINT[]))""",
            [obj, to_type, [int(i) for i in ids]],
        )
    )
    assert got == expected
    one = client.crm.associations.v4.basic_api.get_page(obj, ids[0], to_type)
    assert {int(r.to_object_id) for r in one.results} == {t for f, t in expected if f == int(ids[0])}


def test_property_definitions_list_the_options(client):
    definitions = {p.name: p for p in client.crm.properties.core_api.get_all("emails").results}
    assert {o.value for o in definitions["hs_email_direction"].options} == set(hs.EMAIL_DIRECTIONS)
    definitions = {p.name: p for p in client.crm.properties.core_api.get_all("tasks").results}
    assert {o.value for o in definitions["hs_task_status"].options} == set(hs.TASK_STATUSES)
    assert definitions["hs_task_completion_date"].type == "datetime"


# -- limits, faults and the request log -----------------------------------------------------------


def test_rate_limits_faults_and_the_request_log_cover_the_new_objects(store):
    app = HubSpotApp(store, HubSpotConfig(ten_second_limit=2, search_per_second=1, daily_limit=1000))
    server = EmulatorServer(app).start()
    try:
        client = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)
        api = client.crm.objects.basic_api
        api.get_page("emails", limit=1)
        api.get_page("tasks", limit=1)
        with pytest.raises(ObjectsApiException) as excinfo:
            api.get_page("contacts", limit=1)
        assert excinfo.value.status == 429
        assert orjson.loads(excinfo.value.body)["policyName"] == "TEN_SECONDLY_ROLLING"
        search = client.crm.objects.search_api
        search.do_search("tasks", public_object_search_request=PublicObjectSearchRequest(limit=1))
        with pytest.raises(ObjectsApiException) as excinfo:
            search.do_search("emails", public_object_search_request=PublicObjectSearchRequest(limit=1))
        assert orjson.loads(excinfo.value.body)["policyName"] == "SECONDLY"
        assert logged(server, "hubspot.objects.list") == 3
        assert logged(server, "hubspot.objects.search", status=429) == 1
    finally:
        server.stop()
    server = EmulatorServer(HubSpotApp(store, UNLIMITED)).start()
    try:
        server.faults.add(
            FaultRule("hubspot.objects.search", kinds=(FaultKind.SERVER_ERROR,), rate=1.0, max_faults=1)
        )
        client = hubspot.Client.create(access_token=DEFAULT_TOKEN, host=server.url)
        with pytest.raises(ObjectsApiException) as excinfo:
            client.crm.objects.search_api.do_search(
                "tasks", public_object_search_request=PublicObjectSearchRequest()
            )
        assert excinfo.value.status == 500
        assert client.crm.objects.search_api.do_search(
            "tasks", public_object_search_request=PublicObjectSearchRequest()
        ).total == store.count('hubspot."tasks" WHERE NOT archived')
        assert logged(server, "hubspot.objects.search", status=500) == 1
    finally:
        server.stop()

"""A wide org (OrgConfig.custom_fields): 800 custom fields on Task, Event, Contact and Opportunity,
served by describe, REST and Bulk API 2.0 through the real simple-salesforce client, kept by the
mutation API; and the emulator's URI limit (HTTP 414), as Salesforce's front-end enforces it."""

import csv
import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError

from sandbox.org.config import OrgConfig
from sandbox.org.generate import generate
from sandbox.salesforce.app import MAX_URI_BYTES
from sandbox.salesforce.custom_fields import KINDS, WIDE_OBJECTS, custom_fields
from sandbox.salesforce.objects import SOBJECTS
from sandbox.sandbox import Sandbox
from sandbox.store import Store

WIDE = OrgConfig(seed=3, reps=6, days=60, end=datetime(2026, 3, 2), activities=1000, custom_fields=800)
QUERY_PATH = "/services/data/v59.0/query/"


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(WIDE) as box:
        yield box


@pytest.fixture
def sf(sandbox):
    creds = sandbox.config.salesforce.credentials
    session = sandbox.salesforce_session()
    client = Salesforce(
        username=creds.username, password=creds.password, security_token=creds.security_token, session=session
    )
    yield client
    session.close()


def store_values(store: Store, sobject: str, names: list[str]) -> dict[str, tuple]:
    """The stored values of `names`, by record Id."""
    columns = ", ".join(f'"{n}"' for n in names)
    rows = store.cursor().execute(f'SELECT "Id", {columns} FROM salesforce."{sobject}"').fetchall()
    return {row[0]: row[1:] for row in rows}


def one_of_each_kind(sobject: str) -> list[str]:
    return [f.name for f in custom_fields(sobject, len(KINDS))]


# --- the schema ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("sobject", WIDE_OBJECTS)
def test_describe_lists_800_custom_fields_of_every_kind(sf, sobject):
    fields = [f for f in getattr(sf, sobject).describe()["fields"] if f["name"].endswith("__c")]
    assert len(fields) == len({f["name"] for f in fields}) == 800
    assert all(f["custom"] for f in fields)
    assert {f["type"] for f in fields} == set(KINDS)
    assert all(not f["nillable"] for f in fields if f["type"] == "boolean")  # a checkbox is never null
    picklists = [f for f in fields if f["type"] == "picklist"]
    assert all(len(f["picklistValues"]) == 4 for f in picklists)
    assert sum(len(f["name"]) for f in fields) > MAX_URI_BYTES  # one query of them all cannot fit a URI


def test_other_objects_and_the_default_org_have_no_custom_fields(sf):
    assert not [f for f in sf.User.describe()["fields"] if f["name"].endswith("__c")]
    assert not [f for f in sf.OpportunityHistory.describe()["fields"] if f["name"].endswith("__c")]
    default = Store()
    assert default.salesforce_objects == SOBJECTS
    default.close()


# --- the URI limit ------------------------------------------------------------------------------------


def test_a_query_of_every_field_is_refused_with_414_and_jettys_page(sandbox, sf):
    names = [f["name"] for f in sf.Task.describe()["fields"]]
    used = sandbox.salesforce_app.api_requests_used
    with pytest.raises(SalesforceGeneralError) as err:
        sf.query_all(f"SELECT {', '.join(names)} FROM Task", include_deleted=True)
    assert err.value.status == 414
    assert err.value.content == "<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>"
    assert sandbox.salesforce_app.api_requests_used == used  # refused before the API counts it
    assert sandbox.requests.count("salesforce.query_all", status=414) >= 1


def test_the_limit_is_16384_bytes_of_path_and_query_string(sf):
    def soql(padding: int) -> str:
        return f"SELECT Id FROM Task WHERE Subject = '{'x' * padding}'"

    bare = len(QUERY_PATH) + 1 + len(urlencode({"q": soql(0)}))
    longest = MAX_URI_BYTES - bare
    assert sf.query(soql(longest))["totalSize"] == 0
    with pytest.raises(SalesforceGeneralError) as err:
        sf.query(soql(longest + 1))
    assert err.value.status == 414


# --- the values ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("sobject", WIDE_OBJECTS)
def test_rest_and_bulk_serve_the_stores_custom_values(sandbox, sf, sobject):
    names = one_of_each_kind(sobject)
    stored = store_values(sandbox.store, sobject, names)
    soql = f"SELECT Id, {', '.join(names)} FROM {sobject}"
    records = sf.query_all(soql, include_deleted=True)["records"]
    assert len(records) == len(stored)
    for record in records:
        want = [v.isoformat() if isinstance(v, date) else v for v in stored[record["Id"]]]
        assert [record[n] for n in names] == want
    pages = getattr(sf.bulk2, sobject).query_all(soql, wait=0.05)
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(rows) == len(stored)
    for row in rows:
        text, number, checkbox, day, picklist = stored[row["Id"]]
        assert row[names[0]] == (text or "")
        assert row[names[1]] == ("" if number is None else str(number))
        assert row[names[2]] == str(checkbox).lower()
        assert row[names[3]] == ("" if day is None else day.isoformat())
        assert row[names[4]] == (picklist or "")


def test_values_are_sparse_and_follow_the_seed():
    names = one_of_each_kind("Task")

    def values(seed: int) -> dict:
        store = Store(custom_fields=800)
        generate(replace(WIDE, seed=seed), store)
        found = store_values(store, "Task", names)
        store.close()
        return found

    first, again, other = values(3), values(3), values(4)
    assert first == again
    assert first != other
    columns = list(zip(*first.values(), strict=True))
    for name, column in zip(names, columns, strict=True):
        nulls = sum(v is None for v in column) / len(column)
        assert (nulls == 0) if name.startswith("Budget_Confirmed") else (0.2 < nulls < 0.99), name


def test_generate_refuses_a_store_without_the_orgs_custom_fields():
    store = Store()
    with pytest.raises(ValueError, match=r"Store\(custom_fields=800\)"):
        generate(WIDE, store)
    store.close()
    with pytest.raises(ValueError, match="custom_fields"):
        OrgConfig(custom_fields=801)


# --- the mutation API ---------------------------------------------------------------------------------


def test_changes_keep_custom_values_and_can_set_them(sandbox, sf):
    names = one_of_each_kind("Opportunity")
    deal = (
        sandbox.store.cursor()
        .execute('SELECT Id FROM salesforce."Opportunity" WHERE NOT IsDeleted AND NOT IsClosed LIMIT 1')
        .fetchone()[0]
    )
    before = store_values(sandbox.store, "Opportunity", names)[deal]
    sandbox.clock.advance(timedelta(minutes=1))
    sandbox.mutations.update("salesforce", "Opportunity", deal, {"Amount": 777.0})
    sandbox.mutations.move_deal_stage("salesforce", deal, "Negotiation/Review")
    assert store_values(sandbox.store, "Opportunity", names)[deal] == before
    sandbox.mutations.update("salesforce", "Opportunity", deal, {names[0]: "Edited by a rep", names[1]: 12.5})
    record = sf.query(f"SELECT {', '.join(names)} FROM Opportunity WHERE Id = '{deal}'")["records"][0]
    assert record[names[0]] == "Edited by a rep"
    assert record[names[1]] == 12.5
    assert record[names[2]] == before[2]


def test_a_new_record_has_unset_custom_fields_and_unticked_checkboxes(sandbox, sf):
    names = one_of_each_kind("Task")
    call = sandbox.mutations.create_call("salesforce")
    record = sf.query(f"SELECT {', '.join(names)} FROM Task WHERE Id = '{call}'")["records"][0]
    assert [record[n] for n in names] == [None, None, False, None, None]

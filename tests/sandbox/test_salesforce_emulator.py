"""The real simple-salesforce client against the Salesforce emulator, over HTTPS on a real socket."""

import csv
import io
import math
import re
from datetime import datetime

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sandbox.faults import FaultKind, FaultRule
from sandbox.org.config import OrgConfig
from sandbox.salesforce.app import SalesforceConfig
from sandbox.sandbox import Sandbox, SandboxConfig

ORG = OrgConfig(seed=11, reps=12, teams=2, days=120, end=datetime(2026, 6, 1), activities=8_000)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxConfig(org=ORG)) as box:
        yield box


@pytest.fixture(autouse=True)
def _clean(sandbox):
    sandbox.faults.clear()
    yield
    sandbox.faults.clear()


@pytest.fixture
def creds(sandbox):
    return sandbox.config.salesforce.credentials


@pytest.fixture
def connect(sandbox):
    """Build simple-salesforce clients whose HTTP sessions are closed after the test."""
    sessions = []

    def _connect(box=None, **kwargs):
        box = box or sandbox
        if "session_id" not in kwargs:
            kwargs["session"] = box.salesforce_session()
            sessions.append(kwargs["session"])
        try:
            client = Salesforce(**kwargs)
        except Exception:
            for session in sessions:
                session.close()
            raise
        sessions.append(client.session)
        return client

    yield _connect
    for session in sessions:
        session.close()


@pytest.fixture
def sf(connect, creds):
    return connect(username=creds.username, password=creds.password, security_token=creds.security_token)


def store_count(sandbox, sql):
    return sandbox.store.cursor().execute(sql).fetchone()[0]


# --- logins -----------------------------------------------------------------------------------------


def test_soap_login_points_the_client_at_the_emulator(sandbox, sf):
    assert sf.sf_instance == sandbox.salesforce.url.removeprefix("https://")
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_oauth_password_login(connect, creds):
    sf = connect(
        username=creds.username,
        password=creds.password,
        consumer_key=creds.consumer_key,
        consumer_secret=creds.consumer_secret,
    )
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_oauth_client_credentials_login_with_my_domain(connect, creds):
    sf = connect(
        consumer_key=creds.consumer_key, consumer_secret=creds.consumer_secret, domain=creds.my_domain
    )
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_direct_session_trusting_the_ca_through_requests_ca_bundle(sandbox, connect, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.ca_path))
    env = sandbox.credentials()
    sf = connect(instance_url=env["SALESFORCE_INSTANCE_URL"], session_id=env["SALESFORCE_ACCESS_TOKEN"])
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


@pytest.mark.parametrize("field", ["password", "security_token", "username"])
def test_soap_login_with_a_wrong_credential_fails(connect, creds, field):
    kwargs = {"username": creds.username, "password": creds.password, "security_token": creds.security_token}
    kwargs[field] = "wrong"
    with pytest.raises(SalesforceAuthenticationFailed) as err:
        connect(**kwargs)
    assert err.value.code == "INVALID_LOGIN"


def test_oauth_with_a_wrong_secret_fails(connect, creds):
    with pytest.raises(SalesforceAuthenticationFailed) as err:
        connect(
            username=creds.username,
            password=creds.password,
            consumer_key=creds.consumer_key,
            consumer_secret="wrong",
        )
    assert err.value.code == "invalid_client_id"


def test_an_unknown_session_id_is_refused_as_a_json_list(sandbox, connect, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.ca_path))
    sf = connect(instance_url=sandbox.salesforce.url, session_id="00Dbogus!token")
    with pytest.raises(SalesforceExpiredSession) as err:
        sf.query("SELECT Id FROM User")
    assert err.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_an_expired_session_triggers_the_clients_relogin(sandbox, sf):
    logins_before = sandbox.salesforce_app.sessions.logins
    sandbox.salesforce_app.sessions.expire_all()
    assert sf.query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1
    assert sandbox.salesforce_app.sessions.logins == logins_before + 1


def test_sessions_expire_after_the_configured_lifetime():
    ticks = [0.0]
    config = SandboxConfig(org=ORG, salesforce=SalesforceConfig(session_lifetime_seconds=60))
    box = Sandbox(config)
    box.salesforce_app.sessions._clock = lambda: ticks[0]
    token = box.salesforce_app.issue_session()
    assert box.salesforce_app.sessions.is_valid(token)
    ticks[0] = 61.0
    assert not box.salesforce_app.sessions.is_valid(token)
    box.stop()


# --- query, queryAll, paging ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sobject", ["Task", "Event", "Opportunity", "OpportunityHistory", "Account", "Contact", "Lead"]
)
def test_paging_totals_equal_the_generated_counts(sandbox, sf, sobject):
    hidden = {"Task": "IsDeleted OR IsArchived", "Event": "IsDeleted OR IsArchived"}.get(sobject, "IsDeleted")
    live = store_count(sandbox, f'SELECT count(*) FROM salesforce."{sobject}" WHERE NOT ({hidden})')
    everything = store_count(sandbox, f'SELECT count(*) FROM salesforce."{sobject}"')
    assert everything > live > 0
    result = sf.query_all(f"SELECT Id, SystemModstamp FROM {sobject}")
    assert result["totalSize"] == len(result["records"]) == live
    ids = [r["Id"] for r in sf.query_all(f"SELECT Id FROM {sobject}", include_deleted=True)["records"]]
    assert len(ids) == len(set(ids)) == everything


def test_pages_are_2000_records_by_default_and_follow_batch_size(sandbox, sf):
    total = store_count(sandbox, 'SELECT count(*) FROM salesforce."Task"')
    sandbox.requests.clear()
    assert len(sf.query_all("SELECT Id FROM Task", include_deleted=True)["records"]) == total
    assert sandbox.requests.count("salesforce.query_more") == math.ceil(total / 2000) - 1
    sandbox.requests.clear()
    first = sf.query(
        "SELECT Id FROM Task", include_deleted=True, headers={"Sforce-Query-Options": "batchSize=500"}
    )
    assert len(first["records"]) == 500
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    more = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert len(more["records"]) == 500
    assert not {r["Id"] for r in first["records"]} & {r["Id"] for r in more["records"]}


def test_records_carry_salesforce_field_formats(sf):
    soql = (
        "SELECT Id, Amount, CloseDate, CreatedDate, IsWon, CurrencyIsoCode FROM Opportunity "
        "WHERE Amount != null ORDER BY CreatedDate DESC LIMIT 5"
    )
    record = sf.query(soql)["records"][0]
    assert record["attributes"] == {
        "type": "Opportunity",
        "url": f"/services/data/v59.0/sobjects/Opportunity/{record['Id']}",
    }
    assert re.fullmatch(r"006\w{15}", record["Id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", record["CreatedDate"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", record["CloseDate"])
    assert isinstance(record["Amount"], float)
    assert isinstance(record["IsWon"], bool)
    assert record["CurrencyIsoCode"] in ("USD", "EUR")


def test_deleted_and_archived_rows_only_through_query_all(sandbox, sf):
    assert sf.query("SELECT Id FROM Task WHERE IsDeleted = true")["totalSize"] == 0
    deleted = store_count(sandbox, 'SELECT count(*) FROM salesforce."Task" WHERE "IsDeleted"')
    archived = store_count(sandbox, 'SELECT count(*) FROM salesforce."Task" WHERE "IsArchived"')
    assert (
        sf.query_all("SELECT Id FROM Task WHERE IsDeleted = true", include_deleted=True)["totalSize"]
        == deleted
    )
    assert (
        sf.query_all("SELECT Id FROM Task WHERE IsArchived = true", include_deleted=True)["totalSize"]
        == archived
    )
    assert deleted > 0
    assert archived > 0


def test_a_window_on_system_modstamp_matches_the_store(sandbox, sf):
    soql = (
        "SELECT Id, SystemModstamp FROM Task WHERE SystemModstamp >= 2026-03-01T00:00:00Z "
        "AND SystemModstamp < 2026-04-01T00:00:00.000+00:00 ORDER BY SystemModstamp"
    )
    expected = store_count(
        sandbox,
        """SELECT count(*) FROM salesforce."Task" WHERE "SystemModstamp" >= '2026-03-01'
           AND "SystemModstamp" < '2026-04-01'""",
    )
    records = sf.query_all(soql, include_deleted=True)["records"]
    assert len(records) == expected > 0
    stamps = [r["SystemModstamp"] for r in records]
    assert stamps == sorted(stamps)


def test_hostile_text_is_matched_verbatim(sandbox, sf):
    name = store_count(
        sandbox,
        """SELECT "Name" FROM salesforce."Account" WHERE "Name" LIKE '%''%' AND NOT "IsDeleted" LIMIT 1""",
    )
    escaped = name.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\t", "\\t")
    records = sf.query(f"SELECT Id, Name FROM Account WHERE Name = '{escaped}'")["records"]
    assert [r["Name"] for r in records] == [name]


def test_count_query(sandbox, sf):
    users = store_count(sandbox, 'SELECT count(*) FROM salesforce."User"')
    assert sf.query("SELECT COUNT() FROM User")["totalSize"] == users


# --- errors -------------------------------------------------------------------------------------------


def test_malformed_soql_raises_the_libraries_exception(sf):
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id FROM Task WHERE")
    assert err.value.content[0]["errorCode"] == "MALFORMED_QUERY"


def test_an_unknown_field_is_invalid_field(sf):
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id, Bogus__c FROM Task")
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Bogus__c' on entity 'Task'" in err.value.content[0]["message"]


def test_no_is_deleted_on_user(sf):
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id, IsDeleted FROM User")
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_an_unknown_object_is_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound):
        sf.Bogus.describe()


def test_server_errors_raise_general_error(sandbox, sf):
    sandbox.inject_faults(
        FaultRule("salesforce.query", kinds=(FaultKind.SERVER_ERROR,), rate=1.0, max_faults=1)
    )
    with pytest.raises(SalesforceGeneralError) as err:
        sf.query("SELECT Id FROM User")
    assert err.value.status == 500
    assert err.value.content[0]["errorCode"] == "UNKNOWN_EXCEPTION"


def test_the_daily_allocation_is_reported_and_enforced(connect, creds):
    config = SandboxConfig(org=ORG, salesforce=SalesforceConfig(daily_api_requests=5))
    with Sandbox(config) as box:
        sf = connect(
            box, username=creds.username, password=creds.password, security_token=creds.security_token
        )
        sf.query("SELECT Id FROM User LIMIT 1")
        assert sf.api_usage["api-usage"].used == 1
        assert sf.api_usage["api-usage"].total == 5
        limits = sf.limits()
        assert limits["DailyApiRequests"] == {"Max": 5, "Remaining": 3}
        for _ in range(3):
            sf.query("SELECT Id FROM User LIMIT 1")
        with pytest.raises(SalesforceRefusedRequest) as err:
            sf.query("SELECT Id FROM User LIMIT 1")
        assert err.value.content == [
            {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
        ]


# --- describe and Bulk API 2.0 ------------------------------------------------------------------------


def test_describe_lists_fields_with_types(sf):
    fields = {f["name"]: f for f in sf.Task.describe()["fields"]}
    assert fields["TaskSubtype"]["type"] == "picklist"
    assert "Call" in [v["value"] for v in fields["TaskSubtype"]["picklistValues"]]
    assert fields["SystemModstamp"]["type"] == "datetime"
    assert sf.Opportunity.describe()["keyPrefix"] == "006"


def test_leads_are_served_with_what_they_became(sandbox, sf):
    fields = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert sf.Lead.describe()["keyPrefix"] == "00Q"
    assert fields["ConvertedContactId"]["referenceTo"] == ["Contact"]
    assert fields["Phone"]["type"] == "phone"
    converted = sf.query_all(
        "SELECT Id, ConvertedAccountId, ConvertedContactId, ConvertedDate, Status FROM Lead "
        "WHERE IsConverted = true"
    )["records"]
    assert converted
    assert all(r["ConvertedContactId"].startswith("003") and r["ConvertedDate"] for r in converted)
    assert {r["Status"] for r in converted} == {"Closed - Converted"}
    pages = list(sf.bulk2.Lead.query_all("SELECT Id, Title, Email, IsDeleted FROM Lead", wait=0.05))
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(rows) == store_count(sandbox, 'SELECT count(*) FROM salesforce."Lead"')
    assert {r["IsDeleted"] for r in rows} == {"true", "false"}
    who = sf.query_all("SELECT WhoId FROM Task WHERE WhoId != null")["records"]
    assert any(r["WhoId"].startswith("00Q") for r in who)  # follow-ups to unconverted leads


def test_bulk2_query_returns_every_record_in_csv_pages(sandbox, sf):
    total = store_count(sandbox, 'SELECT count(*) FROM salesforce."Task"')
    sandbox.requests.clear()
    pages = list(
        sf.bulk2.Task.query_all(
            "SELECT Id, Subject, SystemModstamp, IsDeleted, CallDurationInSeconds FROM Task",
            max_records=3000,
            wait=0.05,
        )
    )
    rows = [row for page in pages for row in csv.DictReader(io.StringIO(page))]
    assert len(rows) == total
    assert len({r["Id"] for r in rows}) == total
    assert len(pages) == math.ceil(total / 3000)
    assert sandbox.requests.count("salesforce.bulk2.results") == len(pages)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rows[0]["SystemModstamp"])
    assert {r["IsDeleted"] for r in rows} == {"true", "false"}
    hostile = store_count(
        sandbox,
        """SELECT "Subject" FROM salesforce."Task" WHERE "Subject" LIKE '%' || chr(10) || '%' LIMIT 1""",
    )
    if hostile is not None:
        assert hostile in {r["Subject"] for r in rows}

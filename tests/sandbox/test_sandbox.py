"""The whole sandbox: a generated org served by both emulators, read through the real clients, and
changed between two reads through the mutation API, as users change a CRM between two syncs."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import hubspot
import pytest
from hubspot.crm.objects import PublicObjectSearchRequest
from simple_salesforce import Salesforce

from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

ORG = OrgConfig(seed=5, reps=10, teams=2, days=90, end=datetime(2026, 3, 2), activities=6_000)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(SandboxConfig(org=ORG)) as box:
        yield box


@pytest.fixture(scope="module")
def hs(sandbox):
    client = hubspot.Client.create(access_token=sandbox.credentials()["HUBSPOT_ACCESS_TOKEN"])
    # Every API object is configured from these keys when first used.
    client.config["host"] = sandbox.hubspot.url
    return client


@pytest.fixture(scope="module")
def sf(sandbox):
    creds = sandbox.config.salesforce.credentials
    session = sandbox.salesforce_session()
    yield Salesforce(
        username=creds.username, password=creds.password, security_token=creds.security_token, session=session
    )
    session.close()


def count(sandbox, sql):
    return sandbox.store.cursor().execute(sql).fetchall()[0][0]


def all_ids(hs, object_type, *, archived=False):
    ids, after = [], None
    while True:
        page = hs.crm.objects.basic_api.get_page(object_type, limit=100, after=after, archived=archived)
        ids += [r.id for r in page.results]
        if page.paging is None or page.paging.next is None:
            return ids
        after = page.paging.next.after


@pytest.mark.parametrize("object_type", ["calls", "meetings", "deals", "companies", "contacts"])
def test_hubspot_paging_totals_equal_the_generated_counts(sandbox, hs, object_type):
    live = count(sandbox, f'SELECT count(*) FROM hubspot."{object_type}" WHERE NOT archived')
    archived = count(sandbox, f'SELECT count(*) FROM hubspot."{object_type}" WHERE archived')
    sandbox.requests.clear()
    ids = all_ids(hs, object_type)
    assert len(ids) == len(set(ids)) == live
    assert sandbox.requests.count("hubspot.objects.list") == -(-live // 100)
    assert len(all_ids(hs, object_type, archived=True)) == archived > 0


def test_hubspot_owners_and_pipelines(sandbox, hs):
    owners = hs.crm.owners.get_all()
    assert len(owners) == count(sandbox, "SELECT count(*) FROM hubspot.owners WHERE NOT archived")
    assert any(o.email is None for o in owners)
    pipelines = hs.crm.pipelines.pipelines_api.get_all("deals").results
    default = next(p for p in pipelines if p.id == "default")
    won = next(s for s in default.stages if s.id == "closedwon")
    assert won.metadata == {"isClosed": "true", "probability": "1.0"}


def test_generated_counts_add_up_to_the_activities_knob(sandbox):
    summary = sandbox.summary
    assert summary.activities == pytest.approx(ORG.activities, rel=0.05)
    assert summary.counts["salesforce.Task"] == count(sandbox, 'SELECT count(*) FROM salesforce."Task"')


def test_a_salesforce_stage_move_is_seen_by_an_incremental_query(sandbox, sf):
    opportunity = sf.query("SELECT Id, StageName FROM Opportunity WHERE IsClosed = false LIMIT 1")["records"][
        0
    ]
    sandbox.clock.advance(timedelta(hours=2))
    cursor = sandbox.clock.now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    sandbox.mutations.move_deal_stage("salesforce", opportunity["Id"], "Closed Won")
    changed = sf.query_all(
        f"SELECT Id, StageName, IsWon, SystemModstamp FROM Opportunity WHERE SystemModstamp >= {cursor}",
        include_deleted=True,
    )["records"]
    assert [(r["Id"], r["StageName"], r["IsWon"]) for r in changed] == [
        (opportunity["Id"], "Closed Won", True)
    ]
    history = sf.query_all(
        f"SELECT StageName FROM OpportunityHistory WHERE OpportunityId = '{opportunity['Id']}' "
        "ORDER BY CreatedDate DESC LIMIT 1"
    )["records"]
    assert history[0]["StageName"] == "Closed Won"


def test_a_salesforce_delete_and_restore(sandbox, sf):
    task = sf.query("SELECT Id FROM Task WHERE TaskSubtype = 'Call' LIMIT 1")["records"][0]["Id"]
    sandbox.clock.advance(timedelta(minutes=5))
    sandbox.mutations.delete("salesforce", "Task", task)
    soql = f"SELECT Id, IsDeleted FROM Task WHERE Id = '{task}'"
    assert sf.query(soql)["totalSize"] == 0
    assert sf.query_all(soql, include_deleted=True)["records"][0]["IsDeleted"] is True
    sandbox.mutations.restore("salesforce", "Task", task)
    assert sf.query(soql)["records"][0]["IsDeleted"] is False


def test_a_hubspot_stage_move_is_seen_by_a_search_window_and_the_history(sandbox, hs):
    deal = hs.crm.deals.basic_api.get_page(limit=1, properties=["dealstage"]).results[0]
    sandbox.clock.advance(timedelta(hours=1))
    since = int(sandbox.clock.now.timestamp() * 1000)
    sandbox.mutations.move_deal_stage("hubspot", deal.id, "contractsent")
    request = PublicObjectSearchRequest(
        filter_groups=[
            {"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": str(since)}]}
        ],
        properties=["dealstage"],
        limit=200,
    )
    found = hs.crm.deals.search_api.do_search(public_object_search_request=request)
    assert [(r.id, r.properties["dealstage"]) for r in found.results] == [(deal.id, "contractsent")]
    with_history = hs.crm.deals.basic_api.get_by_id(deal.id, properties_with_history=["dealstage"])
    assert with_history.properties_with_history["dealstage"][0].value == "contractsent"


def test_a_hubspot_archive_leaves_search_and_joins_the_archived_listing(sandbox, hs):
    call = hs.crm.objects.basic_api.get_page("calls", limit=1).results[0]
    sandbox.mutations.delete("hubspot", "calls", call.id)
    assert call.id in all_ids(hs, "calls", archived=True)
    request = PublicObjectSearchRequest(
        filter_groups=[{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": call.id}]}]
    )
    assert hs.crm.objects.search_api.do_search("calls", public_object_search_request=request).total == 0
    sandbox.mutations.restore("hubspot", "calls", call.id)
    assert hs.crm.objects.search_api.do_search("calls", public_object_search_request=request).total == 1


def test_the_emulators_never_failed_internally(sandbox):
    assert sandbox.salesforce.internal_errors == []
    assert sandbox.hubspot.internal_errors == []


def test_barometer_sandbox_serves_until_stopped():
    command = [
        sys.executable,
        "-c",
        "from pipelines.cli import main; main()",
        "sandbox",
        "--activities",
        "2000",
        "--reps",
        "6",
        "--salesforce-port",
        "0",
        "--hubspot-port",
        "0",
    ]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )
    try:
        lines, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        output = "".join(lines)
        exports = dict(re.findall(r"export (\w+)=(\S+)", output))
        assert exports["HUBSPOT_BASE_URL"].startswith("http://127.0.0.1:")
        assert exports["SALESFORCE_INSTANCE_URL"].startswith("https://127.0.0.1:")
        assert os.path.exists(exports["REQUESTS_CA_BUNDLE"])
        client = hubspot.Client.create(access_token=exports["HUBSPOT_ACCESS_TOKEN"])
        client.config["host"] = exports["HUBSPOT_BASE_URL"]
        assert client.crm.owners.owners_api.get_page(limit=5).results
        session_env = {**os.environ, "REQUESTS_CA_BUNDLE": exports["REQUESTS_CA_BUNDLE"]}
        check = subprocess.run(
            [
                sys.executable,
                "-c",
                "import os; from simple_salesforce import Salesforce; "
                "sf = Salesforce(instance_url=os.environ['SALESFORCE_INSTANCE_URL'], "
                "session_id=os.environ['SALESFORCE_ACCESS_TOKEN']); "
                "print(sf.query('SELECT COUNT() FROM User')['totalSize'])",
            ],
            env={**session_env, **exports},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert check.returncode == 0, check.stderr
        assert int(check.stdout) > 0
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Sandbox stopped." in err

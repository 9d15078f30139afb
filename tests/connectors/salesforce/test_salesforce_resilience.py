"""Faults, sessions, the daily allocation, credentials and secrets, against the emulator."""

from __future__ import annotations

import logging
from dataclasses import replace
from unittest.mock import patch

import orjson
import pyarrow as pa
import pytest
import requests
from requests.adapters import BaseAdapter
from salesforce_helpers import (
    EVERYTHING,
    FAST,
    ORG,
    client_credentials_env,
    page_rows,
    password_env,
    token_env,
)

from connectors.salesforce import (
    ApiAllocationError,
    AuthenticationError,
    RetriesExhaustedError,
    SalesforceClient,
    SessionExpiredError,
    config_from_env,
    connect,
    stream,
    streams,
)
from connectors.salesforce.specs import EXTRACTIONS
from sandbox.faults import FaultKind, FaultRule
from sandbox.salesforce.app import SalesforceConfig as EmulatorConfig
from sandbox.sandbox import Sandbox, SandboxConfig

BULK = replace(FAST, bulk_threshold=1_000, bulk_max_records=1_000, page_rows=600)
# Small pages: many requests, so that 10% of them failing means dozens of faults.
SMALL_REST = replace(FAST, rest_batch_size=200)
SMALL_BULK = replace(SMALL_REST, bulk_threshold=1_000, bulk_max_records=300, page_rows=200)


def full_sync(client) -> tuple[dict[str, pa.Table], int]:
    rows, calls = {}, 0
    for s in streams(client):
        pages = list(s.pages(EVERYTHING))
        assert sum(len(p.rejects) for p in pages) == 0
        rows[s.name] = page_rows(pages)
        calls += sum(p.api_calls for p in pages)
    return rows, calls


@pytest.mark.parametrize("settings", [SMALL_REST, SMALL_BULK], ids=["rest", "bulk"])
def test_ten_percent_of_requests_failing_every_way_changes_nothing(sandbox, open_client, settings):
    clean, _ = full_sync(open_client(settings=settings))
    sandbox.requests.clear()
    sandbox.inject_faults(FaultRule(endpoints="salesforce.*", rate=0.1))
    client = open_client(settings=settings)
    faulty, calls = full_sync(client)
    assert sandbox.faults.injected >= 3
    for name, table in clean.items():
        assert faulty[name].equals(table), name
    # Every request the connector sent, retries and re-logins included, is attributed to a page.
    assert calls + client.take_api_calls() == client.requests == sandbox.requests.count("salesforce.*")
    assert sandbox.salesforce.internal_errors == []


def test_expired_sessions_are_renewed_by_logging_in_again(sandbox, open_client):
    client = open_client(settings=BULK)
    logins = sandbox.salesforce_app.sessions.logins
    sandbox.inject_faults(FaultRule("salesforce.bulk2.*", kinds=(FaultKind.EXPIRED_SESSION,), rate=0.5))
    sandbox.inject_faults(FaultRule("salesforce.query*", kinds=(FaultKind.EXPIRED_SESSION,), rate=0.5))
    rows = page_rows(stream(client, "salesforce.task").pages(EVERYTHING))
    assert rows.num_rows > 0
    assert sandbox.salesforce_app.sessions.logins > logins


def test_retries_are_bounded_and_the_error_names_object_and_window(sandbox, open_client):
    client = open_client(settings=replace(FAST, max_attempts=3))
    sandbox.inject_faults(FaultRule("salesforce.query_all", kinds=(FaultKind.UNAVAILABLE,), rate=1.0))
    sandbox.requests.clear()
    with pytest.raises(RetriesExhaustedError) as err:
        list(stream(client, "salesforce.event").pages(EVERYTHING))
    message = str(err.value)
    assert "salesforce Event, window [2000-01-01T00:00:00Z, open)" in message
    assert "3 attempts" in message
    assert "503" in message
    assert sandbox.requests.count("salesforce.query_all") == 3


def test_a_direct_token_that_expires_is_a_clear_error(sandbox, open_client, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.ca_path))
    client = open_client(config_from_env(token_env(sandbox)), session=False)
    assert client.config.auth == "token"
    sandbox.salesforce_app.sessions.expire_all()
    with pytest.raises(SessionExpiredError) as err:
        list(stream(client, "salesforce.user").pages(EVERYTHING))
    assert "SALESFORCE_ACCESS_TOKEN" in str(err.value)
    assert err.value.variables == ("SALESFORCE_ACCESS_TOKEN",)


def test_a_direct_token_reads_the_org(sandbox, open_client, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.ca_path))
    client = open_client(config_from_env(token_env(sandbox)), session=False)
    assert page_rows(stream(client, "salesforce.opportunity_stage").pages(EVERYTHING)).num_rows > 0


def test_client_credentials_login_reads_the_org(open_client, sandbox):
    client = open_client(config_from_env(client_credentials_env(sandbox)))
    assert client.config.auth == "client_credentials"
    assert page_rows(stream(client, "salesforce.user").pages(EVERYTHING)).num_rows > 0


@pytest.mark.parametrize("variable", ["SALESFORCE_PASSWORD", "SALESFORCE_SECURITY_TOKEN"])
def test_a_wrong_password_fails_fast_naming_the_variables(sandbox, variable):
    env = password_env(sandbox) | {variable: "wrong"}
    sandbox.requests.clear()
    session = sandbox.salesforce_session()
    try:
        with pytest.raises(AuthenticationError) as err:
            connect(config_from_env(env), session=session, settings=FAST)
    finally:
        session.close()
    message = str(err.value)
    assert "SALESFORCE_PASSWORD" in message
    assert "SALESFORCE_SECURITY_TOKEN" in message
    assert "INVALID_LOGIN" in message
    assert sandbox.requests.count("salesforce.*") == 1  # no retries of a refused login


def test_a_wrong_client_secret_names_the_client_variables(sandbox):
    env = client_credentials_env(sandbox) | {"SALESFORCE_CLIENT_SECRET": "wrong"}
    session = sandbox.salesforce_session()
    try:
        with pytest.raises(AuthenticationError) as err:
            connect(config_from_env(env), session=session, settings=FAST)
    finally:
        session.close()
    assert "SALESFORCE_CLIENT_ID" in str(err.value)
    assert "SALESFORCE_CLIENT_SECRET" in str(err.value)


def test_an_unknown_token_fails_at_connect_naming_it(sandbox, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.ca_path))
    env = token_env(sandbox) | {"SALESFORCE_ACCESS_TOKEN": "00Dbogus!token"}
    with pytest.raises(SessionExpiredError) as err:
        connect(config_from_env(env), settings=FAST)
    assert "SALESFORCE_ACCESS_TOKEN" in str(err.value)


def test_the_allocation_guard_stops_before_the_configured_share(open_client):
    config = SandboxConfig(org=ORG, salesforce=EmulatorConfig(daily_api_requests=40))
    with Sandbox(config) as box:
        env = password_env(box) | {"SALESFORCE_MAX_API_SHARE": "0.5"}
        client = open_client(config_from_env(env), box=box, settings=SMALL_REST)
        with pytest.raises(ApiAllocationError) as err:
            full_sync(client)
        assert box.salesforce_app.api_requests_used <= 20
        assert client.api_usage[0] == box.salesforce_app.api_requests_used == 20
        message = str(err.value)
        assert "SALESFORCE_MAX_API_SHARE" in message
        assert "20 of its 40" in message
        assert message.startswith("salesforce ")


def test_an_exhausted_allocation_is_reported_as_such(open_client):
    config = SandboxConfig(org=ORG, salesforce=EmulatorConfig(daily_api_requests=6))
    with Sandbox(config) as box:
        env = password_env(box) | {"SALESFORCE_MAX_API_SHARE": "1"}
        client = open_client(config_from_env(env), box=box)
        box.salesforce_app.api_requests_used = 6  # another integration used the rest meanwhile
        with pytest.raises(ApiAllocationError) as err:
            list(stream(client, "salesforce.task").pages(EVERYTHING))
        assert "REQUEST_LIMIT_EXCEEDED" in str(err.value)


def test_secrets_never_appear_in_logs_errors_or_reprs(sandbox, open_client, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    creds = sandbox.config.salesforce.credentials
    texts: list[str] = []
    sandbox.inject_faults(FaultRule(endpoints="salesforce.*", rate=0.2))
    client = open_client(settings=BULK)
    session_ids = {client._api().session_id}
    for s in streams(client):
        pages = list(s.pages(EVERYTHING))
        texts += [repr(s), repr(pages[0])]
        session_ids.add(client._api().session_id)
    texts += [repr(client), repr(client.config), str(client.config)]
    sandbox.faults.clear()
    for env in (
        password_env(sandbox) | {"SALESFORCE_PASSWORD": creds.password + "x"},
        client_credentials_env(sandbox) | {"SALESFORCE_CLIENT_SECRET": creds.consumer_secret + "x"},
    ):
        session = sandbox.salesforce_session()
        try:
            with pytest.raises(AuthenticationError) as err:
                connect(config_from_env(env), session=session, settings=FAST)
        finally:
            session.close()
        texts += [str(err.value), repr(err.value), repr(config_from_env(env))]
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(sandbox.ca_path))
    token = token_env(sandbox)
    token_client = open_client(config_from_env(token), session=False)
    sandbox.salesforce_app.sessions.expire_all()
    with pytest.raises(SessionExpiredError) as err:
        list(stream(token_client, "salesforce.user").pages(EVERYTHING))
    texts += [str(err.value), repr(err.value), repr(token_client), repr(token_client.config)]
    texts += [r.getMessage() for r in caplog.records]
    assert any("retrying" in t for t in texts)  # the faults were logged
    secrets = {
        creds.password,
        creds.password + "x",
        creds.security_token,
        creds.consumer_secret,
        creds.consumer_secret + "x",
        token["SALESFORCE_ACCESS_TOKEN"],
        *session_ids,
    }
    everything = "\n".join(texts)
    for secret in secrets:
        assert secret not in everything


@pytest.mark.parametrize("name", [e.stream_name for e in EXTRACTIONS])
def test_stream_names_follow_the_table_names(client, name):
    s = stream(client, name)
    assert s.name == name
    assert s.cursor_field == "SystemModstamp"
    assert s.specs[0].name == name.removeprefix("salesforce.")


class _Scripted(BaseAdapter):
    """Answers each request with the next scripted (status, headers, JSON body)."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)
        self.sent = 0

    def send(self, request, **kwargs):
        status, headers, body = self.script.pop(0)
        self.sent += 1
        response = requests.Response()
        response.status_code, response.url, response.request = status, request.url, request
        response.headers.update(headers)
        response._content = orjson.dumps(body)
        return response

    def close(self):
        pass


def test_retry_after_is_honoured(sandbox):
    limits = {"DailyApiRequests": {"Max": 1000, "Remaining": 990}}
    busy = [{"message": "slow down", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
    adapter = _Scripted(
        [
            (429, {"Retry-After": "7"}, busy),
            (503, {}, [{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}]),
            (200, {"Sforce-Limit-Info": "api-usage=12/1000"}, limits),
        ]
    )
    session = requests.Session()
    session.mount("https://", adapter)
    config = config_from_env(token_env(sandbox))
    client = SalesforceClient(config, session=session, settings=replace(FAST, backoff_initial_seconds=0.5))
    try:
        sleeps: list[float] = []
        with patch("tenacity.nap.time.sleep", sleeps.append):
            client.open()
    finally:
        session.close()
    assert adapter.sent == 3
    assert sleeps[0] == 7.0  # Retry-After, not the backoff
    assert 0.0 <= sleeps[1] <= 1.0  # full jitter: uniform(0, 0.5 * 2)
    assert client.api_usage == (12, 1000)
    assert client.take_api_calls() == 3

"""Fixtures for the Salesforce connector tests: one small synthetic org behind the Salesforce
emulator (HTTPS, real sockets) for the whole folder, and clients closed after each test."""

from __future__ import annotations

import pytest
from salesforce_helpers import FAST, ORG, password_env

from connectors.salesforce import SalesforceConfig, config_from_env, connect
from sandbox.sandbox import Sandbox, SandboxConfig


@pytest.fixture(scope="session")
def sandbox():
    with Sandbox(SandboxConfig(org=ORG)) as box:
        yield box


@pytest.fixture(autouse=True)
def _no_faults(sandbox):
    sandbox.faults.clear()
    yield
    sandbox.faults.clear()


@pytest.fixture
def open_client(sandbox):
    """open_client(config=None, settings=FAST, box=sandbox, session=True): a logged-in client (password
    login by default). With `session`, the sandbox's session reaches the emulator from Salesforce's
    login hosts; without, the client opens its own (direct token flow, REQUESTS_CA_BUNDLE)."""
    opened = []

    def _open(
        config: SalesforceConfig | None = None, *, settings=FAST, box: Sandbox | None = None, session=True
    ):
        box = box or sandbox
        config = config or config_from_env(password_env(box))
        http = box.salesforce_session() if session else None
        if http is not None:
            opened.append(http)
        client = connect(config, session=http, settings=settings)
        opened.append(client)
        return client

    yield _open
    for thing in reversed(opened):
        thing.close()


@pytest.fixture
def client(open_client):
    return open_client()

"""Fixtures of the HubSpot connector tests (helpers: hubspot_helpers.py)."""

from __future__ import annotations

import pytest
from hubspot_helpers import ORG, quick_sandbox

from sandbox.sandbox import Sandbox, SandboxConfig


@pytest.fixture(scope="module")
def box():
    """The test org at HubSpot's own rate limits (100 requests per 10 s, search 5 a second)."""
    with Sandbox(SandboxConfig(org=ORG)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def quick_box():
    with quick_sandbox() as sandbox:
        yield sandbox

"""Helpers for the HubSpot connector tests: a small sandbox org, running a stream over a window, and
reading the sandbox store the emulator serves from. (Fixtures live in conftest.py.)"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from connectors.hubspot import HubSpotConfig, config_from_env, streams
from connectors.streams import Page, Reject, Window
from sandbox.hubspot.app import HubSpotConfig as EmulatorLimits
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

# ~1,250 calls (250 sharing one hs_lastmodifieddate), ~350 meetings, ~150 deals, owners without e-mail,
# archived records of every type, hostile text: every awkward case, in a few seconds of syncing.
ORG = OrgConfig(seed=5, reps=10, teams=2, days=90, end=datetime(2026, 3, 2), activities=3_000)
EVERYTHING = Window(datetime(2000, 1, 1, tzinfo=UTC))


@dataclass
class Synced:
    """What one stream yielded for a window, per table."""

    pages: list[Page] = field(default_factory=list)
    rows: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    rejects: dict[str, list[Reject]] = field(default_factory=lambda: defaultdict(list))

    @property
    def api_calls(self) -> int:
        return sum(p.api_calls for p in self.pages)

    def table(self, name: str) -> list[dict]:
        return self.rows[name]


def run(stream, window: Window = EVERYTHING) -> Synced:
    out = Synced()
    for page in stream.pages(window):
        assert page.rows.schema == page.spec.schema
        out.pages.append(page)
        out.rows[page.spec.name] += page.rows.to_pylist()
        out.rejects[page.spec.name] += page.rejects
    return out


def stream_named(config: HubSpotConfig, name: str):
    return next(s for s in streams(config) if s.name == name)


def fast(config: HubSpotConfig, **changes) -> HubSpotConfig:
    """The same config with short backoff, so injected faults do not make tests slow."""
    return replace(config, backoff_seconds=0.02, backoff_max_seconds=0.2, **changes)


def hubspot_config(box: Sandbox, **changes) -> HubSpotConfig:
    config = config_from_env(box.credentials())
    assert config is not None
    return fast(config, **changes)


def store(box: Sandbox, sql: str, params: list | None = None) -> list[dict]:
    cur = box.store.cursor()
    result = cur.execute(sql, params or [])
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def naive(value):
    """Arrow's UTC timestamps as the store's naive UTC datetimes."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


UNLIMITED = 1_000_000_000


def quick_sandbox() -> Sandbox:
    """The test org behind rate limits high enough not to slow a test down (tests that are about the
    limits use `box`, which has HubSpot's)."""
    limits = EmulatorLimits(ten_second_limit=UNLIMITED, search_per_second=UNLIMITED)
    return Sandbox(SandboxConfig(org=ORG, hubspot=limits))


def quick_config(box: Sandbox, **changes) -> HubSpotConfig:
    return hubspot_config(box, requests_per_10s=UNLIMITED, search_per_second=UNLIMITED, **changes)

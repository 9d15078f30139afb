"""Rate limits: with the sandbox's HubSpot at HubSpot's real limits for a private app on a Free/Starter
portal (100 requests per rolling 10 s, 5 searches per second) and the client at its defaults, a full
sync of an org big enough to press against both limits never exceeds them: checked on the arrival
time of every request the sandbox logged, and no 429 is ever served."""

import bisect
from datetime import UTC, datetime

import pytest

from connectors.hubspot import settings as client_defaults
from connectors.sources import open_sources
from models.engine import make_engine
from models.sync import catch_up_window, run_stream
from sandbox.hubspot.app import HubSpotConfig
from sandbox.org.config import OrgConfig
from sandbox.sandbox import Sandbox, SandboxConfig

REAL_LIMITS = HubSpotConfig()  # the sandbox's defaults: HubSpot's documented private-app limits
SEARCH = "hubspot.objects.search"
# HubSpot-heavy and deal-heavy (every connected call books, every meeting opens a deal): the deals'
# stage-history reads (50 deals a request) come in bursts that outrun the 10-second budget.
ORG = OrgConfig(
    seed=31,
    reps=12,
    teams=2,
    days=60,
    end=datetime(2026, 5, 4),
    activities=12_000,
    hubspot_share=0.7,
    both_share=0.1,
    connect_rate=(1.0, 1.0),
    booking_rate=(1.0, 1.0),
    deal_rate=(1.0, 1.0),
    inbound_share=0.9,
    followup_share=0.0,
)


def most_in_any_window(arrivals: list[float], seconds: float) -> int:
    """The largest number of arrivals within any rolling window of `seconds` (half-open)."""
    arrivals = sorted(arrivals)
    return max((bisect.bisect_left(arrivals, t + seconds) - i for i, t in enumerate(arrivals)), default=0)


@pytest.mark.slow
def test_a_full_sync_never_exceeds_hubspots_real_limits(tmp_path):
    assert (REAL_LIMITS.ten_second_limit, REAL_LIMITS.search_per_second) == (100, 5)
    with Sandbox(SandboxConfig(org=ORG, hubspot=REAL_LIMITS)) as box:
        credentials = box.credentials()
        env = {name: credentials[name] for name in ("HUBSPOT_BASE_URL", "HUBSPOT_ACCESS_TOKEN")}
        engine = make_engine(tmp_path / "warehouse.duckdb")
        started = datetime.now(UTC)
        with open_sources(env) as sources:  # HubSpot only: Salesforce has no per-second limits
            reports = [
                run_stream(engine, stream, catch_up_window(engine, stream.name)) for stream in sources.streams
            ]
        seconds = (datetime.now(UTC) - started).total_seconds()
        engine.dispose()
        entries = box.hubspot.log.entries

    searches = [e.received_at for e in entries if e.endpoint == SEARCH]
    others = [e.received_at for e in entries if e.endpoint != SEARCH]
    busiest_10s, busiest_search_1s = most_in_any_window(others, 10.0), most_in_any_window(searches, 1.0)
    budget = int(client_defaults.DEFAULT_REQUESTS_PER_10S * client_defaults.RATE_LIMIT_MARGIN)
    print(
        f"\n{len(entries)} HubSpot requests in {seconds:.1f}s: {len(others)} counted per 10 s (busiest 10 s: "
        f"{busiest_10s}, client budget {budget}, limit {REAL_LIMITS.ten_second_limit}), {len(searches)} "
        f"searches (busiest second: {busiest_search_1s}, client {client_defaults.SEARCH_REQUESTS_PER_SECOND},"
        f" limit {REAL_LIMITS.search_per_second}); {sum(r.fetched for r in reports):,} records"
    )
    assert len(others) > budget  # more than one window's worth: the client had to hold back
    assert len(searches) > 10 * REAL_LIMITS.search_per_second
    assert [e for e in entries if e.status == 429] == []
    assert busiest_10s <= REAL_LIMITS.ten_second_limit
    assert busiest_search_1s <= REAL_LIMITS.search_per_second
    assert [e.status for e in entries if not 200 <= e.status < 300] == []
    assert sum(r.rejected for r in reports) == 0

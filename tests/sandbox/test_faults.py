"""Fault injection is deterministic, follows its rules, and each kind reaches the client as it should."""

import pytest
import requests

from sandbox.faults import FaultInjector, FaultKind, FaultRule
from sandbox.server import EmulatorServer
from sandbox.web import Router, json_response


def _decisions(injector: FaultInjector, endpoint: str, n: int) -> list[str | None]:
    return [(f.kind.value if (f := injector.decide(endpoint)) else None) for _ in range(n)]


def test_same_seed_same_faults_and_rate_is_respected():
    a, b, c = FaultInjector(seed=1), FaultInjector(seed=1), FaultInjector(seed=2)
    for injector in (a, b, c):
        injector.add(FaultRule("hubspot.*", rate=0.1))
    first = _decisions(a, "hubspot.objects.list", 2000)
    assert first == _decisions(b, "hubspot.objects.list", 2000)
    assert first != _decisions(c, "hubspot.objects.list", 2000)
    # 429 bursts add their follow-ups on top of the 10% draw.
    assert 0.07 < sum(d is not None for d in first) / 2000 < 0.2
    assert {d for d in first if d} == {k.value for k in FaultKind}


def test_rules_match_endpoints_by_glob_and_stop_at_max_faults():
    injector = FaultInjector()
    injector.add(FaultRule("salesforce.query*", kinds=(FaultKind.UNAVAILABLE,), rate=1.0, max_faults=2))
    assert injector.decide("hubspot.objects.list") is None
    assert [injector.decide("salesforce.query_more").kind for _ in range(2)] == [FaultKind.UNAVAILABLE] * 2
    assert injector.decide("salesforce.query") is None
    assert injector.injected == 2


def test_rate_limit_faults_come_in_bursts():
    injector = FaultInjector()
    injector.add(FaultRule(kinds=(FaultKind.RATE_LIMITED,), rate=1.0, burst=3, max_faults=1))
    kinds = [f.kind if (f := injector.decide("x")) else None for _ in range(4)]
    assert kinds == [FaultKind.RATE_LIMITED] * 3 + [None]


@pytest.mark.parametrize("rate", [-0.1, 1.5])
def test_a_rate_outside_zero_one_is_refused(rate):
    with pytest.raises(ValueError, match="fault rate must be within"):
        FaultRule(rate=rate)


class _EchoApp:
    service = "echo"

    def __init__(self) -> None:
        self.router = Router()
        self.router.add(
            "GET", "/echo/{word}", "echo.get", lambda r: json_response({"word": r.params["word"]})
        )

    def fault_response(self, kind, request):
        return json_response(
            {"fault": kind.value}, status=401 if kind is FaultKind.EXPIRED_SESSION else int(kind)
        )

    def not_found(self, request):
        return json_response({"error": "not found"}, status=404)


@pytest.fixture
def echo():
    server = EmulatorServer(_EchoApp()).start()
    yield server
    server.stop()


def _only(server: EmulatorServer, kind: FaultKind) -> None:
    server.faults.clear()
    server.faults.add(FaultRule(kinds=(kind,), rate=1.0, burst=1, slow_seconds=0.3, max_faults=1))


def test_socket_level_faults_reach_the_client(echo):
    _only(echo, FaultKind.CONNECTION_RESET)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{echo.url}/echo/a", timeout=5)
    _only(echo, FaultKind.TRUNCATED_BODY)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(f"{echo.url}/echo/b", timeout=5)
    _only(echo, FaultKind.SLOW)
    slow = requests.get(f"{echo.url}/echo/c", timeout=5)
    assert slow.json() == {"word": "c"}
    assert slow.elapsed.total_seconds() >= 0.3
    _only(echo, FaultKind.BAD_GATEWAY)
    assert requests.get(f"{echo.url}/echo/d", timeout=5).status_code == 502
    assert requests.get(f"{echo.url}/echo/e", timeout=5).json() == {"word": "e"}


def test_the_request_log_counts_every_call_with_its_fault(echo):
    _only(echo, FaultKind.SERVER_ERROR)
    for word in ("a", "b", "c"):
        requests.get(f"{echo.url}/echo/{word}", timeout=5)
    requests.get(f"{echo.url}/nowhere", timeout=5)
    assert echo.log.counts() == {"echo.get": 3, "echo.unknown": 1}
    assert echo.log.count("echo.get", status=500) == 1
    assert [e.fault for e in echo.log.entries][:2] == ["500", None]

"""The client's retry policy against a scripted HTTP server: urllib3 never retries on its own, every
request is counted, Retry-After is honoured, a 400 is not retried, an expired-token 401 is (an
invalid token fails at once: test_hubspot_config)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest

from connectors.hubspot import HubSpotClient, HubSpotConfig, RequestError, RetriesExhausted
from connectors.hubspot.ratelimit import RateLimiter

OK = (200, {}, {"results": [{"name": "hs_timestamp"}, {"name": "hs_custom_score"}]})


class Scripted:
    """Answers requests from a script of (status, headers, JSON body); the last answer repeats."""

    def __init__(self, script: list[tuple[int, dict, dict]]) -> None:
        self.script = list(script)
        self.seen: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append(self.path)
                status, headers, body = outer.script.pop(0) if len(outer.script) > 1 else outer.script[0]
                data = orjson.dumps(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def serve():
    servers: list[Scripted] = []

    def start(*script):
        servers.append(Scripted(list(script)))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def client_for(server: Scripted, slept: list[float], **changes) -> HubSpotClient:
    config = HubSpotConfig(access_token="pat-test", base_url=server.url, **changes)
    unlimited = RateLimiter(requests_per_10s=10**9, search_per_second=10**9)
    return HubSpotClient(config, limiter=unlimited, sleep=slept.append)


def test_retry_after_is_honoured_and_every_request_counted(serve):
    server = serve((429, {"Retry-After": "3"}, {"status": "error", "message": "slow down"}), OK)
    slept: list[float] = []
    with client_for(server, slept) as client:
        assert client.property_names(object_type="calls") == ["hs_timestamp", "hs_custom_score"]
        assert slept == [3.0]
        assert client.requests == len(server.seen) == 2  # urllib3 did not retry behind our back


def test_5xx_backs_off_with_jitter_then_gives_up_naming_the_object(serve):
    server = serve((503, {}, {"status": "error", "message": "unavailable", "correlationId": "c-1"}))
    slept: list[float] = []
    with client_for(server, slept, max_attempts=4, backoff_seconds=0.5) as client:
        with pytest.raises(RetriesExhausted) as caught:
            client.property_names(object_type="meetings")
        assert client.requests == len(server.seen) == 4
    assert len(slept) == 3
    assert all(0 <= s <= 0.5 * 2**i for i, s in enumerate(slept))  # full jitter, doubling
    assert "HubSpot meetings: properties still failing after 4 attempts" in str(caught.value)
    assert "HTTP 503 unavailable (correlationId c-1)" in str(caught.value)


def test_a_bad_request_is_not_retried(serve):
    body = {"status": "error", "message": "Invalid input", "category": "VALIDATION_ERROR"}
    server = serve((400, {}, body))
    slept: list[float] = []
    with client_for(server, slept) as client:
        with pytest.raises(RequestError, match="400 VALIDATION_ERROR: Invalid input"):
            client.property_names(object_type="deals")
        assert client.requests == 1
    assert slept == []


def test_an_expired_token_answer_is_retried(serve):
    expired = (401, {}, {"status": "error", "message": "expired", "category": "EXPIRED_AUTHENTICATION"})
    server = serve(expired, OK)
    slept: list[float] = []
    with client_for(server, slept) as client:
        assert client.property_names(object_type="calls")
        assert client.requests == 2

"""A typed HubSpot CRM client on hubspot-api-client: keyword-only query methods returning HubSpot's JSON.

The generated API methods do the HTTP (host = HUBSPOT_BASE_URL) and are called with
`_preload_content=False`; the body is parsed with orjson, which skips the library's model
deserialisation (dateutil on every timestamp, ~30 ms per 100 records). urllib3 never retries on its
own (`Retry(total=0)`): every response reaches this module, which counts each request, waits for the
shared rate limiter before each one, and retries 429s, 5xx, resets, truncated and malformed bodies
with full-jitter exponential backoff (tenacity), honouring Retry-After. A bad token fails at once.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from email.utils import parsedate_to_datetime
from typing import Any

import hubspot
import orjson
import urllib3
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential
from urllib3.util.retry import Retry

from connectors.hubspot import settings
from connectors.hubspot.config import TOKEN_VAR, HubSpotConfig
from connectors.hubspot.errors import AuthenticationError, RequestError, RetriesExhausted
from connectors.hubspot.ratelimit import RateLimiter, shared_limiter

log = logging.getLogger("connectors.hubspot")

JSON = dict[str, Any]
# urllib3 must not retry (it would silently sleep on Retry-After and hide requests from the count).
NO_URLLIB3_RETRIES = Retry(
    total=0, connect=0, read=0, redirect=0, status=0, other=0, raise_on_status=False,
    respect_retry_after_header=False,
)  # fmt: skip
_TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, http.client.HTTPException, ConnectionError, TimeoutError)
# The generated API objects this client uses, by short name: (discovery path, attribute).
_APIS = {
    "properties": ("crm.properties", "core_api"),
    "owners": ("crm.owners", "owners_api"),
    "pipelines": ("crm.pipelines", "pipelines_api"),
    "objects": ("crm.objects", "basic_api"),
    "batch": ("crm.objects", "batch_api"),
    "search": ("crm.objects", "search_api"),
    "associations": ("crm.associations.v4", "batch_api"),
}


class _Transient(Exception):
    """A failure worth retrying (429, 5xx, transport errors, bad bodies, an expired-token 401)."""

    def __init__(self, summary: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.status = status
        self.retry_after = retry_after


class RequestCount:
    """Requests one thread sent within a `HubSpotClient.counting()` block, retries included."""

    def __init__(self) -> None:
        self.value = 0


class HubSpotClient:
    """One portal token's client. Use as a context manager (or call close()) to release its sockets."""

    def __init__(
        self,
        config: HubSpotConfig,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self._sdk = hubspot.Client.create(
            access_token=config.access_token, host=config.base_url, retry=NO_URLLIB3_RETRIES
        )
        self._limiter = limiter or shared_limiter(
            config.base_url,
            config.access_token,
            requests_per_10s=config.requests_per_10s,
            search_per_second=config.search_per_second,
        )
        self._sleep = sleep
        self._timeout = (config.connect_timeout_seconds, config.read_timeout_seconds)
        self._jitter = wait_random_exponential(
            multiplier=config.backoff_seconds, max=config.backoff_max_seconds
        )
        self._apis: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._requests = 0
        self._counted = 0  # of which sent within a counting() block
        self._local = threading.local()  # the calling thread's RequestCount, if it opened one
        self._answered = False  # some request has succeeded: a later 401 may be transient

    def __repr__(self) -> str:
        return f"HubSpotClient(base_url={self.config.base_url!r}, requests={self._requests})"

    @property
    def requests(self) -> int:
        """HTTP requests sent so far by every thread, retries included."""
        return self._requests

    @property
    def requests_outside_counting(self) -> int:
        """Requests sent by any thread outside a counting() block."""
        with self._lock:
            return self._requests - self._counted

    @contextmanager
    def counting(self) -> Iterator[RequestCount]:
        """Count the HTTP requests this thread sends within the block (retries included)."""
        count, previous = RequestCount(), getattr(self._local, "count", None)
        self._local.count = count
        try:
            yield count
        finally:
            self._local.count = previous

    def close(self) -> None:
        with self._lock:
            for api in self._apis.values():
                api.api_client.rest_client.pool_manager.clear()
                api.api_client.close()
            self._apis.clear()

    def __enter__(self) -> HubSpotClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries -----------------------------------------------------------------------------------

    def property_names(self, *, object_type: str) -> list[str]:
        """Every property of the object type, custom ones included (GET /crm/v3/properties/{type})."""
        api = self._api("properties")
        body = self._call(
            "properties", object_type, lambda kw: api.get_all(object_type, archived=False, **kw)
        )
        return [p["name"] for p in body.get("results", ())]

    def owners_page(self, *, archived: bool, after: str | None = None) -> JSON:
        """GET /crm/v3/owners/ (only the archived ones when `archived`)."""
        api = self._api("owners")
        return self._call(
            "owners list",
            "owners",
            lambda kw: api.get_page(limit=settings.OWNERS_PAGE_SIZE, after=after, archived=archived, **kw),
        )

    def deal_pipelines(self) -> JSON:
        """GET /crm/v3/pipelines/deals: every deal pipeline with its stages."""
        api = self._api("pipelines")
        return self._call("pipelines list", "deal_pipelines", lambda kw: api.get_all("deals", **kw))

    def list_page(
        self,
        *,
        object_type: str,
        archived: bool,
        after: str | None = None,
        limit: int = settings.LIST_PAGE_SIZE,
    ) -> JSON:
        """GET /crm/v3/objects/{type} with the default properties (only archived records when `archived`)."""
        api = self._api("objects")
        return self._call(
            "list",
            object_type,
            lambda kw: api.get_page(object_type, limit=limit, after=after, archived=archived, **kw),
        )

    def search(self, *, object_type: str, body: JSON) -> JSON:
        """POST /crm/v3/objects/{type}/search (properties travel in the body, never in the URL)."""
        api = self._api("search")
        return self._call(
            "search",
            object_type,
            lambda kw: api.do_search(object_type, public_object_search_request=body, **kw),
            search=True,
        )

    def batch_read(
        self,
        *,
        object_type: str,
        ids: Sequence[str],
        properties: Sequence[str],
        properties_with_history: Sequence[str] = (),
        archived: bool = False,
    ) -> JSON:
        """POST /crm/v3/objects/{type}/batch/read: ≤ 100 ids, ≤ 50 with history. A 207 lists missing ids."""
        limit = settings.HISTORY_BATCH_SIZE if properties_with_history else settings.BATCH_READ_SIZE
        if len(ids) > limit:
            raise ValueError(f"batch read of {len(ids)} {object_type}: at most {limit} ids a request")
        request: JSON = {"inputs": [{"id": i} for i in ids], "properties": list(properties)}
        if properties_with_history:
            request["propertiesWithHistory"] = list(properties_with_history)
        api = self._api("batch")
        return self._call(
            "batch read",
            object_type,
            lambda kw: api.read(
                object_type, batch_read_input_simple_public_object_id=request, archived=archived, **kw
            ),
        )

    def associations(self, *, from_type: str, to_type: str, inputs: Sequence[JSON]) -> JSON:
        """POST /crm/v4/associations/{from}/{to}/batch/read for ≤ 1,000 inputs ({"id"[, "after"]})."""
        if len(inputs) > settings.ASSOCIATIONS_BATCH_SIZE:
            limit = settings.ASSOCIATIONS_BATCH_SIZE
            raise ValueError(f"associations batch of {len(inputs)} inputs: at most {limit} a request")
        api = self._api("associations")
        request = {"inputs": list(inputs)}
        return self._call(
            f"associations to {to_type}",
            from_type,
            lambda kw: api.get_page(
                from_type, to_type, batch_input_public_fetch_associations_batch_request=request, **kw
            ),
        )

    # -- plumbing ----------------------------------------------------------------------------------

    def _api(self, name: str) -> Any:
        """The generated API object, built once: each one owns a urllib3 pool (closed by close())."""
        with self._lock:
            api = self._apis.get(name)
            if api is None:
                path, attribute = _APIS[name]
                discovery: Any = self._sdk
                for part in path.split("."):
                    discovery = getattr(discovery, part)
                api = self._apis[name] = getattr(discovery, attribute)
            return api

    def _call(
        self, operation: str, object_type: str, send: Callable[[JSON], Any], *, search: bool = False
    ) -> JSON:
        retrying = Retrying(
            stop=stop_after_attempt(self.config.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            before_sleep=lambda state: self._log_retry(operation, object_type, state),
            reraise=True,
        )
        started = time.monotonic()
        try:
            return retrying(self._attempt, operation, object_type, send, search)
        except _Transient as error:
            seconds = time.monotonic() - started
            if error.status == 401:
                raise AuthenticationError(
                    f"{operation} kept answering 401 ({error.summary}) for {self.config.max_attempts} "
                    f"attempts: {TOKEN_VAR} has expired or was revoked; set it to a valid private-app "
                    "access token",
                    object_type=object_type,
                    status=401,
                ) from None
            raise RetriesExhausted(
                f"{operation} still failing after {self.config.max_attempts} attempts over {seconds:.0f} s "
                f"(last: {error.summary}). HubSpot may be unavailable, or other apps are spending this "
                "portal's rate limit: re-run later, or lower HUBSPOT_REQUESTS_PER_10S",
                object_type=object_type,
                status=error.status,
            ) from None

    def _attempt(self, operation: str, object_type: str, send: Callable[[JSON], Any], search: bool) -> JSON:
        self._limiter.acquire(search=search)
        count = getattr(self._local, "count", None)
        with self._lock:
            self._requests += 1
            if count is not None:
                count.value += 1
                self._counted += 1
        started = time.perf_counter()
        response = None
        try:
            response = send({"_preload_content": False, "_request_timeout": self._timeout})
            data = response.data
        except _TRANSPORT_ERRORS as error:
            reason = getattr(error, "reason", None) or error
            log.debug("HubSpot %s %s: %s", object_type, operation, type(reason).__name__)
            raise _Transient(f"{type(reason).__name__}: {reason}") from None
        except Exception as error:
            status = getattr(error, "status", None)
            if not isinstance(status, int) or not type(error).__module__.startswith("hubspot."):
                raise
            log.debug("HubSpot %s %s: HTTP %s", object_type, operation, status)
            raise self._failure(operation, object_type, status, error) from None
        finally:
            if response is not None:
                response.release_conn()
        log.debug(
            "HubSpot %s %s: HTTP %s, %d bytes in %.0f ms",
            object_type,
            operation,
            response.status,
            len(data),
            (time.perf_counter() - started) * 1000,
        )
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            raise _Transient(f"malformed JSON body ({error.msg})", status=response.status) from None
        if not isinstance(body, dict):
            raise _Transient("JSON body is not an object", status=response.status)
        self._answered = True
        return body

    def _failure(self, operation: str, object_type: str, status: int, error: Exception) -> Exception:
        """The exception to raise for a non-2xx answer: _Transient ones are retried."""
        details = _error_details(error)
        summary = f"HTTP {status}" + (f" {details}" if details else "")
        if status == 429 or status >= 500:
            return _Transient(summary, status=status, retry_after=_retry_after(error))
        if status == 401:
            category = _error_field(error, "category")
            expired = category == "EXPIRED_AUTHENTICATION"
            if expired or (category != "INVALID_AUTHENTICATION" and self._answered):
                return _Transient(summary, status=401)
            return AuthenticationError(
                f"HubSpot rejected the access token ({summary}): set {TOKEN_VAR} to the access token of a "
                "private app in this portal (Settings → Integrations → Private apps)",
                object_type=object_type,
                status=401,
            )
        if status == 403:
            return AuthenticationError(
                f"{operation} refused ({summary}): give the private app behind {TOKEN_VAR} read access "
                f"to {object_type}",
                object_type=object_type,
                status=403,
            )
        if status == 0:
            return RequestError(
                f"{operation} failed before any answer ({getattr(error, 'reason', '')}): check "
                "HUBSPOT_BASE_URL and the TLS setup",
                object_type=object_type,
            )
        return RequestError(
            f"{operation} refused ({summary}). This is a connector bug or a HubSpot API change: "
            "report it with this message",
            object_type=object_type,
            status=status,
        )

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Transient) and error.retry_after is not None:
            return min(error.retry_after, settings.RETRY_AFTER_MAX_SECONDS)
        return self._jitter(state)

    def _log_retry(self, operation: str, object_type: str, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "HubSpot %s %s: %s; retry %d of %d in %.2f s",
            object_type,
            operation,
            getattr(error, "summary", error),
            state.attempt_number,
            self.config.max_attempts - 1,
            state.upcoming_sleep,
        )


def create_client(config: HubSpotConfig) -> HubSpotClient:
    """The client factory: one client per run (close it when done); all clients of a token share one
    rate limiter in this process."""
    return HubSpotClient(config)


def _error_json(error: Exception) -> JSON | None:
    body = getattr(error, "body", None)
    if not body:
        return None
    try:
        parsed = orjson.loads(body)
    except (orjson.JSONDecodeError, TypeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _error_field(error: Exception, name: str) -> str | None:
    parsed = _error_json(error)
    value = parsed.get(name) if parsed else None
    return value if isinstance(value, str) else None


def _error_details(error: Exception) -> str:
    """HubSpot's category/policy, message and correlation id; the reason phrase for non-JSON bodies."""
    parsed = _error_json(error)
    if parsed is None:
        return str(getattr(error, "reason", "") or "")
    label = parsed.get("policyName") or parsed.get("category") or ""
    message = str(parsed.get("message") or "")[:300]
    text = f"{label}: {message}" if label else message
    if parsed.get("correlationId"):
        text += f" (correlationId {parsed['correlationId']})"
    return text


def _retry_after(error: Exception) -> float | None:
    headers = getattr(error, "headers", None)
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None

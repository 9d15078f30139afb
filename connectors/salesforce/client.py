"""The Salesforce API client: login, REST query pages, Bulk API 2.0 query pages, describe, limits.

Built on simple-salesforce. The client owns the policy around every request:

- **Counting.** Each request (logins, retries and simple-salesforce's own re-logins included) passes
  through a transport adapter mounted on the HTTP session, which counts it, applies default
  timeouts and reads `Sforce-Limit-Info` and `Retry-After`. `take_api_calls()` hands the count
  since the last call to whoever builds the next page.
- **Retries.** 429, 5xx, connection errors, resets, truncated and malformed (not JSON) bodies are
  retried with exponential backoff and full jitter (tenacity), honouring `Retry-After`, up to
  `SyncSettings.max_attempts`; then `RetriesExhausted` names the object and window. Re-reading
  a REST `nextRecordsUrl` or a Bulk results locator is safe.
- **Sessions.** simple-salesforce logs in again by itself when a session expires (password and OAuth
  logins); for Bulk calls, which it does not cover, the client re-logs in. With a direct access
  token there is nobody to log in: a 401 is `SessionExpiredError` naming SALESFORCE_ACCESS_TOKEN.
- **Allocation.** The `limits` endpoint is read at start and the usage header after every call; the
  client stops with `ApiAllocationError` before the org's usage would pass `max_api_share` of the
  daily allocation.
- **Secrets.** Never in a log line, an error or a repr: messages are scrubbed of every secret value.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import orjson
import requests
import urllib3.exceptions
from requests.adapters import BaseAdapter
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.exceptions import SalesforceError as LibraryError
from simple_salesforce.util import call_salesforce
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from connectors.salesforce import config as env
from connectors.salesforce.config import SalesforceConfig, config_from_env
from connectors.salesforce.errors import (
    ApiAllocationError,
    AuthenticationError,
    BulkJobError,
    ConfigurationError,
    RequestError,
    RetriesExhausted,
    SalesforceError,
    SessionExpiredError,
)
from connectors.salesforce.mapping import Field, selectable_fields
from connectors.salesforce.settings import SyncSettings

log = logging.getLogger(__name__)
T = TypeVar("T")

# Failures of the network or of a response in flight: always worth another attempt.
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.TimeoutError,
    http.client.IncompleteRead,
    http.client.RemoteDisconnected,
    ConnectionError,
    TimeoutError,
)
# A body that does not parse (requests' error derives from simplejson's when that is installed).
_MALFORMED_BODY = (json.JSONDecodeError, requests.exceptions.JSONDecodeError)
_TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})
_BULK_DONE = "JobComplete"
_BULK_FAILED = frozenset({"Failed", "Aborted"})


# --- transport ---------------------------------------------------------------------------------------


class _Meter:
    """What the transport saw: requests sent, the API usage Salesforce reported, and per thread the
    last response's status and Retry-After (read by that thread's retry policy).

    Requests count towards `unclaimed`, which the next page takes, except in a thread counting
    `deferred()` (a worker fetching ahead): its requests are handed over with the item they produced
    (`credit`), so that each page carries the calls spent on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self.requests = 0
        self.unclaimed = 0
        self.usage: tuple[int, int] | None = None  # api-usage: (used, allocation) in the rolling 24 h

    def sent(self) -> None:
        with self._lock:
            self.requests += 1
            if getattr(self._local, "deferred", None) is not None:
                self._local.deferred += 1
            else:
                self.unclaimed += 1
        self._local.status = None
        self._local.retry_after = None

    def received(self, response: requests.Response) -> None:
        self._local.status = response.status_code
        self._local.retry_after = _retry_after(response.headers.get("Retry-After"))
        usage = response.headers.get("Sforce-Limit-Info")
        if usage:
            parsed = Salesforce.parse_api_usage(usage).get("api-usage")
            if parsed is not None:
                self.usage = (parsed.used, parsed.total)

    @property
    def last_status(self) -> int | None:
        return getattr(self._local, "status", None)

    @property
    def retry_after(self) -> float | None:
        return getattr(self._local, "retry_after", None)

    @contextmanager
    def deferred(self) -> Iterator[list[int]]:
        """Count this thread's requests apart; the list holds their number after the block."""
        counted = [0]
        self._local.deferred = 0
        try:
            yield counted
        finally:
            counted[0] = self._local.deferred
            self._local.deferred = None

    def credit(self, calls: int) -> None:
        with self._lock:
            self.unclaimed += calls

    def take(self) -> int:
        with self._lock:
            taken, self.unclaimed = self.unclaimed, 0
        return taken


class _MeteredAdapter(BaseAdapter):
    """Wraps a session's adapter: counts every request, sets default timeouts, reads the headers
    the retry and allocation policies need. Logs method, path and status only (never headers or
    bodies, which carry credentials)."""

    def __init__(self, inner: BaseAdapter, meter: _Meter, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.inner = inner
        self.meter = meter
        self.timeout = timeout

    def send(self, request, timeout=None, **kwargs):
        self.meter.sent()
        started = time.perf_counter()
        try:
            response = self.inner.send(request, timeout=timeout or self.timeout, **kwargs)
        except Exception as exc:
            log.debug("salesforce %s %s failed: %s", request.method, _path(request.url), type(exc).__name__)
            raise
        self.meter.received(response)
        log.debug(
            "salesforce %s %s -> %s in %.3f s",
            request.method,
            _path(request.url),
            response.status_code,
            time.perf_counter() - started,
        )
        return response

    def close(self) -> None:
        self.inner.close()


def _path(url: str) -> str:
    return urlsplit(url).path


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _instrument(session: requests.Session, meter: _Meter, timeout: tuple[float, float]) -> None:
    for prefix, adapter in list(session.adapters.items()):
        inner = adapter.inner if isinstance(adapter, _MeteredAdapter) else adapter
        session.adapters[prefix] = _MeteredAdapter(inner, meter, timeout)


# --- the client --------------------------------------------------------------------------------------


class _Salesforce(Salesforce):
    """simple-salesforce, parsing JSON answers with orjson (about twice as fast as the standard
    library's parser for query pages; the same values)."""

    def parse_result_to_json(self, result: requests.Response) -> Any:
        try:
            return orjson.loads(result.content)
        except orjson.JSONDecodeError:  # e.g. an integer beyond 64 bits: the standard library copes
            return super().parse_result_to_json(result)


@dataclass(frozen=True)
class BulkPage:
    """One Bulk API 2.0 results page: CSV bytes (header row included)."""

    csv: bytes
    records: int


class SalesforceClient:
    """One org, one login, one HTTP session. Create it with `connect()`; close it when done (or use it
    as a context manager). A session passed in stays the caller's to close; its adapters are
    wrapped for counting, so give each client its own session."""

    def __init__(
        self,
        config: SalesforceConfig,
        *,
        session: requests.Session | None = None,
        settings: SyncSettings | None = None,
    ) -> None:
        self.config = config
        self.settings = settings or SyncSettings()
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._meter = _Meter()
        timeout = (self.settings.connect_timeout_seconds, self.settings.read_timeout_seconds)
        _instrument(self._session, self._meter, timeout)
        self._sf: Salesforce | None = None
        self._relogin_needed = False
        self._describes: dict[str, tuple[Field, ...]] = {}
        self.allocation: int | None = None  # DailyApiRequests Max, from the limits endpoint
        self._jitter = wait_random_exponential(
            multiplier=self.settings.backoff_initial_seconds, max=self.settings.backoff_max_seconds
        )

    # --- lifecycle ------------------------------------------------------------------------------------

    def open(self) -> SalesforceClient:
        """Log in (checking the credentials) and read the org's API allocation."""
        context = "salesforce login"
        self._sf = self._call(self._login, context=context)
        limits = self._call(lambda: self._api().limits(), context=context)
        daily = limits.get("DailyApiRequests") if isinstance(limits, dict) else None
        if isinstance(daily, dict) and isinstance(daily.get("Max"), int):
            self.allocation = daily["Max"]
            if self._meter.usage is None and isinstance(daily.get("Remaining"), int):
                self._meter.usage = (daily["Max"] - daily["Remaining"], daily["Max"])
        log.info(
            "salesforce: logged in (%s) to %s; API usage %s",
            self.config.auth,
            self.instance,
            "unknown" if self._meter.usage is None else "{} of {}".format(*self._meter.usage),
        )
        return self

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> SalesforceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"SalesforceClient(auth={self.config.auth!r}, instance={self.instance!r}, "
            f"requests={self.requests})"
        )

    @property
    def instance(self) -> str | None:
        return None if self._sf is None else self._sf.sf_instance

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (retries and logins included)."""
        return self._meter.requests

    @property
    def api_usage(self) -> tuple[int, int] | None:
        """(requests used, daily allocation) as Salesforce last reported them."""
        return self._meter.usage

    def take_api_calls(self) -> int:
        """Requests sent since the last call: the API calls to attribute to the next page."""
        return self._meter.take()

    @contextmanager
    def deferred_calls(self) -> Iterator[list[int]]:
        """For a worker fetching ahead: its requests are counted apart (the list holds their number
        after the block) and handed to `credit_api_calls` with what they fetched."""
        with self._meter.deferred() as counted:
            yield counted

    def credit_api_calls(self, calls: int) -> None:
        self._meter.credit(calls)

    # --- reading ------------------------------------------------------------------------------------

    def describe(self, sobject: str, *, context: str) -> tuple[Field, ...]:
        """The object's selectable fields (describe once per client)."""
        if sobject not in self._describes:
            answer = self._call(lambda: self._api().restful(f"sobjects/{sobject}/describe"), context=context)
            self._describes[sobject] = selectable_fields(answer or {})
        return self._describes[sobject]

    def query(self, soql: str, *, include_deleted: bool, context: str) -> Iterator[dict[str, Any]]:
        """REST query (queryAll with include_deleted) page by page: each the API's JSON answer with
        `totalSize`, `done` and `records`."""
        headers = {"Sforce-Query-Options": f"batchSize={self.settings.rest_batch_size}"}
        result = self._call(
            lambda: self._api().query(soql, include_deleted=include_deleted, headers=headers), context=context
        )
        yield result
        while not result.get("done", True):
            result = self._call(
                lambda url=result["nextRecordsUrl"]: self._api().query_more(
                    url, identifier_is_url=True, headers=headers
                ),
                context=context,
            )
            yield result

    def bulk_query(
        self, soql: str, *, include_deleted: bool, context: str, max_records: int | None = None
    ) -> Iterator[BulkPage]:
        """Bulk API 2.0 query job (queryAll with include_deleted), its results page by page, at most
        `max_records` (default SyncSettings.bulk_max_records) a page. Raises BulkJobError when the
        job fails."""
        body = orjson.dumps(
            {
                "operation": "queryAll" if include_deleted else "query",
                "query": soql,
                "columnDelimiter": "COMMA",
                "lineEnding": "LF",
            }
        )
        job = self._call(lambda: self._bulk("POST", "query", data=body).json(), context=context)
        job_id = job["id"]
        self._wait_for_job(job_id, context)
        params: dict[str, Any] = {"maxRecords": max_records or self.settings.bulk_max_records}
        while True:
            response = self._call(
                lambda: self._bulk("GET", f"query/{job_id}/results", params=dict(params), accept="text/csv"),
                context=context,
            )
            records = int(response.headers.get("Sforce-NumberOfRecords") or 0)
            yield BulkPage(response.content, records)
            locator = response.headers.get("Sforce-Locator")
            if not locator or locator == "null":
                return
            params["locator"] = locator

    def _wait_for_job(self, job_id: str, context: str) -> None:
        delay = self.settings.bulk_poll_seconds
        deadline = time.monotonic() + self.settings.bulk_timeout_seconds
        while True:
            time.sleep(delay)
            info = self._call(lambda: self._bulk("GET", f"query/{job_id}").json(), context=context)
            state = info.get("state")
            if state == _BULK_DONE:
                return
            if state in _BULK_FAILED:
                message = self._scrub(str(info.get("errorMessage") or "no reason given"))
                raise BulkJobError(f"Bulk API 2.0 job {job_id} ended {state}: {message}", context=context)
            if time.monotonic() > deadline:
                raise BulkJobError(
                    f"Bulk API 2.0 job {job_id} still {state} after "
                    f"{self.settings.bulk_timeout_seconds:.0f} s",
                    context=context,
                )
            delay = min(delay * 2, self.settings.bulk_poll_max_seconds)

    def _bulk(
        self, method: str, path: str, *, accept: str = "application/json", **kwargs: Any
    ) -> requests.Response:
        sf = self._api()
        headers = {
            "Authorization": f"Bearer {sf.session_id}",
            "Content-Type": "application/json",
            "Accept": accept,
        }
        return call_salesforce(sf.bulk2_url + path, method, sf.session, headers, **kwargs)

    # --- login --------------------------------------------------------------------------------------

    def _login(self) -> Salesforce:
        c = self.config
        common: dict[str, Any] = {
            "session": self._session,
            "version": self.settings.api_version,
            "object_pairs_hook": None,  # plain dicts where the standard library parses
        }
        if c.auth == "token":
            return _Salesforce(instance_url=c.instance_url, session_id=c.access_token, **common)
        if c.auth == "password":
            return _Salesforce(
                username=c.username,
                password=c.password,
                security_token=c.security_token,
                domain=c.domain,
                **common,
            )
        return _Salesforce(
            consumer_key=c.client_id, consumer_secret=c.client_secret, domain=c.domain, **common
        )

    def _api(self) -> Salesforce:
        if self._sf is None:
            raise RuntimeError("SalesforceClient is not open: create it with connect()")
        return self._sf

    # --- the policy around every request -------------------------------------------------------------

    def _call(self, fn: Callable[[], T], *, context: str) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(self._transient),
            before_sleep=lambda state: self._log_retry(state, context),
            reraise=True,
        )
        try:
            return retrying(self._attempt, fn, context)
        except SalesforceError:
            raise
        except Exception as exc:
            error = self._translate(exc, context)
        raise error

    def _attempt(self, fn: Callable[[], T], context: str) -> T:
        self._guard(context)
        if self._relogin_needed:
            self._api()._refresh_session()  # simple-salesforce's re-login (Bulk calls lack their own)
            self._relogin_needed = False
        try:
            return fn()
        except SalesforceExpiredSession:
            if self.config.auth == "token":
                raise SessionExpiredError(
                    f"Salesforce no longer accepts {env.ACCESS_TOKEN} (expired or revoked) for "
                    f"{env.INSTANCE_URL}: set a fresh access token, or configure a login "
                    f"({env.USERNAME}/{env.PASSWORD}/{env.SECURITY_TOKEN} or {env.CLIENT_ID}/"
                    f"{env.CLIENT_SECRET}) so the connector can renew its session",
                    variables=(env.ACCESS_TOKEN,),
                    context=context,
                ) from None
            self._relogin_needed = True
            raise

    def _guard(self, context: str) -> None:
        usage = self._meter.usage
        if usage is None:
            return
        used, allocation = usage
        budget = math.floor(allocation * self.config.max_api_share)
        if used + 1 > budget:
            raise ApiAllocationError(
                f"stopped before passing {self.config.max_api_share:g} of the daily API allocation: the "
                f"org has used {used} of its {allocation} requests in the last 24 hours "
                f"({env.MAX_API_SHARE}={self.config.max_api_share:g} allows {budget}). Nothing is lost: "
                f"re-run the window once usage has fallen, or raise {env.MAX_API_SHARE}",
                context=context,
            )

    def _transient(self, exc: BaseException) -> bool:
        if isinstance(exc, SalesforceError):  # ours: decided already
            return False
        if isinstance(exc, SalesforceExpiredSession):  # login flows: log in again and retry
            return True
        if isinstance(exc, SalesforceAuthenticationFailed):
            # A refusal carries Salesforce's code (INVALID_LOGIN, invalid_grant...); a status code or
            # nothing means the login endpoint failed to answer properly (5xx, 429, a proxy page).
            return not isinstance(exc.code, str)
        if isinstance(exc, LibraryError):
            return exc.status in _TRANSIENT_STATUS
        if isinstance(exc, requests.exceptions.SSLError):  # a certificate problem will not go away
            return False
        if isinstance(exc, _NETWORK_ERRORS):
            return True
        if isinstance(exc, _MALFORMED_BODY):  # a successful answer garbled on the way: ask again
            return True
        # Anything else raised while the library read an error response it could not parse.
        status = self._meter.last_status
        return status is not None and (status in _TRANSIENT_STATUS or status == 401)

    def _wait(self, state) -> float:
        retry_after = self._meter.retry_after
        if retry_after is not None:
            return min(retry_after, self.settings.retry_after_max_seconds)
        return self._jitter(state)

    def _log_retry(self, state, context: str) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        log.warning(
            "%s: attempt %d of %d failed (%s); retrying in %.2f s",
            context,
            state.attempt_number,
            self.settings.max_attempts,
            self._describe(exc),
            state.next_action.sleep if state.next_action else 0.0,
        )

    def _translate(self, exc: Exception, context: str) -> SalesforceError:
        what = self._describe(exc)
        if self._transient(exc):
            return RetriesExhausted(
                f"gave up after {self.settings.max_attempts} attempts, the last one failing with {what}. "
                "The API or the network kept failing: re-run the window later (nothing was skipped), or "
                "raise SyncSettings.max_attempts",
                context=context,
            )
        if isinstance(exc, SalesforceAuthenticationFailed):
            return self._auth_error(exc, context)
        if isinstance(exc, SalesforceRefusedRequest) and "REQUEST_LIMIT_EXCEEDED" in what:
            return ApiAllocationError(
                f"Salesforce refused the request, the org's daily API allocation is used up ({what}). "
                f"Re-run the window once the rolling 24-hour usage has fallen; a lower {env.MAX_API_SHARE} "
                "stops the sync earlier next time",
                context=context,
            )
        if isinstance(exc, SalesforceRefusedRequest):
            return RequestError(
                f"Salesforce refused the request ({what}): give the integration user the permission "
                "to read this object (API Enabled, View All Data or the object's read access)",
                context=context,
            )
        if isinstance(exc, SalesforceMalformedRequest | SalesforceResourceNotFound):
            return RequestError(f"Salesforce could not run the request ({what})", context=context)
        if isinstance(exc, SalesforceExpiredSession):
            return AuthenticationError(
                f"Salesforce kept refusing the session after logging in again ({what}): check that the "
                "integration user may use the API; credentials: "
                + ", ".join(self.config.credential_variables),
                variables=self.config.credential_variables,
                context=context,
            )
        if isinstance(exc, requests.exceptions.SSLError):
            return RequestError(
                f"TLS failed ({what}): if the server uses a private CA, point REQUESTS_CA_BUNDLE at its "
                "certificate",
                context=context,
            )
        return RequestError(f"unexpected failure: {what}", context=context)

    def _auth_error(self, exc: SalesforceAuthenticationFailed, context: str) -> AuthenticationError:
        variables = self.config.credential_variables
        if self.config.auth == "password":
            hint = (
                f"check {env.USERNAME}, {env.PASSWORD} and {env.SECURITY_TOKEN} (resetting the password "
                f"e-mails a new security token), and {env.DOMAIN} ('login', 'test' for a sandbox org, or "
                "the org's My Domain)"
            )
            variables = (*variables, env.DOMAIN)
        else:
            hint = (
                f"check {env.CLIENT_ID} and {env.CLIENT_SECRET} (the connected app's consumer key and "
                f"secret, with the client-credentials flow enabled and a run-as user) and {env.DOMAIN} "
                "(the org's My Domain)"
            )
        code = self._scrub(str(exc.code))
        message = self._scrub(str(exc.auth_message or "")).strip()
        return AuthenticationError(
            f"Salesforce refused the login ({code}{': ' + message if message else ''}): {hint}",
            variables=variables,
            context=context,
        )

    def _describe(self, exc: BaseException | None) -> str:
        if exc is None:
            return "no error"
        if isinstance(exc, SalesforceAuthenticationFailed):
            text = f"login failed: {exc.code}: {exc.auth_message}"
        elif isinstance(exc, LibraryError):
            content = exc.content
            if isinstance(content, list) and content and isinstance(content[0], dict):
                first = content[0]
                text = f"HTTP {exc.status} {first.get('errorCode', '')}: {first.get('message', '')}"
            else:
                body = content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)
                text = f"HTTP {exc.status}: {body}"
        else:
            text = f"{type(exc).__name__}: {exc}"
        text = " ".join(self._scrub(text).split())
        return text if len(text) <= 300 else text[:299] + "…"

    def _scrub(self, text: str) -> str:
        secrets = list(self.config.secrets)
        if self._sf is not None and getattr(self._sf, "session_id", None):
            secrets.append(self._sf.session_id)
        for secret in sorted(secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, "***")
        return text


def connect(
    config: SalesforceConfig | None = None,
    *,
    session: requests.Session | None = None,
    settings: SyncSettings | None = None,
) -> SalesforceClient:
    """A logged-in client for `config` (default: the environment, see connectors.salesforce.config).
    Wrong credentials fail here, naming the variables to fix."""
    if config is None:
        config = config_from_env()
        if config is None:
            raise ConfigurationError(env.NOT_CONFIGURED, variables=env.LOGIN_VARIABLES)
    client = SalesforceClient(config, session=session, settings=settings)
    try:
        return client.open()
    except BaseException:
        client.close()
        raise

"""The Salesforce emulator: REST query/queryAll with cursor paging, Bulk API 2.0 query jobs,
describe, limits and logins, answering as the public REST API documentation describes."""

from __future__ import annotations

import base64
import binascii
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from sandbox.faults import FaultKind
from sandbox.salesforce import auth
from sandbox.salesforce.catalog import OrgCatalog
from sandbox.salesforce.describe import describe, global_describe
from sandbox.salesforce.results import Snapshot, Snapshots, csv_bytes, wrap
from sandbox.salesforce.soql import SoqlError, compile_soql
from sandbox.store import Store
from sandbox.web import Request, Response, Router, json_response

API_VERSIONS = tuple(f"{v}.0" for v in range(31, 66))
MIN_BATCH, MAX_BATCH = 200, 2000
# "In each REST call, the maximum length for the combined URI and headers is 16,384 bytes. [...] If
# the URI itself exceeds this limit, the request returns a 414 URI Too Long error." (Salesforce Help
# article 000386264; the API request limits of the Salesforce app limits cheatsheet.) The URI is the
# path and the query string. Salesforce's front-end web server (Jetty) refuses it before the API sees
# it, so the answer is Jetty's HTML page, as captured in simple-salesforce#271 and jsforce#1134, and
# the request uses none of the daily allocation.
MAX_URI_BYTES = 16_384
URI_TOO_LONG_BODY = b"<h1>Bad Message 414</h1><pre>reason: URI Too Long</pre>"


@dataclass(frozen=True)
class SalesforceConfig:
    credentials: auth.SalesforceCredentials = field(default_factory=auth.SalesforceCredentials)
    session_lifetime_seconds: float = 7200.0
    daily_api_requests: int = 100_000
    default_batch_size: int = MAX_BATCH
    bulk_job_seconds: float = 0.05  # how long a Bulk 2.0 query job stays InProgress
    bulk_default_max_records: int = 100_000  # page size when the client sends no maxRecords


def _error(status: int, code: str, message: str) -> Response:
    return json_response([{"message": message, "errorCode": code}], status=status)


@dataclass
class _BulkJob:
    snapshot: Snapshot
    info: dict
    ready_at: float
    state: str = "UploadComplete"


class SalesforceApp:
    service = "salesforce"

    def __init__(
        self,
        store: Store,
        config: SalesforceConfig | None = None,
        *,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.config = config or SalesforceConfig()
        self.catalog = OrgCatalog(store)  # the objects and fields the API shows (schema drift)
        self.sessions = auth.Sessions(self.config.session_lifetime_seconds, monotonic)
        self._now = now or (lambda: datetime.now(UTC).replace(tzinfo=None))
        self._monotonic = monotonic
        self.base_url = ""  # set by the sandbox once the server has a port
        self._usage_lock = threading.Lock()
        self.api_requests_used = 0
        self.bulk_jobs_created = 0
        self._queries = Snapshots(store, ttl_seconds=900, max_open=24)
        self._bulk_results = Snapshots(store, ttl_seconds=7 * 86400, max_open=24)
        self._jobs: dict[str, _BulkJob] = {}
        self.router = Router()
        self._routes()

    # --- routing ----------------------------------------------------------------------------------

    def _routes(self) -> None:
        add, api = self.router.add, self._api
        add("POST", r"/services/Soap/u/{version}", "salesforce.login.soap", self._soap_login)
        add("POST", r"/services/oauth2/token", "salesforce.login.oauth", self._oauth_token)
        add("GET", r"/services/data/?", "salesforce.versions", self._versions)
        data = r"/services/data/v{version}"
        add("GET", data + r"/limits/?", "salesforce.limits", api(self._limits))
        add(
            "GET",
            data + r"/query/?",
            "salesforce.query",
            api(lambda r: self._query(r, include_deleted=False)),
        )
        add(
            "GET",
            data + r"/queryAll/?",
            "salesforce.query_all",
            api(lambda r: self._query(r, include_deleted=True)),
        )
        add("GET", data + r"/(?:query|queryAll)/{locator}", "salesforce.query_more", api(self._query_more))
        add("GET", data + r"/sobjects/?", "salesforce.sobjects", api(self._sobjects))
        add("GET", data + r"/sobjects/{object}/describe/?", "salesforce.describe", api(self._describe))
        add("GET", data + r"/sobjects/{object}/{id}", "salesforce.sobject.get", api(self._get_record))
        add("POST", data + r"/jobs/query/?", "salesforce.bulk2.create", api(self._bulk_create))
        add(
            "GET",
            data + r"/jobs/query/{job}/results/?",
            "salesforce.bulk2.results",
            api(self._bulk_results_page),
        )
        add("GET", data + r"/jobs/query/{job}/?", "salesforce.bulk2.status", api(self._bulk_status))
        add("PATCH", data + r"/jobs/query/{job}/?", "salesforce.bulk2.abort", api(self._bulk_abort))
        add("DELETE", data + r"/jobs/query/{job}/?", "salesforce.bulk2.delete", api(self._bulk_delete))

    def _api(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """The URI limit, session check, the daily request allocation, and the Sforce-Limit-Info header."""

        def guarded(request: Request) -> Response:
            uri_bytes = len(request.path) + (1 + len(request.query_string) if request.query_string else 0)
            if uri_bytes > MAX_URI_BYTES:
                return Response(414, URI_TOO_LONG_BODY, "text/html;charset=iso-8859-1")
            if request.params.get("version") not in API_VERSIONS:
                return _error(404, "NOT_FOUND", "The requested resource does not exist")
            if not self.sessions.is_valid(auth.bearer_token(request)):
                return auth.invalid_session_response()
            with self._usage_lock:
                if self.api_requests_used >= self.config.daily_api_requests:
                    response = _error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
                    used = self.api_requests_used
                else:
                    self.api_requests_used += 1
                    used = self.api_requests_used
                    response = None
            if response is None:
                try:
                    response = handler(request)
                except SoqlError as exc:
                    response = _error(400, exc.error_code, exc.message)
            response.headers["Sforce-Limit-Info"] = f"api-usage={used}/{self.config.daily_api_requests}"
            return response

        return guarded

    def not_found(self, request: Request) -> Response:
        return _error(404, "NOT_FOUND", "The requested resource does not exist")

    def fault_response(self, kind: FaultKind, request: Request) -> Response:
        if kind is FaultKind.EXPIRED_SESSION:
            return auth.invalid_session_response()
        if kind is FaultKind.RATE_LIMITED:
            return _error(429, "REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded.")
        if kind is FaultKind.SERVER_ERROR:
            return _error(
                500,
                "UNKNOWN_EXCEPTION",
                f"An unexpected error occurred. Please include this ErrorId if you contact support: "
                f"{uuid.uuid4().int % 10**9}-{uuid.uuid4().int % 10**5} (-{uuid.uuid4().int % 10**9})",
            )
        status = int(kind.value)
        title = {502: "Bad Gateway", 503: "Service Unavailable"}[status]
        html = f"<html><head><title>{status} {title}</title></head><body><h1>{title}</h1></body></html>"
        return Response(status, html.encode(), "text/html")

    # --- logins -----------------------------------------------------------------------------------

    def _instance_url(self, request: Request) -> str:
        return self.base_url or f"https://{request.headers.get('Host', '127.0.0.1')}"

    def _soap_login(self, request: Request) -> Response:
        return auth.soap_login(request, self.config.credentials, self.sessions, self._instance_url(request))

    def _oauth_token(self, request: Request) -> Response:
        return auth.oauth_token(request, self.config.credentials, self.sessions, self._instance_url(request))

    def issue_session(self) -> str:
        """A session id for the direct (instance URL + session id) flow."""
        return self.sessions.issue()

    # --- metadata ---------------------------------------------------------------------------------

    def _versions(self, request: Request) -> Response:
        return json_response(
            [{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in API_VERSIONS]
        )

    def _limits(self, request: Request) -> Response:
        max_requests = self.config.daily_api_requests
        return json_response(
            {
                "DailyApiRequests": {
                    "Max": max_requests,
                    "Remaining": max(0, max_requests - self.api_requests_used),
                },
                "DailyBulkV2QueryJobs": {"Max": 10_000, "Remaining": 10_000 - self.bulk_jobs_created},
                "DailyBulkV2QueryFileStorageMB": {"Max": 976_562, "Remaining": 976_562},
                "DailyBulkApiBatches": {"Max": 15_000, "Remaining": 15_000},
            }
        )

    def _sobjects(self, request: Request) -> Response:
        return json_response(global_describe(request.params["version"], self.catalog.objects()))

    def _describe(self, request: Request) -> Response:
        obj = self.catalog.get(request.params["object"])
        if obj is None:
            return _error(
                404, "NOT_FOUND", f"The requested resource does not exist: {request.params['object']}"
            )
        return json_response(describe(obj, request.params["version"]))

    def _get_record(self, request: Request) -> Response:
        obj = self.catalog.get(request.params["object"])
        if obj is None:
            return self.not_found(request)
        fields = list(obj.fields)
        columns = ", ".join(f'"{f.name}"' for f in fields)
        sql = f'SELECT {columns} FROM salesforce."{obj.name}" WHERE "Id" = ?'
        row = self.store.cursor().execute(wrap(sql, fields, csv=False), [request.params["id"]]).fetchone()
        if row is None:
            return self.not_found(request)
        record = dict(zip((f.name for f in fields), row, strict=True))
        if record.get("IsDeleted"):
            return _error(404, "ENTITY_IS_DELETED", "entity is deleted")
        url = f"/services/data/v{request.params['version']}/sobjects/{obj.name}/{record['Id']}"
        return json_response({"attributes": {"type": obj.name, "url": url}, **record})

    # --- REST query -------------------------------------------------------------------------------

    def _batch_size(self, request: Request) -> int | None:
        options = request.headers.get("Sforce-Query-Options") or ""
        for part in options.split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() == "batchsize" and value.strip().isdigit():
                return min(MAX_BATCH, max(MIN_BATCH, int(value)))
        return None

    def _query(self, request: Request, *, include_deleted: bool) -> Response:
        text = request.arg("q")
        if not text:
            return _error(400, "MALFORMED_QUERY", "A query string has to be specified")
        compiled = compile_soql(
            text, include_deleted=include_deleted, now=self._now(), objects=self.catalog.get
        )
        if compiled.count_only:
            total = self.store.cursor().execute(compiled.sql, compiled.params).fetchone()[0]
            return json_response({"totalSize": total, "done": True, "records": []})
        snap = self._queries.create(
            "01g", compiled.sql, compiled.params, list(compiled.fields), compiled.sobject.name, csv=False
        )
        snap.page_size = self._batch_size(request) or self.config.default_batch_size
        return self._query_page(snap, 0, snap.page_size, request.params["version"])

    def _query_more(self, request: Request) -> Response:
        snap_id, _, offset = request.params["locator"].rpartition("-")
        snap = self._queries.get(snap_id)
        if snap is None or not offset.isdigit():
            return _error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        page_size = self._batch_size(request) or snap.page_size
        return self._query_page(snap, int(offset), page_size, request.params["version"])

    def _query_page(self, snap: Snapshot, offset: int, batch: int, version: str) -> Response:
        rows = self._queries.rows(snap, offset, batch)
        names = [f.name for f in snap.fields]
        id_index = names.index("Id") if "Id" in names else None
        base = f"/services/data/v{version}/sobjects/{snap.sobject}/"
        records = []
        for row in rows:
            attributes = {"type": snap.sobject}
            if id_index is not None:
                attributes["url"] = base + row[id_index]
            record = {"attributes": attributes}
            record.update(zip(names, row, strict=True))
            records.append(record)
        end = offset + len(rows)
        body: dict = {"totalSize": snap.total, "done": end >= snap.total}
        if end < snap.total:
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{snap.id}-{end}"
        elif offset == 0:
            self._queries.drop(snap.id)  # a one-page result: a retry re-runs the query anyway
        body["records"] = records
        return Response(200, orjson.dumps(body))

    # --- Bulk API 2.0 query jobs ------------------------------------------------------------------

    def _bulk_create(self, request: Request) -> Response:
        try:
            spec = request.json()
        except ValueError:
            return _error(400, "JSON_PARSER_ERROR", "The request body is not valid JSON.")
        if not isinstance(spec, dict):
            return _error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object.")
        operation = spec.get("operation")
        if operation not in ("query", "queryAll"):
            return _error(
                400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation!r}; use query or queryAll"
            )
        if spec.get("columnDelimiter", "COMMA") != "COMMA" or spec.get("lineEnding", "LF") != "LF":
            return _error(
                400, "INVALIDJOB", "InvalidJob : the sandbox serves columnDelimiter COMMA and lineEnding LF"
            )
        compiled = compile_soql(
            spec.get("query") or "",
            include_deleted=operation == "queryAll",
            now=self._now(),
            objects=self.catalog.get,
        )
        if compiled.count_only:
            return _error(
                400, "INVALIDJOB", "InvalidJob : Aggregate queries are not supported by Bulk API 2.0"
            )
        snap = self._bulk_results.create(
            "750", compiled.sql, compiled.params, list(compiled.fields), compiled.sobject.name, csv=True
        )
        self.bulk_jobs_created += 1
        stamp = self._now().strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        info = {
            "id": snap.id,
            "operation": operation,
            "object": compiled.sobject.name,
            "createdById": auth.INTEGRATION_USER_ID,
            "createdDate": stamp,
            "systemModstamp": stamp,
            "state": "UploadComplete",
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(request.params["version"]),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        self._jobs[snap.id] = _BulkJob(snap, info, self._monotonic() + self.config.bulk_job_seconds)
        return json_response(info)

    def _job(self, request: Request) -> _BulkJob | None:
        job = self._jobs.get(request.params["job"])
        if job is not None and job.state in ("UploadComplete", "InProgress"):
            job.state = "JobComplete" if self._monotonic() >= job.ready_at else "InProgress"
        return job

    def _bulk_status(self, request: Request) -> Response:
        job = self._job(request)
        if job is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        info = dict(job.info, state=job.state)
        if job.state == "JobComplete":
            info.update(numberRecordsProcessed=job.snapshot.total, retries=0, totalProcessingTime=50)
        else:
            info.update(numberRecordsProcessed=0, retries=0, totalProcessingTime=0)
        return json_response(info)

    def _bulk_results_page(self, request: Request) -> Response:
        job = self._job(request)
        if job is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        if job.state != "JobComplete":
            return _error(
                400, "INVALIDJOBSTATE", f"Job state is {job.state}; results are available once JobComplete"
            )
        max_records = request.arg("maxRecords")
        if max_records is not None and not (max_records.isdigit() and int(max_records) > 0):
            return _error(400, "INVALIDPARAMETER", "maxRecords must be a positive integer")
        limit = int(max_records) if max_records else self.config.bulk_default_max_records
        offset = _decode_locator(request.arg("locator"))
        if offset is None or offset > job.snapshot.total:
            return _error(400, "INVALIDLOCATOR", "Invalid locator")
        table = self._bulk_results.arrow(job.snapshot, offset, limit)
        end = offset + table.num_rows
        headers = {
            "Sforce-Locator": _encode_locator(end) if end < job.snapshot.total else "null",
            "Sforce-NumberOfRecords": str(table.num_rows),
        }
        return Response(200, csv_bytes(table), "text/csv", headers)

    def _bulk_abort(self, request: Request) -> Response:
        job = self._job(request)
        if job is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        if job.state != "JobComplete":
            job.state = "Aborted"
        return json_response(dict(job.info, state=job.state))

    def _bulk_delete(self, request: Request) -> Response:
        job = self._jobs.pop(request.params["job"], None)
        if job is None:
            return _error(404, "NOT_FOUND", "The requested resource does not exist")
        self._bulk_results.drop(job.snapshot.id)
        return Response(204, b"")


def _encode_locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _decode_locator(locator: str | None) -> int | None:
    if locator in (None, "", "null"):
        return 0
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None

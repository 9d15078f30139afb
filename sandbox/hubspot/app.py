"""The HubSpot CRM API emulator: `HubSpotApp(store, config)`, served by `EmulatorServer`.

Endpoints (route name: method path), as hubspot-api-client 12.0.0 calls them:

    hubspot.objects.list              GET  /crm/v3/objects/{type}
    hubspot.objects.get               GET  /crm/v3/objects/{type}/{id}
    hubspot.objects.batch_read        POST /crm/v3/objects/{type}/batch/read
    hubspot.objects.search            POST /crm/v3/objects/{type}/search
    hubspot.associations.list         GET  /crm/v4/objects/{type}/{id}/associations/{toType}
    hubspot.associations.batch_read   POST /crm/v4/associations/{fromType}/{toType}/batch/read
    hubspot.owners.list               GET  /crm/v3/owners/  (and without the slash)
    hubspot.owners.get                GET  /crm/v3/owners/{ownerId}
    hubspot.pipelines.list            GET  /crm/v3/pipelines/{type}
    hubspot.pipelines.get             GET  /crm/v3/pipelines/{type}/{pipelineId}
    hubspot.properties.list           GET  /crm/v3/properties/{type}
    hubspot.properties.get            GET  /crm/v3/properties/{type}/{propertyName}

Every endpoint wants `Authorization: Bearer <token>` with a configured private-app token and is
rate limited per token (see `ratelimit`). Errors use HubSpot's JSON envelope (see `errors`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import orjson

from sandbox.faults import FaultKind
from sandbox.hubspot import associations, metadata, records, search
from sandbox.hubspot.catalog import SINGULAR, PortalCatalog, canonical_type, resolve_object
from sandbox.hubspot.errors import (
    AUTH_NOT_FOUND_MESSAGE,
    ApiError,
    correlation_id,
    error_response,
    not_found,
    validation_error,
)
from sandbox.hubspot.formats import (
    is_record_id,
    iso,
    parse_bool,
    parse_limit,
    quote,
    split_names,
)
from sandbox.hubspot.objects import HObject
from sandbox.hubspot.ratelimit import Decision, RateLimiter
from sandbox.store import Store
from sandbox.web import Request, Response, Router, json_response

DEFAULT_TOKEN = "pat-na1-sandbox-00000000-0000-4000-8000-000000000000"  # noqa: S105 (sandbox-only)

LIST_MAX_LIMIT = 100
HISTORY_MAX_LIMIT = 50
BATCH_MAX_INPUTS = 100
OWNERS_MAX_LIMIT = 500

_RATE_LIMIT_MESSAGES = {
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
    "DAILY": "You have reached your daily limit.",
}
_GATEWAY_PAGES = {
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
}


@dataclass(frozen=True)
class HubSpotConfig:
    """One HubSpot portal with private-app tokens and the Free/Starter private-app limits."""

    access_tokens: tuple[str, ...] = (DEFAULT_TOKEN,)
    ten_second_limit: int = 100
    search_per_second: int = 5
    daily_limit: int = 250_000
    portal_id: int = 24_681_357


Handler = Callable[[Request], Response]


class HubSpotApp:
    service = "hubspot"

    def __init__(
        self,
        store: Store,
        config: HubSpotConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        """`clock` (monotonic seconds) drives the rate limits; `now` (UTC, naive or aware) stamps
        batch `startedAt`/`completedAt` and token expiry times."""
        self.store = store
        self.config = config or HubSpotConfig()
        self.catalog = PortalCatalog(store)  # the objects and properties the API shows (schema drift)
        self._now = now or (lambda: datetime.now(UTC))
        self._tokens = frozenset(self.config.access_tokens)
        self.limiter = RateLimiter(
            ten_second_limit=self.config.ten_second_limit,
            search_per_second=self.config.search_per_second,
            daily_limit=self.config.daily_limit,
            clock=clock,
        )
        self.router = Router()
        route = self._route
        route("GET", "/crm/v3/objects/{object_type}", "hubspot.objects.list", self._objects_list)
        route(
            "POST", "/crm/v3/objects/{object_type}/batch/read", "hubspot.objects.batch_read", self._batch_read
        )
        route(
            "POST",
            "/crm/v3/objects/{object_type}/search",
            "hubspot.objects.search",
            self._search,
            search=True,
        )
        route("GET", "/crm/v3/objects/{object_type}/{object_id}", "hubspot.objects.get", self._objects_get)
        route(
            "GET",
            "/crm/v4/objects/{object_type}/{object_id}/associations/{to_type}",
            "hubspot.associations.list",
            self._associations_list,
        )
        route(
            "POST",
            "/crm/v4/associations/{from_type}/{to_type}/batch/read",
            "hubspot.associations.batch_read",
            self._associations_batch_read,
        )
        route("GET", "/crm/v3/owners", "hubspot.owners.list", self._owners_list)
        route("GET", "/crm/v3/owners/", "hubspot.owners.list", self._owners_list)
        route("GET", "/crm/v3/owners/{owner_id}", "hubspot.owners.get", self._owners_get)
        route("GET", "/crm/v3/pipelines/{object_type}", "hubspot.pipelines.list", self._pipelines_list)
        route(
            "GET",
            "/crm/v3/pipelines/{object_type}/{pipeline_id}",
            "hubspot.pipelines.get",
            self._pipelines_get,
        )
        route("GET", "/crm/v3/properties/{object_type}", "hubspot.properties.list", self._properties_list)
        route(
            "GET", "/crm/v3/properties/{object_type}/{name}", "hubspot.properties.get", self._properties_get
        )

    # -- the EmulatorApp protocol ------------------------------------------------------------------

    def fault_response(self, kind: FaultKind, request: Request) -> Response:
        if kind is FaultKind.RATE_LIMITED:
            is_search = request.path.rstrip("/").endswith("/search")
            token = _bearer(request) or ""
            policy = "SECONDLY" if is_search else "TEN_SECONDLY_ROLLING"
            headers = self.limiter.headers(token, search=is_search)
            if is_search:
                headers["X-HubSpot-RateLimit-Secondly-Remaining"] = "0"
            else:
                headers["X-HubSpot-RateLimit-Remaining"] = "0"
            return _rate_limited(Decision(policy, headers))
        if kind is FaultKind.SERVER_ERROR:
            return error_response(500, "internal error")
        if kind in (FaultKind.BAD_GATEWAY, FaultKind.UNAVAILABLE):
            status = 502 if kind is FaultKind.BAD_GATEWAY else 503
            title = _GATEWAY_PAGES[status]
            page = (
                f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
                f"<center><h1>{title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
            )
            return Response(status=status, body=page.encode(), content_type="text/html")
        if kind is FaultKind.EXPIRED_SESSION:
            return _expired_token(self._now())
        raise ValueError(f"no HTTP rendering for fault {kind}")

    def not_found(self, request: Request) -> Response:
        return not_found().response()

    # -- plumbing ----------------------------------------------------------------------------------

    def _route(self, method: str, pattern: str, name: str, handler: Handler, *, search: bool = False) -> None:
        def guarded(request: Request) -> Response:
            token = _bearer(request)
            if token is None or token not in self._tokens:
                return error_response(401, AUTH_NOT_FOUND_MESSAGE, "INVALID_AUTHENTICATION")
            decision = self.limiter.acquire(token, search=search)
            if not decision.allowed:
                return _rate_limited(decision)
            try:
                response = handler(request)
            except ApiError as error:
                response = error.response()
            response.headers.update(decision.headers)
            response.headers.setdefault("X-HubSpot-Correlation-Id", correlation_id())
            return response

        self.router.add(method, pattern, name, guarded)

    # -- CRM objects -------------------------------------------------------------------------------

    def _objects_list(self, request: Request) -> Response:
        obj = self.catalog.resolve(request.params["object_type"])
        query = request.query
        history = split_names(query.get("propertiesWithHistory"))
        limit = parse_limit(_last(query, "limit"), default=10, maximum=LIST_MAX_LIMIT)
        if history and limit > HISTORY_MAX_LIMIT:
            raise validation_error(
                "The maximum number of records that can be read with property history is "
                f"{HISTORY_MAX_LIMIT}. Please reduce the limit and try again."
            )
        after = _id_cursor(_last(query, "after"))
        archived = parse_bool(_last(query, "archived"), "archived")
        proj = records.projection(
            obj, split_names(query.get("properties")), history, _association_types(query.get("associations"))
        )
        cur = self.store.cursor()
        rows = records.fetch_rows(cur, obj, proj, *records.page_where(obj, archived, after, limit + 1))
        body: dict[str, Any] = {"results": records.build_results(cur, obj, proj, rows[:limit])}
        if len(rows) > limit:
            next_after = str(rows[limit][0])
            body["paging"] = {"next": {"after": next_after, "link": f"?after={next_after}"}}
        return json_response(body)

    def _objects_get(self, request: Request) -> Response:
        obj = self.catalog.resolve(request.params["object_type"])
        query = request.query
        raw_id = unquote(request.params["object_id"])
        archived = parse_bool(_last(query, "archived"), "archived")
        proj = records.projection(
            obj,
            split_names(query.get("properties")),
            split_names(query.get("propertiesWithHistory")),
            _association_types(query.get("associations")),
        )
        where, value = _id_match(obj, _last(query, "idProperty"), raw_id)
        if where is None:
            raise not_found()
        cur = self.store.cursor()
        rows = records.fetch_rows(cur, obj, proj, f"{where} AND archived = ?", [value, archived], limit=1)
        if not rows:
            raise not_found()
        return json_response(records.build_results(cur, obj, proj, rows)[0])

    def _batch_read(self, request: Request) -> Response:
        started = iso(self._now())
        obj = self.catalog.resolve(request.params["object_type"])
        body = _json_body(request)
        archived = parse_bool(_last(request.query, "archived"), "archived")
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            raise validation_error("Invalid input JSON: 'inputs' must be a list of {id} objects.")
        history = _name_list(body.get("propertiesWithHistory"), "propertiesWithHistory")
        if len(inputs) > BATCH_MAX_INPUTS:
            raise validation_error(
                f"The maximum number of inputs supported in a batch request is {BATCH_MAX_INPUTS}. "
                "Please reduce the number of items and try again."
            )
        if history and len(inputs) > HISTORY_MAX_LIMIT:
            raise validation_error(
                f"The maximum number of inputs supported in a batch request for property histories is "
                f"{HISTORY_MAX_LIMIT}. Please reduce the number of items and try again."
            )
        ids: list[str] = []
        for item in inputs:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
                raise validation_error("Invalid input JSON: each input needs an 'id'.")
            ids.append(str(item["id"]))
        proj = records.projection(
            obj, _name_list(body.get("properties"), "properties"), history, base=("hs_object_id",)
        )
        id_property = body.get("idProperty")
        cur = self.store.cursor()
        found: dict[str, dict[str, Any]] = {}
        if id_property in (None, "", "hs_object_id"):
            numeric = sorted({int(i) for i in ids if is_record_id(i)})
            if numeric:
                rows = records.fetch_rows(
                    cur, obj, proj, "id IN (SELECT unnest(?::BIGINT[])) AND archived = ?", [numeric, archived]
                )
                found = {r["id"]: r for r in records.build_results(cur, obj, proj, rows)}
        else:
            prop = obj.prop(str(id_property))
            if prop is None:
                raise validation_error(f"Unable to find property {id_property} to use as idProperty.")
            rows = records.fetch_rows(
                cur,
                obj,
                proj,
                f"CAST({quote(prop.name)} AS VARCHAR) IN (SELECT unnest(?::VARCHAR[])) AND archived = ?",
                [sorted(set(ids)), archived],
                extra_columns=f", CAST({quote(prop.name)} AS VARCHAR)",
            )
            for row, result in zip(rows, records.build_results(cur, obj, proj, rows), strict=True):
                found.setdefault(row[-1], result)
        results, missing, seen = [], [], set()
        for raw in ids:
            if raw in seen:
                continue
            seen.add(raw)
            if raw in found:
                results.append(found[raw])
            else:
                missing.append(raw)
        out: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if missing:
            out["numErrors"] = 1
            out["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": f"Could not get some {_upper_singular(obj)} objects, they may be deleted or "
                    "not exist. Check that ids are valid.",
                    "context": {"ids": missing},
                }
            ]
        out["startedAt"] = started
        out["completedAt"] = iso(self._now())
        return json_response(out, status=207 if missing else 200)

    def _search(self, request: Request) -> Response:
        obj = self.catalog.resolve(request.params["object_type"])
        req = search.parse_request(obj, _json_body(request))
        proj = records.projection(obj, req.properties)
        cur = self.store.cursor()
        table = records.table(obj)
        total = cur.execute(f"SELECT count(*) FROM {table} WHERE {req.where}", req.params).fetchone()[0]
        rows: list[tuple] = []
        if req.limit and req.after < total:
            # The page's ids are chosen over the narrow columns; only they get formatted.
            page = (
                f"id IN (SELECT id FROM {table} WHERE {req.where} ORDER BY {req.order} "
                f"LIMIT {req.limit} OFFSET {req.after})"
            )
            rows = records.fetch_rows(cur, obj, proj, page, req.params, order=req.order)
        body: dict[str, Any] = {"total": total, "results": records.build_results(cur, obj, proj, rows)}
        next_offset = req.after + len(rows)
        if rows and next_offset < total:
            body["paging"] = {"next": {"after": str(next_offset)}}
        return json_response(body)

    # -- associations v4 ---------------------------------------------------------------------------

    def _associations_list(self, request: Request) -> Response:
        from_obj = self.catalog.resolve(request.params["object_type"])
        to_obj = self.catalog.resolve(request.params["to_type"])
        raw_id = unquote(request.params["object_id"])
        if not is_record_id(raw_id):
            raise validation_error(f"Invalid object id '{raw_id}'.")
        limit = parse_limit(
            _last(request.query, "limit"), default=associations.MAX_PAGE, maximum=associations.MAX_PAGE
        )
        after = associations.parse_cursor(_last(request.query, "after"))
        body = associations.list_page(
            self.store.cursor(), from_obj.name, int(raw_id), to_obj.name, after, limit
        )
        return json_response(body)

    def _associations_batch_read(self, request: Request) -> Response:
        started = iso(self._now())
        from_obj = self.catalog.resolve(request.params["from_type"])
        to_obj = self.catalog.resolve(request.params["to_type"])
        body = _json_body(request)
        inputs = body.get("inputs")
        if not isinstance(inputs, list):
            raise validation_error("Invalid input JSON: 'inputs' must be a list of {id} objects.")
        if len(inputs) > associations.MAX_BATCH_INPUTS:
            raise validation_error(
                f"Batch read requests may not exceed {associations.MAX_BATCH_INPUTS} inputs; "
                f"{len(inputs)} were provided."
            )
        parsed: list[tuple[str, int]] = []
        for item in inputs:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str | int):
                raise validation_error("Invalid input JSON: each input needs an 'id'.")
            parsed.append((str(item["id"]), associations.parse_cursor(item.get("after"))))
        results, errors = associations.batch_read(self.store.cursor(), from_obj.name, to_obj.name, parsed)
        out: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            out["numErrors"] = len(errors)
            out["errors"] = errors
        out["startedAt"] = started
        out["completedAt"] = iso(self._now())
        return json_response(out, status=207 if errors else 200)

    # -- owners, pipelines, properties -------------------------------------------------------------

    def _owners_list(self, request: Request) -> Response:
        query = request.query
        body = metadata.owners_page(
            self.store.cursor(),
            archived=parse_bool(_last(query, "archived"), "archived"),
            email=_last(query, "email"),
            after=_id_cursor(_last(query, "after")),
            limit=parse_limit(_last(query, "limit"), default=100, maximum=OWNERS_MAX_LIMIT),
        )
        return json_response(body)

    def _owners_get(self, request: Request) -> Response:
        query = request.query
        raw_id = unquote(request.params["owner_id"])
        id_property = _last(query, "idProperty") or "id"
        if id_property not in ("id", "userId"):
            raise validation_error(f"idProperty must be 'id' or 'userId', not '{id_property}'.")
        if not is_record_id(raw_id):
            raise not_found()
        owner = metadata.owner(
            self.store.cursor(),
            int(raw_id),
            by_user_id=id_property == "userId",
            archived=parse_bool(_last(query, "archived"), "archived"),
        )
        return json_response(owner)

    def _pipelines_list(self, request: Request) -> Response:
        _pipeline_object(request.params["object_type"])
        return json_response({"results": metadata.pipelines(self.store.cursor())})

    def _pipelines_get(self, request: Request) -> Response:
        _pipeline_object(request.params["object_type"])
        wanted = unquote(request.params["pipeline_id"])
        for pipeline in metadata.pipelines(self.store.cursor()):
            if pipeline["id"] == wanted:
                return json_response(pipeline)
        raise not_found(f"Unable to find pipeline {wanted}")

    def _properties_list(self, request: Request) -> Response:
        obj = self.catalog.resolve(request.params["object_type"])
        if parse_bool(_last(request.query, "archived"), "archived"):
            return json_response({"results": []})
        cur = self.store.cursor()
        return json_response({"results": [metadata.property_definition(cur, obj, p) for p in obj.properties]})

    def _properties_get(self, request: Request) -> Response:
        obj = self.catalog.resolve(request.params["object_type"])
        name = unquote(request.params["name"])
        prop = obj.prop(name)
        if prop is None:
            raise ApiError(
                404,
                f"Unable to find property {name} for object type {obj.name}",
                "OBJECT_NOT_FOUND",
                subCategory="PROPERTY_DOESNT_EXIST",
            )
        return json_response(metadata.property_definition(self.store.cursor(), obj, prop))


# -- helpers -------------------------------------------------------------------------------------


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _rate_limited(decision: Decision) -> Response:
    cid = correlation_id()
    body = {
        "status": "error",
        "message": _RATE_LIMIT_MESSAGES[decision.policy or "TEN_SECONDLY_ROLLING"],
        "errorType": "RATE_LIMIT",
        "correlationId": cid,
        "policyName": decision.policy,
    }
    headers = {"X-HubSpot-Correlation-Id": cid, **decision.headers}
    return Response(status=429, body=orjson.dumps(body), headers=headers)


def _expired_token(now: datetime) -> Response:
    seconds = 75
    expired_at = iso(now - timedelta(seconds=seconds))
    return error_response(
        401,
        f"The OAuth token used to make this call expired {seconds} second(s) ago.",
        "EXPIRED_AUTHENTICATION",
        context={"expire time": [expired_at]},
    )


def _last(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _id_cursor(after: str | None) -> int:
    """List cursors are the id of the next record."""
    if after is None or after == "":
        return 0
    if not is_record_id(after):
        raise validation_error(f"Invalid paging cursor '{after}' for parameter 'after'.")
    return int(after)


def _association_types(values: list[str] | None) -> tuple[str, ...]:
    """Canonical types for `associations=`; unknown ones are ignored, as HubSpot does."""
    out: list[str] = []
    for name in split_names(values):
        canonical = canonical_type(name)
        if canonical is not None and canonical not in out:
            out.append(canonical)
    return tuple(out)


def _json_body(request: Request) -> dict[str, Any]:
    if not request.body.strip():
        raise validation_error("Invalid input JSON : No content to map due to end-of-input")
    try:
        body = request.json()
    except orjson.JSONDecodeError as error:
        raise validation_error(
            f"Invalid input JSON on line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(body, dict):
        raise validation_error("Invalid input JSON on line 1, column 1: expected a JSON object")
    return body


def _name_list(value: object, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation_error(f"Invalid input JSON: '{field}' must be a list of strings.")
    return split_names(value)


def _id_match(obj: HObject, id_property: str | None, raw_id: str) -> tuple[str | None, Any]:
    """(WHERE fragment, value) selecting a record by id or by a unique property."""
    if id_property in (None, "", "hs_object_id"):
        return ("id = ?", int(raw_id)) if is_record_id(raw_id) else (None, None)
    prop = obj.prop(id_property)
    if prop is None:
        raise validation_error(f"Unable to find property {id_property} to use as idProperty.")
    return f"CAST({quote(prop.name)} AS VARCHAR) = ?", raw_id


def _upper_singular(obj: HObject) -> str:
    return SINGULAR[obj.name].upper()


def _pipeline_object(name: str) -> None:
    obj = resolve_object(name)
    if obj.name != "deals":
        raise validation_error(f"Object type {obj.name} does not support pipelines.")

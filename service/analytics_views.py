"""The analytics routes: ``POST /events`` (click reports) and the admin report.

``POST /events`` takes ``{"search_id", "id", "position"}`` (a click) or ``{"search_id",
"type": "search"}`` (the reader settled on the search) as JSON (``Content-Type``
application/json or text/plain, the latter so that a browser sends it cross-origin without
a preflight), at most ``MAX_EVENT_BYTES``, and answers 204. It reads no cookie and stores
nothing about the sender. Only a ``search_id`` this service signed in the last day is
accepted (400 otherwise: forged ids are never stored). Each worker accepts at most
``SEARCH_ANALYTICS_CLIENT_RATE`` reports a second from one client address and
``SEARCH_ANALYTICS_EVENTS_RATE`` from all (token buckets, twice that in a burst); more get
429, so one client cannot spend the budget of the others. The client address is the
connection's, or with ``SEARCH_PROXY_HOPS`` the one the proxies put in X-Forwarded-For; it
is held in memory for the bucket only.

``GET /admin/analytics`` and ``/admin/analytics.html`` need the admin token, as a bearer
token or as the password of HTTP Basic authentication (so that an editor's browser asks
for it); ``from``/``to`` choose the UTC days (default: the last 30), ``limit`` the length
of each top list.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from . import analytics, analytics_page, metrics
from .admin import authenticate
from .errors import ApiError, BadParameter
from .params import DATE_PATTERN, parse_day
from .settings import SettingsError

MAX_EVENT_BYTES = 1024
MAX_DOC_ID = 200
DEFAULT_DAYS = 30
EVENT_KEYS = {"search_id", "id", "position", "type"}
EVENT_TYPES = ("click", "search")  # a click on a result; the reader settled on the search
MAX_LIMIT = 100
MAX_RANGE_DAYS = 3660
MAX_CLIENTS = 10_000  # client buckets a worker keeps (the least recently used go first)
_SEARCH_ID = re.compile(analytics.SEARCH_ID_PATTERN)

events = Blueprint("analytics_events", __name__)
admin = Blueprint("analytics_admin", __name__, url_prefix="/admin")
admin.before_request(authenticate)


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class RateLimited(ApiError):
    status, code = 429, "rate_limited"


class Bucket:
    """A token bucket: ``rate`` a second, up to ``2 * rate`` at once (per process)."""

    def __init__(self, rate: float) -> None:
        self.rate, self.capacity = rate, 2.0 * rate
        self.tokens, self.at = self.capacity, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


class ClientBuckets:
    """A token bucket per client address (``rate`` a second each), the least recently
    seen of more than MAX_CLIENTS forgotten."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()
        self.lock = threading.Lock()

    def take(self, client: str) -> bool:
        with self.lock:
            bucket = self.buckets.get(client)
            if bucket is None:
                bucket = self.buckets[client] = Bucket(self.rate)
                if len(self.buckets) > MAX_CLIENTS:
                    self.buckets.popitem(last=False)
            else:
                self.buckets.move_to_end(client)
        return bucket.take()


def _bucket() -> Bucket:
    ext = current_app.extensions
    if "analytics_bucket" not in ext:
        ext["analytics_bucket"] = Bucket(current_app.config["ANALYTICS_EVENTS_RATE"])
    return ext["analytics_bucket"]


def _clients() -> ClientBuckets:
    ext = current_app.extensions
    if "analytics_clients" not in ext:
        ext["analytics_clients"] = ClientBuckets(current_app.config["ANALYTICS_CLIENT_RATE"])
    return ext["analytics_clients"]


def _refuse(reason: str, error: ApiError) -> ApiError:
    metrics.EVENTS_REFUSED.labels(reason).inc()
    return error


def _event(body: Any) -> tuple[str, int, str] | str:
    """Return a click as (search id, position, result id), or a settled search's id."""
    if not isinstance(body, dict):
        raise BadParameter("the body must be a JSON object")
    unknown = set(body) - EVENT_KEYS
    if unknown:
        raise BadParameter(f"unknown field {sorted(unknown)[0][:40]!r}; "
                           "send search_id, id and position")
    kind = body.get("type", "click")
    if kind not in EVENT_TYPES:
        raise BadParameter(f"type must be one of {', '.join(EVENT_TYPES)}")
    search_id, doc_id, position = body.get("search_id"), body.get("id"), body.get("position")
    if not isinstance(search_id, str) or not _SEARCH_ID.fullmatch(search_id):
        raise BadParameter("search_id must be the search_id of a search response")
    if kind == "search":
        if doc_id is not None or position is not None:
            raise BadParameter("a search event has no id or position")
        return search_id
    if not isinstance(doc_id, str) or not 0 < len(doc_id) <= MAX_DOC_ID:
        raise BadParameter(f"id must be a result id of 1 to {MAX_DOC_ID} characters")
    window = current_app.config["MAX_RESULT_WINDOW"]
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= window:
        raise BadParameter(f"position must be a whole number from 1 to {window}")
    return search_id, position, doc_id


@events.post("/events")
def click():
    """Record a click on a search result, or that the reader settled on a search: 204."""
    size = request.content_length
    if size is not None and size > MAX_EVENT_BYTES:
        raise PayloadTooLarge(f"an event is at most {MAX_EVENT_BYTES} bytes")
    raw = request.stream.read(MAX_EVENT_BYTES + 1)
    if len(raw) > MAX_EVENT_BYTES:
        raise PayloadTooLarge(f"an event is at most {MAX_EVENT_BYTES} bytes")
    if request.mimetype not in ("application/json", "text/plain", ""):
        raise BadParameter("send the event as application/json or text/plain")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadParameter("the body must be a JSON object") from None
    event = _event(body)
    if not _clients().take(request.remote_addr or "-"):
        raise _refuse("client_rate", RateLimited(
            "too many events from this client; try again in a second"))
    rec = analytics.recorder()
    now = rec.clock()
    number = rec.signer.verify(event if isinstance(event, str) else event[0], now)
    if number is None:
        raise _refuse("unknown_search", BadParameter(
            "search_id must be the search_id of a search response of the last 24 hours"))
    if not _bucket().take():
        raise _refuse("rate", RateLimited("too many events; try again in a second"))
    if isinstance(event, str):
        rec.add_settle((number, int(now)))
    else:
        rec.add_click((number, event[1], event[2], int(now)))
    return Response(status=204)


def _range(rec: analytics.Recorder) -> tuple[str, str, int]:
    args = request.args
    today = rec.today()
    to = _iso(parse_day(args["to"], "to", end=True)) if args.get("to") else today
    start = _iso(parse_day(args["from"], "from", end=False)) if args.get("from") \
        else to - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > to:
        raise BadParameter("from must not be after to")
    if (to - start).days >= MAX_RANGE_DAYS:
        raise BadParameter(f"the range is at most {MAX_RANGE_DAYS} days")
    limit = args.get("limit", "20")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_LIMIT:
        raise BadParameter(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return start.isoformat(), to.isoformat(), int(limit)


def _iso(day: int) -> dt.date:
    return dt.date(day // 10000, day // 100 % 100, day % 100)


def full_report() -> dict[str, Any]:
    """The report for the request's range, with every day of the range listed."""
    rec = analytics.recorder()
    day_from, day_to, limit = _range(rec)
    found = analytics.report(rec, day_from, day_to, limit)
    by_day = {row["day"]: row for row in found["days"]}
    days, day = [], dt.date.fromisoformat(day_from)
    while day <= dt.date.fromisoformat(day_to):
        key = day.isoformat()
        days.append(by_day.get(key) or {"day": key, "searches": 0, "zero_result_searches": 0,
                                        "zero_result_share": None})
        day += dt.timedelta(days=1)
    found["days"] = days
    found["retention_days"] = current_app.config["ANALYTICS_DAYS"]
    found["today"] = rec.today().isoformat()
    return found


@admin.after_request
def challenge(response: Response) -> Response:
    """Ask a browser for the token (HTTP Basic: any user name, the token as password)."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="search admin", charset="UTF-8"'
    response.headers["Cache-Control"] = "no-store"
    return response


@admin.get("/analytics")
def report_json():
    """Top queries, zero-result queries, click-through and low clicks for a range of days."""
    return jsonify(full_report())


@admin.get("/analytics.html")
def report_page():
    """The report as a page for editors, with a chart of searches per day."""
    response = Response(analytics_page.render(full_report()), mimetype="text/html")
    response.headers["Content-Security-Policy"] = analytics_page.CSP
    return response


def openapi_paths(config: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI entries of these routes (admin ones only when admin is on)."""
    error = {"$ref": "#/components/responses/Error"}
    paths: dict[str, Any] = {"/events": {"post": {
        "summary": "Report a click on a search result, or that the reader settled on a "
                   "search (type search: only search_id); the widget does",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["search_id"],
            "additionalProperties": False, "properties": {
                "search_id": {"type": "string", "pattern": analytics.SEARCH_ID_PATTERN},
                "id": {"type": "string", "minLength": 1, "maxLength": MAX_DOC_ID},
                "position": {"type": "integer", "minimum": 1,
                             "maximum": config["MAX_RESULT_WINDOW"]},
                "type": {"enum": list(EVENT_TYPES)}}}}}},
        "responses": {"204": {"description": "recorded"}, "400": error,
                      "403": error, "413": error, "429": error}}}}
    if config["ADMIN_TOKEN"]:
        day = {"type": "string", "pattern": DATE_PATTERN}
        params = [{"name": name, "in": "query", "required": False, "schema": schema}
                  for name, schema in (("from", day), ("to", day), ("limit", {
                      "type": "integer", "minimum": 1, "maximum": MAX_LIMIT}))]
        secured = {"security": [{"bearer": []}], "parameters": params}
        errors = {"400": error, "401": error, "403": error}
        paths["/admin/analytics"] = {"get": {
            "summary": "Search analytics for a range of UTC days", **secured,
            "responses": {"200": {"description": "report", "content": {"application/json": {
                "schema": {"type": "object", "required": [
                    "searches", "zero_result_share", "click_through_rate", "top_queries",
                    "top_zero_result_queries", "low_click_queries", "days"]}}}}, **errors}}}
        paths["/admin/analytics.html"] = {"get": {
            "summary": "Search analytics as a page for editors", **secured,
            "responses": {"200": {"description": "HTML", "content": {"text/html": {
                "schema": {"type": "string"}}}}, **errors}}}
    return paths


def register(app: Flask) -> None:
    """Turn analytics on for ``app`` when SEARCH_ANALYTICS_DB is set."""
    path = app.config.get("ANALYTICS_DB")
    if not path:
        return
    try:
        app.extensions["analytics"] = analytics.Recorder(path, app.config["ANALYTICS_DAYS"],
                                                         max_mb=app.config["ANALYTICS_MAX_MB"])
    except (OSError, sqlite3.Error) as exc:
        raise SettingsError(f"SEARCH_ANALYTICS_DB={path!r}: cannot open it: {exc}") from None
    app.register_blueprint(events)
    if app.config["ADMIN_TOKEN"]:
        app.register_blueprint(admin)


def openapi(paths: dict[str, Any], search_response: dict[str, Any]) -> None:
    """Add the analytics routes and the ``search_id`` field to the OpenAPI document."""
    if not current_app.extensions.get("analytics"):
        return
    search_response["properties"]["search_id"] = {
        "type": "string", "pattern": analytics.SEARCH_ID_PATTERN,
        "description": "present when analytics is on: send it with POST /events"}
    paths.update(openapi_paths(current_app.config))

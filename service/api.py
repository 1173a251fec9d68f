"""The public HTTP API: search, documents, completions, health, metrics."""
from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, jsonify, request

from index import IndexUnavailable, QueryError, QueryTimeout, SearchIndex

from . import analytics, metrics
from .errors import ApiError, BadParameter, NotFound, QueryTooLong, Unavailable
from .params import search_request

bp = Blueprint("api", __name__)
MAX_ID_LENGTH = 200


def engine() -> SearchIndex:
    """Return the app's SearchIndex."""
    return current_app.extensions["search_index"]


def _unavailable(exc: Exception) -> ApiError:
    return Unavailable(f"the search index is unavailable: {exc}")


@bp.get("/search")
def search():
    """Ranked search with snippets and facets."""
    started = time.perf_counter()
    req = search_request(request.args, current_app.config)
    try:
        response = engine().search(req)
    except QueryError as exc:
        if str(exc).startswith("query is"):
            raise QueryTooLong(str(exc)) from None
        raise BadParameter(f"q: {exc}", code="bad_query") from None
    except QueryTimeout as exc:
        raise Unavailable(str(exc), code="query_timeout") from None
    except IndexUnavailable as exc:
        raise _unavailable(exc) from None
    if req.q.strip() and response["total"] == 0:
        metrics.ZERO_RESULTS.inc()
    snapshot = response.pop("snapshot")
    response["took_ms"] = round((time.perf_counter() - started) * 1000, 2)
    analytics.record_search(req, response)
    answer = jsonify(response)
    answer.headers["X-Index-Snapshot"] = snapshot
    return answer


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    """One stored document by id."""
    if len(doc_id) > MAX_ID_LENGTH:
        raise BadParameter(f"document ids are at most {MAX_ID_LENGTH} characters")
    try:
        doc = engine().document(doc_id)
    except IndexUnavailable as exc:
        raise _unavailable(exc) from None
    if doc is None:
        raise NotFound(f"no document with id {doc_id!r}")
    return jsonify(doc)


@bp.get("/suggest")
def suggest():
    """Search-as-you-type completions of the last word."""
    q = request.args.get("q", "")
    if len(q) > 200:
        raise QueryTooLong("q for /suggest is at most 200 characters")
    limit = request.args.get("limit", "8")
    if not limit.isdigit() or not 1 <= int(limit) <= 20:
        raise BadParameter("limit must be a whole number from 1 to 20")
    try:
        completions = engine().suggest(q, int(limit))
    except IndexUnavailable as exc:
        raise _unavailable(exc) from None
    return jsonify({"q": q, "suggestions": completions})


@bp.get("/health")
def health():
    """Index version, document counts and build time; 503 with the reason when unavailable."""
    try:
        info = engine().health()
    except IndexUnavailable as exc:
        raise _unavailable(exc) from None
    return jsonify({"status": "ok", **info})


@bp.get("/metrics")
def prometheus():
    """Prometheus text exposition."""
    try:
        info = engine().health()
    except IndexUnavailable:
        info = None
    body, content_type = metrics.exposition(info)
    return Response(body, content_type=content_type)

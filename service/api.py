"""The public HTTP API: search, documents, completions, health, metrics.

Views parse parameters, call the engine and hand its typed result to the presenter; the
engine's errors become JSON errors in ``errors`` (by type), so no view catches them.
"""
from __future__ import annotations

import dataclasses
import time

from flask import Blueprint, Response, current_app, jsonify, request

from index import Deadline, IndexUnavailable, SearchIndex

from . import analytics, keys, metrics, popular_views, presenter, push, rules_views
from .nothing_found import try_without
from .errors import BadParameter, NotFound, TooLong
from .params import MAX_ID_LENGTH, MAX_SUGGEST_CHARS, related_request, search_request, suggest_limit

bp = Blueprint("api", __name__)


def engine() -> SearchIndex:
    """Return the app's SearchIndex."""
    return current_app.extensions["search_index"]


@bp.get("/search")
def search():
    """Ranked search with snippets and facets."""
    started = time.perf_counter()
    budget = Deadline(engine().time_budget)  # the request's, nothing-found tries included
    fixed = keys.from_request()  # a widget key's filters (401 if it is bad)
    req, applied = rules_views.steer(
        keys.restrict(search_request(request.args, current_app.config), fixed))
    result = engine().search(req)
    nothing = None
    if req.q.strip() and result.total == 0:
        metrics.ZERO_RESULTS.inc()
        nothing = {"try_without": try_without(engine(), req, budget)}
        popular = popular_views.nothing_found()
        if popular is not None:
            nothing["popular"] = popular
    took_ms = round((time.perf_counter() - started) * 1000, 2)
    search_id = analytics.record_search(req, result, took_ms)
    rules_views.record(search_id, req, applied, result)
    answer = jsonify(presenter.search_json(result, took_ms, search_id, nothing))
    answer.headers["X-Index-Snapshot"] = result.snapshot
    return answer


@bp.get("/documents/<path:doc_id>")
def document(doc_id: str):
    """One stored document by id."""
    if len(doc_id) > MAX_ID_LENGTH:
        raise BadParameter(f"document ids are at most {MAX_ID_LENGTH} characters")
    fixed = keys.from_request()
    full = request.args.get("full", "0")
    if full not in ("0", "1"):
        raise BadParameter("full must be 0 or 1")
    doc = engine().document(doc_id)
    if doc is None or not keys.allows(fixed, doc):
        raise NotFound(f"no document with id {doc_id!r}")
    return jsonify(presenter.document_json(doc, None if full == "1" else presenter.DOCUMENT_TEXT_CHARS))


@bp.get("/documents/<path:doc_id>/related")
def related(doc_id: str):
    """Documents like this one: its most distinctive terms, searched as one query."""
    started = time.perf_counter()
    fixed = keys.from_request()
    result = engine().related(related_request(doc_id, request.args))
    if fixed is not None and result is not None:  # a key: its documents only
        source = engine().document(doc_id)
        result = None if source is None or not keys.allows(fixed, source) else \
            dataclasses.replace(result, hits=[h for h in result.hits
                                              if keys.allows(fixed, h.document)])
    if result is None:
        raise NotFound(f"no document with id {doc_id!r}")
    took_ms = round((time.perf_counter() - started) * 1000, 2)
    answer = jsonify(presenter.related_json(result, took_ms))
    answer.headers["X-Index-Snapshot"] = result.snapshot
    return answer


@bp.get("/suggest")
def suggest():
    """Search-as-you-type completions of the last word; popular searches when little or
    nothing is typed."""
    q = request.args.get("q", "")
    if len(q) > MAX_SUGGEST_CHARS:
        raise TooLong(f"q for /suggest is at most {MAX_SUGGEST_CHARS} characters")
    limit = suggest_limit(request.args)
    keys.from_request()  # a revoked or expired key opens nothing
    popular = popular_views.suggestions(q, limit)
    if popular or (popular is not None and not q.strip()):
        return jsonify({"q": q, "suggestions": popular, "source": "popular"})
    return jsonify({"q": q, "suggestions": engine().suggest(q, limit), "source": "completions"})


@bp.get("/health")
def health():
    """Index version, document counts and build time; 503 with the reason when unavailable."""
    return jsonify({"status": "ok", **engine().health()})


@bp.get("/metrics")
def prometheus():
    """Prometheus text exposition."""
    try:
        info = engine().health()
    except IndexUnavailable:
        info = None
    body, content_type = metrics.exposition(info, push.queue_figures(current_app.config["INDEX_DIR"]))
    return Response(body, content_type=content_type)

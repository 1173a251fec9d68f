"""Push on publish: ``POST /admin/documents`` and ``DELETE /admin/documents/<id>``.

A CMS calls these when it publishes, updates or unpublishes an article (the admin token as
for the other admin routes). A push is checked cheaply (every document must give an
article or a bio, ``corpus.identify_objects``: no language detection or quotation finding
in the request), queued on disk as one batch, and answered 202 with the ids. The push
applier (``service/applier.py``), one process per index directory outside the workers,
applies what is pending a moment later as one incremental snapshot: no request waits for
the index, a burst of pushes becomes one snapshot, and an apply never competes with a
worker's searches for its interpreter. While a rebuild holds the writer lock the batches
stay queued; the rebuild replays them, and the applier applies what came after.

Backpressure: past ``SEARCH_PUSH_QUEUE_LIMIT`` pending batches (or
``SEARCH_PUSH_QUEUE_MB``) a push is refused with 429 and ``Retry-After``, and nothing is
queued; a CMS tries again later.

Bodies: one JSON object, a JSON array of objects, or JSON Lines (one object a line), up to
``MAX_PUSH_BYTES``.
"""
from __future__ import annotations

import json
import logging
import math
import os
import time

from flask import Blueprint, Flask, current_app, jsonify, request

import index
from corpus import identify_objects
from corpus.jsonl import MAX_DEPTH, json_depth
from corpus.text import document_id

from . import applier_state as applier
from .errors import ApiError, BadParameter

bp = Blueprint("push", __name__)
log = logging.getLogger(__name__)
MAX_PUSH_BYTES = 10 * 1024 * 1024  # a whole day of a newsroom's articles fits in one push
MAX_PUSH_DOCUMENTS = 5000
SHOWN_PROBLEMS = 20
MAX_JSON_DEPTH = MAX_DEPTH  # as a JSON Lines corpus file


class QueueFull(ApiError):
    status, code = 429, "queue_full"


def owner() -> int:
    """The process whose end stops the applier: the gunicorn master (``gunicorn_conf``
    names it), else this process."""
    return int(os.environ.get("SEARCH_INSTANCE_PID") or os.getpid())


def start(app: Flask) -> None:
    """Make sure an applier runs for ``app``'s index (a worker calls this when it starts)."""
    _ensure(app, force=True)


def _ensure(app: Flask, force: bool = False) -> None:
    """Start the applier if none runs; without ``force``, only while batches are pending,
    and looked at no more than every CHECK_SECONDS."""
    ext = app.extensions
    now = time.monotonic()
    if not force and now - ext.get("push_checked", -math.inf) < applier.CHECK_SECONDS:
        return
    ext["push_checked"] = now
    index_dir = app.config["INDEX_DIR"]
    if not force and not index.PushQueue(index_dir).counts()["pending"]:
        return
    try:
        applier.ensure_running(index_dir, owner(), app.config["PUSH_INTERVAL"])
    except OSError:
        log.exception("cannot start the push applier for %s", index_dir)


@bp.before_app_request
def _resume_pending() -> None:
    """Now and then, start an applier if batches are pending and none runs (it died)."""
    _ensure(current_app._get_current_object())  # type: ignore[attr-defined]


def _poke() -> None:
    """After a push: make sure an applier runs (it may have died since the last look)."""
    _ensure(current_app._get_current_object(), force=True)  # type: ignore[attr-defined]


def _room() -> None:
    """Refuse a push with 429 while the queue is over its limits."""
    config = current_app.config
    stats = index.PushQueue(config["INDEX_DIR"]).stats()
    over = stats["pending"] >= config["PUSH_QUEUE_LIMIT"] or \
        stats["pending_bytes"] >= config["PUSH_QUEUE_MB"] * 1024 * 1024
    if not over:
        return
    last = (applier.read_state(config["INDEX_DIR"]).get("last_applied") or {}).get("seconds", 1.0)
    retry = max(1, min(60, math.ceil(2 * last)))
    error = QueueFull(f"{stats['pending']} pushes are waiting to be applied (the limit is "
                      f"{config['PUSH_QUEUE_LIMIT']} batches, {config['PUSH_QUEUE_MB']} MB); "
                      f"nothing was queued: send it again in {retry} s")
    error.headers = {"Retry-After": str(retry)}
    raise error


def _documents() -> list:
    """Return the pushed documents from the body: an object, an array, or JSON Lines."""
    request.max_content_length = MAX_PUSH_BYTES
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadParameter("the body must be UTF-8 JSON or JSON Lines") from None
    if not text.strip():
        raise BadParameter("the body is empty: send a JSON document or JSON Lines")
    try:
        body = json.loads(text)
        docs = body if isinstance(body, list) else [body]
    except RecursionError:
        raise BadParameter(f"the body is nested too deeply (at most {MAX_JSON_DEPTH} levels)") from None
    except json.JSONDecodeError:
        docs = []
        # "\n" only: str.splitlines() also splits inside strings at U+2028, U+0085, ...
        for n, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                try:
                    docs.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise BadParameter(f"line {n}: malformed JSON: {exc.msg} at column {exc.colno}") from None
                except RecursionError:
                    raise BadParameter(f"line {n}: nested too deeply (at most {MAX_JSON_DEPTH} levels)") from None
    if len(docs) > MAX_PUSH_DOCUMENTS:
        raise BadParameter(f"at most {MAX_PUSH_DOCUMENTS} documents a push, got {len(docs)}")
    for n, doc in enumerate(docs, start=1):
        if json_depth(doc) > MAX_JSON_DEPTH:
            raise BadParameter(f"document {n}: nested deeper than {MAX_JSON_DEPTH} levels")
    return docs


@bp.post("/documents")
def push_documents():
    """Queue documents to add or replace; 202 with their ids, 400 if any is unusable."""
    docs = _documents()
    heads, problems = identify_objects(docs, [f"push:{n}" for n in range(1, len(docs) + 1)])
    if problems:
        shown = "; ".join(f"document {p.line}: {p.reason}" for p in problems[:SHOWN_PROBLEMS])
        raise BadParameter(f"nothing queued: {len(problems)} unusable document(s): {shown}")
    _room()
    queue = index.PushQueue(current_app.config["INDEX_DIR"])
    batch = queue.put(docs, [h.id for h in heads])
    _poke()
    return jsonify({"status": "queued", "batch": batch, "documents": [
        {"id": h.id, "kind": h.kind, "title": h.title} for h in heads]}), 202


@bp.delete("/documents/<path:doc_id>")
def delete_document(doc_id: str):
    """Queue the deletion of a document (and its quotes); 202."""
    return _delete(doc_id)


@bp.delete("/documents")
def delete_by_url():
    """Queue the deletion of the article published at ``?url=``; 202."""
    url = request.args.get("url", "").strip()
    if not url:
        raise BadParameter("give the document's id in the path or its url as ?url=")
    return _delete(document_id(url, None, "", ""))


def _delete(doc_id: str):
    if not doc_id or len(doc_id) > index.MAX_ID_LENGTH:
        raise BadParameter(f"a document id is 1 to {index.MAX_ID_LENGTH} characters")
    _room()
    batch = index.PushQueue(current_app.config["INDEX_DIR"]).delete([doc_id])
    _poke()
    return jsonify({"status": "queued", "batch": batch, "id": doc_id}), 202


def queue_figures(index_dir: str) -> dict:
    """Return the push queue's and the applier's figures for /metrics."""
    state = applier.read_state(index_dir)
    return {**index.PushQueue(index_dir).stats(), "applier_up": int(applier.running(index_dir)),
            **{k: state.get(k, 0) for k in ("applied_batches", "failed_applies")}}


def push_status(index_dir: str) -> dict:
    """Return the push queue's state for /admin/status."""
    queue = index.PushQueue(index_dir)
    _, quarantine = queue.quarantined()
    state = applier.read_state(index_dir)
    return {**queue.stats(), "quarantine": quarantine,
            "last_applied": state.get("last_applied"),
            "applier": {"running": applier.running(index_dir),
                        **{k: state.get(k) for k in ("pid", "heartbeat", "applied_batches",
                                                    "snapshots", "failed_applies", "last_error",
                                                    "last_compaction")}}}


def openapi_paths(error: dict) -> dict:
    """Return the OpenAPI description of the push routes (``error``: the error response)."""
    auth = {"security": [{"bearer": []}]}
    queued = {"description": "queued", "content": {"application/json": {"schema": {"type": "object"}}}}
    errors = {"400": error, "401": error, "403": error, "429": error}
    body = {"required": True, "content": {
        "application/json": {"schema": {"oneOf": [{"type": "object"},
                                                  {"type": "array", "items": {"type": "object"}}]}},
        "application/x-ndjson": {"schema": {"type": "string"}}}}
    doc_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    url = {"name": "url", "in": "query", "required": True, "schema": {"type": "string"}}
    return {
        "/admin/documents": {
            "post": {"summary": "Add or replace documents (pushed on publish)", **auth,
                     "requestBody": body, "responses": {"202": queued, "413": error, **errors}},
            "delete": {"summary": "Delete the article published at a url", **auth,
                       "parameters": [url], "responses": {"202": queued, **errors}}},
        "/admin/documents/{id}": {
            "delete": {"summary": "Delete a document and its quotes", **auth,
                       "parameters": [doc_id], "responses": {"202": queued, **errors}}},
    }

"""Push on publish: ``POST /admin/documents`` and ``DELETE /admin/documents/<id>``.

A CMS calls these when it publishes, updates or unpublishes an article (the admin token as
for the other admin routes). A push is checked (every document must give an article or a
bio, the way ``python -m corpus`` reads it), queued on disk as one batch, answered 202 with
the ids, and applied a moment later by this process's flusher thread as one incremental
snapshot together with whatever else is pending: no request waits for the index, and a
burst of pushes becomes one snapshot. While a rebuild holds the writer lock the batches
stay queued; the rebuild replays them, and the flusher applies what came after.

Bodies: one JSON object, a JSON array of objects, or JSON Lines (one object a line), up to
``MAX_PUSH_BYTES``.
"""
from __future__ import annotations

import json
import logging
import threading
import time

from flask import Blueprint, current_app, jsonify, request

import index
from corpus import Article, Bio, extract_objects
from corpus.text import document_id

from .errors import BadParameter

bp = Blueprint("push", __name__)
log = logging.getLogger(__name__)
MAX_PUSH_BYTES = 10 * 1024 * 1024  # a whole day of a newsroom's articles fits in one push
MAX_PUSH_DOCUMENTS = 5000
BATCH_DELAY = 0.3  # seconds the flusher waits for more pushes before it writes a snapshot
BUSY_RETRY = 1.0  # seconds between tries while a rebuild holds the writer lock
SHOWN_PROBLEMS = 20


class PushFlusher:
    """Applies pending push batches in a background thread of this process."""

    def __init__(self, index_dir: str) -> None:
        self.index_dir = index_dir
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.last: dict = {}

    def poke(self) -> None:
        """Ask for the pending batches to be applied soon (start the thread if needed)."""
        with self._lock:
            self._wanted.set()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="push-flusher", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._wanted.is_set():
                    self._thread = None
                    return
                self._wanted.clear()
            time.sleep(BATCH_DELAY)
            try:
                result = index.apply_pushes(self.index_dir)
            except index.IndexBusy:  # a rebuild runs: it replays what is pending
                self._wanted.set()
                time.sleep(BUSY_RETRY)
                continue
            except Exception:  # noqa: BLE001 - logged; tried again on the next push
                log.exception("applying pushed documents failed")
                continue
            if result is not None:
                self.last = {"snapshot": result.snapshot, "batches": result.pushes,
                             "seconds": round(result.seconds, 3), "at": time.time()}
            self._merge()

    def _merge(self) -> None:
        """Merge small segments now that the pushes are searchable, if none is pending."""
        if index.PushQueue(self.index_dir).pending():
            return
        try:
            index.merge_segments(self.index_dir)
        except index.IndexBusy:  # a rebuild or another process writes: it will be asked again
            pass
        except Exception:  # noqa: BLE001 - logged; the index stays as it is, unmerged
            log.exception("merging segments failed")


def _flusher() -> PushFlusher:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _FLUSHER_LOCK:
        flusher = app.extensions.get("push_flusher")
        if flusher is None:
            flusher = app.extensions["push_flusher"] = PushFlusher(app.config["INDEX_DIR"])
    return flusher


_FLUSHER_LOCK = threading.Lock()


@bp.before_app_request
def _resume_pending() -> None:
    """On this process's first request, apply batches a stopped process left pending."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.extensions.get("push_resumed"):
        return
    app.extensions["push_resumed"] = True
    if index.PushQueue(app.config["INDEX_DIR"]).pending():
        _flusher().poke()


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
    except json.JSONDecodeError:
        docs = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    docs.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise BadParameter(f"line {n}: malformed JSON: {exc.msg} at column {exc.colno}") from None
    if len(docs) > MAX_PUSH_DOCUMENTS:
        raise BadParameter(f"at most {MAX_PUSH_DOCUMENTS} documents a push, got {len(docs)}")
    return docs


@bp.post("/documents")
def push_documents():
    """Queue documents to add or replace; 202 with their ids, 400 if any is unusable."""
    docs = _documents()
    records, problems = extract_objects(docs, [f"push:{n}" for n in range(1, len(docs) + 1)])
    if problems:
        shown = "; ".join(f"document {p.line}: {p.reason}" for p in problems[:SHOWN_PROBLEMS])
        raise BadParameter(f"nothing queued: {len(problems)} unusable document(s): {shown}")
    heads = [r for r in records if isinstance(r, (Article, Bio))]
    queue = index.PushQueue(current_app.config["INDEX_DIR"])
    batch = queue.put(docs)
    _flusher().poke()
    return jsonify({"status": "queued", "batch": batch, "documents": [
        {"id": r.id, "kind": r.kind, "title": getattr(r, "title", None) or getattr(r, "author", "")}
        for r in heads]}), 202


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
    if not doc_id or len(doc_id) > 512:
        raise BadParameter("a document id is 1 to 512 characters")
    batch = index.PushQueue(current_app.config["INDEX_DIR"]).delete([doc_id])
    _flusher().poke()
    return jsonify({"status": "queued", "batch": batch, "id": doc_id}), 202


def push_status(index_dir: str) -> dict:
    """Return the push queue's state for /admin/status."""
    flusher = current_app.extensions.get("push_flusher")
    return {**index.PushQueue(index_dir).counts(), "last_applied": flusher.last if flusher else None}


def openapi_paths(error: dict) -> dict:
    """Return the OpenAPI description of the push routes (``error``: the error response)."""
    auth = {"security": [{"bearer": []}]}
    queued = {"description": "queued", "content": {"application/json": {"schema": {"type": "object"}}}}
    errors = {"400": error, "401": error, "403": error}
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

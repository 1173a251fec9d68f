"""Editors' rules over HTTP, and their application to each search.

    GET    /admin/rules         every rule, its state (active, scheduled, ended), the ids it
                                names that the index no longer holds (``missing``) and, with
                                analytics on, its use over the last 30 days
    POST   /admin/rules         one rule as JSON (``rules.make_rule``): 201 with its id
    DELETE /admin/rules/<id>    204; 404 if there is no such rule
    GET, POST /admin/rules.html the same as a page for editors (HTML forms, no script)

All behind the admin token (a bearer token, or HTTP Basic's password for a browser). The
page's forms also carry a token derived from the admin token and must come from the page's
own origin, so another site cannot submit them with an editor's saved credentials.

``steer`` is what the search view calls: the rules in force for the query become the
request's ``pinned`` and ``hidden`` ids (the engine applies them, see ``index.read.pinning``).
A rule naming a document the index does not hold is skipped by the engine and listed here.
"""
from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from index import IndexUnavailable, SearchRequest

from . import analytics, analytics_store, rule_uses
from .admin import authenticate
from .analytics_views import challenge
from .editor_state import EditorState
from .errors import BadParameter, Forbidden, NotFound
from .rules import (MATCHES, MAX_HIDDEN, MAX_PINNED, MAX_RULES, NOTHING, Applied, Rule,
                    RuleError, make_rule)

bp = Blueprint("rules", __name__, url_prefix="/admin")
bp.before_request(authenticate)
bp.after_request(challenge)  # a browser asks for the token; nothing is cached
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


def state() -> EditorState:
    return current_app.extensions["editor"]


def steer(req: SearchRequest, now: float | None = None) -> tuple[SearchRequest, Applied]:
    """Return ``req`` with the pins and hides of the rules matching its query."""
    rules = state().view().rules
    if not rules:
        return req, NOTHING
    applied = rules.match(req.q, time.time() if now is None else now)
    if applied is NOTHING:
        return req, applied
    return dataclasses.replace(req, pinned=applied.pinned, hidden=applied.hidden), applied


def record(search_id: str | None, req: SearchRequest, applied: Applied, result: Any) -> None:
    """Count a steered first page in the analytics (when on): rules and pins shown."""
    rec = analytics.recorder()
    if rec is not None and search_id is not None and applied.rules and req.page == 1:
        row = analytics_store.search_of(int(search_id[:16], 16))
        rec.add_rule_uses(rule_uses.rows(row, applied, result.hits, rec.clock()))


def _missing(ids: list[str]) -> list[str] | None:
    """Return which of ``ids`` the live index does not hold (None: no index to ask)."""
    engine = current_app.extensions["search_index"]
    try:
        return [i for i in dict.fromkeys(ids) if engine.document(i) is None]
    except IndexUnavailable:
        return None


def listing() -> list[dict[str, Any]]:
    """Every rule as the API lists it: stored fields, state, missing ids, use."""
    now = time.time()
    rules = state().view().rules.rules
    absent = set(_missing([d for r in rules for d in (*r.pin, *r.hide)]) or ())
    uses = rule_uses.summary(analytics.recorder(), [r.id for r in rules])
    return [{**r.to_json(), "state": r.state(now),
             "missing": [d for d in (*r.pin, *r.hide) if d in absent],
             **({"use": uses[r.id]} if uses is not None else {})} for r in rules]


def add(body: Any) -> tuple[Rule, list[str] | None]:
    """Store a new rule; return it and the ids it names that the index does not hold."""
    try:
        rule = make_rule(body, time.time())
    except RuleError as exc:
        raise BadParameter(str(exc)) from None

    def append(data: dict) -> None:
        if len(data["rules"]) >= MAX_RULES:
            raise BadParameter(f"at most {MAX_RULES} rules; delete ended ones first")
        data["rules"].append(rule.to_json())
    state().update(append)
    return rule, _missing([*rule.pin, *rule.hide])


def delete(rule_id: str) -> bool:
    """Delete the rule ``rule_id``; return False if there was none."""
    def remove(data: dict) -> bool:
        before = len(data["rules"])
        data["rules"] = [r for r in data["rules"] if r.get("id") != rule_id]
        return len(data["rules"]) < before
    return state().update(remove)


@bp.get("/rules")
def list_rules():
    """Every rule, with its state and the documents it names that are gone."""
    return jsonify({"rules": listing()})


@bp.post("/rules")
def create_rule():
    """Make a rule from a JSON object: 201."""
    if request.mimetype != "application/json":
        raise BadParameter("send the rule as application/json")
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):
        raise BadParameter("the body must be a JSON object") from None
    rule, missing = add(body)
    return jsonify({"rule": rule.to_json(), "missing": missing}), 201


@bp.delete("/rules/<rule_id>")
def delete_rule(rule_id: str):
    """Delete one rule: 204."""
    if not delete(rule_id[:40]):
        raise NotFound(f"no rule {rule_id[:40]!r}")
    return Response(status=204)


def form_token() -> str:
    """The token the page's forms carry: only a holder of the admin token can make it."""
    key = current_app.config["ADMIN_TOKEN"].encode()
    return hmac.new(key, b"editor-forms", hashlib.sha256).hexdigest()


def check_form() -> None:
    """Refuse a form sent from another origin or without the page's token."""
    site = request.headers.get("Sec-Fetch-Site")  # what the browser says, when it does
    origin = request.headers.get("Origin", "null")  # "null" under Referrer-Policy no-referrer
    if (site and site not in ("same-origin", "none")) or (not site and origin != "null" and
                                                          origin.rstrip("/") != request.host_url.rstrip("/")):
        raise Forbidden("editor forms are sent from the editors' own pages only")
    if not hmac.compare_digest(request.form.get("token", ""), form_token()):
        raise Forbidden("the form is out of date; reload the page")


@bp.route("/rules.html", methods=["GET", "POST"])
def page():
    """The rules as a page for editors, with a form to add one and a button to delete each."""
    message, problem, status = "", "", 200
    if request.method == "POST":
        check_form()
        form = request.form
        try:
            if form.get("action") == "delete":
                found = delete(form.get("id", "")[:40])
                message = "Rule deleted." if found else "That rule was already gone."
            else:
                rule, missing = add({
                    "query": form.get("query", ""), "match": form.get("match", "query"),
                    "pin": form.get("pin", ""), "hide": form.get("hide", ""),
                    "start": form.get("start") or None, "end": form.get("end") or None,
                    "note": form.get("note", "")})
                message = f"Rule for \u201c{rule.query}\u201d added."
                if missing:
                    message += f" Not in the index: {', '.join(missing)}."
        except BadParameter as exc:
            problem, status = str(exc), 400
    body = render_template("rules.html", rules=listing(), message=message, problem=problem,
                           token=form_token(), form=request.form if problem else {})
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PAGE_CSP
    # The forms post back here: with the API's "no-referrer" the browser would send
    # "Origin: null", which the service refuses as another origin.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def openapi_paths(error: dict) -> dict:
    """Return the OpenAPI description of the rules routes (``error``: the error response)."""
    ids = {"type": "array", "maxItems": MAX_PINNED, "items": {"type": "string", "maxLength": 200}}
    when = {"type": ["string", "null"], "description": "ISO 8601; without a zone: UTC"}
    rule = {"type": "object", "required": ["query"], "additionalProperties": False,
            "properties": {
                "query": {"type": "string", "description": "1 to 8 words"},
                "match": {"enum": list(MATCHES), "description": "query: the whole query "
                          "(normalised); word: every query holding these words in a row"},
                "pin": {**ids, "description": "document ids or URLs listed first, in order"},
                "hide": {**ids, "maxItems": MAX_HIDDEN,
                         "description": "document ids or URLs never listed"},
                "start": when, "end": when, "note": {"type": "string", "maxLength": 200}}}
    auth = {"security": [{"bearer": []}]}
    errors = {"401": error, "403": error}
    listed = {"description": "the rules", "content": {"application/json": {"schema": {
        "type": "object", "required": ["rules"], "properties": {"rules": {"type": "array"}}}}}}
    made = {"description": "stored; missing: the ids the index does not hold",
            "content": {"application/json": {"schema": {"type": "object",
                                                        "required": ["rule", "missing"]}}}}
    return {
        "/admin/rules": {
            "get": {"summary": "Editors' rules: pinned and hidden results", **auth,
                    "responses": {"200": listed, **errors}},
            "post": {"summary": "Pin or hide documents for a query", **auth,
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": rule}}},
                     "responses": {"201": made, "400": error, **errors}}},
        "/admin/rules.html": {op: {
            "summary": "The rules as a page for editors (its forms post to it)", **auth,
            "responses": {"200": {"description": "HTML", "content": {"text/html": {
                "schema": {"type": "string"}}}}, "400": error, **errors}}
            for op in ("get", "post")},
        "/admin/rules/{id}": {
            "delete": {"summary": "Delete a rule", **auth, "parameters": [{
                "name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"204": {"description": "deleted"}, "404": error, **errors}}},
    }

"""Widget keys over the admin API (see ``keys``).

    POST   /admin/keys        {"site": [...], "kind": [...], "lang": [...], "expires", "note"}:
                              201 with the key to paste into the page (``data-nsw-key``)
    GET    /admin/keys        the keys made, with their filters and whether revoked
    DELETE /admin/keys/<id>   revoke: every worker refuses it (401) within a second
"""
from __future__ import annotations

import json
import re
import time
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from corpus.text import SITE_PATTERN
from index import KINDS

from . import keys
from .admin import authenticate
from .errors import BadParameter
from .params import LANG_PATTERN
from .rules import RuleError, timestamp, utc_time

bp = Blueprint("keys", __name__, url_prefix="/admin")
bp.before_request(authenticate)
FIELDS = {"site", "kind", "lang", "expires", "note"}
MAX_KEYS = 10_000
_PATTERNS = {"site": re.compile(SITE_PATTERN), "lang": re.compile(LANG_PATTERN)}


def _values(body: dict, name: str) -> list[str]:
    value = body.get(name) or []
    value = [value] if isinstance(value, str) else value
    if not isinstance(value, list) or len(value) > 20 or \
            not all(isinstance(v, str) for v in value):
        raise BadParameter(f"{name} must be a value or a list of at most 20")
    value = list(dict.fromkeys(v.strip().lower() for v in value if v.strip()))
    for v in value:
        ok = v in KINDS if name == "kind" else bool(_PATTERNS[name].match(v))
        if not ok:
            raise BadParameter(f"{name}: {v[:40]!r} is not a {name} value")
    return value


def _body() -> dict[str, Any]:
    try:
        body = json.loads(request.get_data(cache=False) or b"null")
    except (ValueError, RecursionError):
        body = None
    if request.mimetype != "application/json" or not isinstance(body, dict):
        raise BadParameter('send the key\'s filters as application/json, like {"site": "gazette"}')
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise BadParameter(f"unknown field {unknown[0][:40]!r}")
    return body


@bp.post("/keys")
def create():
    """Make a widget key fixing site, kind and/or lang filters, with an optional expiry."""
    body = _body()
    sites, kinds, langs = (_values(body, n) for n in ("site", "kind", "lang"))
    if not (sites or kinds or langs):
        raise BadParameter("a key fixes at least one of site, kind, lang")
    try:
        expires = utc_time(body.get("expires"), "expires")
    except RuleError as exc:
        raise BadParameter(str(exc)) from None
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 200:
        raise BadParameter("note must be text of at most 200 characters")
    key, claims = keys.make(current_app.config["ADMIN_TOKEN"], sites, kinds, langs,
                            timestamp(expires) if expires else None)
    record = {"id": claims["id"], "key": key, "site": sites, "kind": kinds, "lang": langs,
              "expires": expires, "note": note.strip(),
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}

    def add(data: dict) -> None:
        if len(data["keys"]) >= MAX_KEYS:
            raise BadParameter(f"at most {MAX_KEYS} keys are listed")
        data["keys"].append(record)
    current_app.extensions["editor"].update(add)
    return jsonify(record), 201


@bp.get("/keys")
def listing():
    """The keys made, newest first, with whether each is revoked."""
    view = current_app.extensions["editor"].view()
    return jsonify({"keys": [{**k, "revoked": k.get("id") in view.revoked}
                             for k in reversed(view.keys)]})


@bp.delete("/keys/<key_id>")
def revoke(key_id: str):
    """Revoke a key by its id (keys made before the list was kept too): 204."""
    if not re.fullmatch(keys.KEY_ID_PATTERN.strip("^$"), key_id):
        raise BadParameter("a key id is 12 hexadecimal digits")

    def add(data: dict) -> None:
        if key_id not in data["revoked_keys"]:
            data["revoked_keys"].append(key_id)
    current_app.extensions["editor"].update(add)
    return Response(status=204)


def openapi_paths(error: dict) -> dict:
    """The OpenAPI entries of these routes."""
    auth = {"security": [{"bearer": []}]}
    errors = {"400": error, "401": error, "403": error}
    many = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    made = {"description": "the key", "content": {"application/json": {"schema": {
        "type": "object", "required": ["id", "key"]}}}}
    return {
        "/admin/keys": {
            "get": {"summary": "Widget keys made", **auth, "responses": {"200": {
                "description": "the keys", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["keys"]}}}}, **errors}},
            "post": {"summary": "Make a widget key fixing site, kind and lang filters", **auth,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "additionalProperties": False,
                                    "properties": {"site": many, "kind": many, "lang": many,
                                                   "expires": {"type": ["string", "null"]},
                                                   "note": {"type": "string"}}}}}},
                     "responses": {"201": made, **errors}}},
        "/admin/keys/{id}": {"delete": {
            "summary": "Revoke a widget key (401 wherever it is used)", **auth,
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {
                "type": "string", "pattern": keys.KEY_ID_PATTERN}}],
            "responses": {"204": {"description": "revoked"}, **errors}}},
    }

"""Popular searches over HTTP (see ``popular``).

    GET    /popular                        public: {"days", "queries"}; [] with analytics off
    GET    /admin/popular                  every query kept, its counts, whether blocked
    POST   /admin/popular/blocked          {"query": "words"}: block queries holding them
    DELETE /admin/popular/blocked?query=   unblock

``suggestions`` is what ``/suggest`` answers when little or nothing is typed.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from . import keys
from .admin import authenticate
from .errors import BadParameter, NotFound
from .popular import FIRST_WAIT, LIMIT, Popular, admin_listing, served
from .rules import words

public = Blueprint("popular", __name__)
admin = Blueprint("popular_admin", __name__, url_prefix="/admin")
admin.before_request(authenticate)
TYPED_LITTLE = 3    # /suggest offers popular searches below this many characters typed
MAX_BLOCKED = 1000
NOTHING_FOUND = 5   # popular searches a nothing-found answer offers


def _popular() -> Popular | None:
    return current_app.extensions.get("popular")


def _blocked() -> frozenset[str]:
    return current_app.extensions["editor"].view().blocked


def suggestions(q: str, limit: int) -> list[str] | None:
    """Popular searches starting with ``q`` when it is short; None when ``q`` is not."""
    if len(q.strip()) >= TYPED_LITTLE:
        return None
    return served(_popular(), _blocked(), limit, q)


def nothing_found() -> list[str] | None:
    """The popular searches a nothing-found answer offers (None: analytics is off): the
    worker's last list, as ``/popular`` serves it (the editors' block list applied)."""
    popular = _popular()
    return None if popular is None else served(popular, _blocked(), NOTHING_FOUND)


@public.get("/popular")
def popular():
    """The most searched queries of the last days that readers found and opened results of."""
    low, high, default = LIMIT
    raw = request.args.get("limit", "")
    if raw and (not raw.isdigit() or not low <= int(raw) <= high):
        raise BadParameter(f"limit must be a whole number from {low} to {high}")
    limit = int(raw) if raw else default
    keys.from_request()  # a revoked or expired key opens nothing
    queries = served(_popular(), _blocked(), limit, wait=FIRST_WAIT)
    response = jsonify({"days": current_app.config["POPULAR_DAYS"], "queries": queries})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@admin.get("/popular")
def listing():
    """Every popular query kept, with its counts, and the block list."""
    return jsonify(admin_listing(_popular(), _blocked()))


def _query() -> str:
    if request.method == "POST":
        try:
            body = json.loads(request.get_data(cache=False) or b"null")
        except (ValueError, RecursionError):
            body = None
        if request.mimetype != "application/json" or not isinstance(body, dict):
            raise BadParameter('send {"query": "words to block"} as application/json')
        query = body.get("query")
    else:
        query = request.args.get("query")
    if not isinstance(query, str) or not 1 <= len(words(query)) <= 8 or len(query) > 200:
        raise BadParameter("query must hold 1 to 8 words")
    return " ".join(words(query))


@admin.post("/popular/blocked")
def block():
    """Block every popular query holding these words: 201."""
    query = _query()

    def add(data: dict) -> None:
        if query not in data["popular_blocked"]:
            if len(data["popular_blocked"]) >= MAX_BLOCKED:
                raise BadParameter(f"at most {MAX_BLOCKED} blocked entries")
            data["popular_blocked"].append(query)
    current_app.extensions["editor"].update(add)
    return jsonify({"blocked": query}), 201


@admin.delete("/popular/blocked")
def unblock():
    """Take words off the block list: 204; 404 if they were not on it."""
    query = _query()

    def remove(data: dict) -> bool:
        if query not in data["popular_blocked"]:
            return False
        data["popular_blocked"].remove(query)
        return True
    if not current_app.extensions["editor"].update(remove):
        raise NotFound(f"{query[:40]!r} is not blocked")
    return Response(status=204)


def register(app: Flask) -> None:
    """Serve popular searches (from the analytics, when on) and their admin routes."""
    if app.config.get("ANALYTICS_DB"):
        app.extensions["popular"] = Popular(app.config["ANALYTICS_DB"],
                                            app.config["POPULAR_DAYS"],
                                            app.config["POPULAR_REFRESH"])
        app.extensions["popular"].start()  # the list is there by a worker's first search
    app.register_blueprint(public)
    if app.config["ADMIN_TOKEN"]:
        app.register_blueprint(admin)


def openapi_paths(error: dict, admin_on: bool) -> dict[str, Any]:
    """The OpenAPI entries of these routes."""
    low, high, default = LIMIT
    strings = {"type": "array", "items": {"type": "string"}}
    paths: dict[str, Any] = {"/popular": {"get": {
        "summary": "The most searched queries of the last days that found results and got "
                   "clicks (empty when analytics is off)",
        "parameters": [{"name": "limit", "in": "query", "required": False, "schema": {
            "type": "integer", "minimum": low, "maximum": high, "default": default}}],
        "responses": {"200": {"description": "OK", "content": {"application/json": {
            "schema": {"type": "object", "required": ["days", "queries"], "properties": {
                "days": {"type": "integer"}, "queries": strings}}}}}, "400": error}}}}
    if admin_on:
        auth = {"security": [{"bearer": []}]}
        errors = {"400": error, "401": error, "403": error}
        query = [{"name": "query", "in": "query", "required": True,
                  "schema": {"type": "string", "maxLength": 200}}]
        paths["/admin/popular"] = {"get": {
            "summary": "Popular searches with their counts, and the block list", **auth,
            "responses": {"200": {"description": "OK", "content": {"application/json": {
                "schema": {"type": "object", "required": ["queries", "blocked"]}}}},
                **errors}}}
        paths["/admin/popular/blocked"] = {
            "post": {"summary": "Never show popular queries holding these words", **auth,
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "object", "required": ["query"], "properties": {
                             "query": {"type": "string", "maxLength": 200}}}}}},
                     "responses": {"201": {"description": "blocked"}, **errors}},
            "delete": {"summary": "Unblock", **auth, "parameters": query,
                       "responses": {"204": {"description": "unblocked"}, "404": error,
                                     **errors}}}
    return paths

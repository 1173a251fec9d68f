"""``GET /openapi.json``: the OpenAPI 3 description of what the service really does.

A test runs schemathesis against it, so every documented parameter, status and field is
exercised and checked against the running app.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from index import (DATE_FACETS, FACETS, KINDS, MAX_PER_PAGE, MAX_RELATED, OPERATORS,
                   RELATED_PER_PAGE, SORTS)

from . import analytics, presenter, push
from .params import (DATE_PATTERN, GROUP_PATTERN, LANG_PATTERN, MAX_ID_LENGTH, MAX_LANG_CHARS,
                     MAX_HALF_LIFE, MAX_SUGGEST_CHARS, MAX_VALUE_CHARS, MAX_VALUES,
                     SUGGEST_LIMIT)

bp = Blueprint("openapi", __name__)

_ERROR = {"$ref": "#/components/responses/Error"}
_FACET = {"type": "array", "items": {
    "type": "object", "required": ["value", "count"],
    "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 0}}}}
_NULLABLE_STR = {"type": ["string", "null"]}


def _param(name: str, schema: dict, description: str, repeat: bool = False) -> dict:
    if repeat:
        schema = {"type": "array", "items": schema, "maxItems": MAX_VALUES}
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, "style": "form", "explode": True}


DATE = {"type": "string", "pattern": DATE_PATTERN}
RESULT = {
    "type": "object",
    "required": ["id", "kind", "title", "url", "author", "date", "lang", "score", "snippet"],
    "properties": {
        "id": {"type": "string"}, "kind": {"enum": list(KINDS)},
        "title": {"type": "string"}, "url": _NULLABLE_STR, "author": {"type": "string"},
        "date": _NULLABLE_STR, "lang": {"type": "string"},
        "score": {"type": ["number", "null"]},
        "snippet": {"type": "string", "description": "HTML-escaped text; matches in <mark>"},
        "speaker": {"type": "string"}, "speaker_role": {"type": "string"},
        "speaker_mention": {"type": "string",
                            "description": "the attribution as written: he, the premier, Trump"},
        "article_id": _NULLABLE_STR, "article_title": {"type": "string"},
        "article_count": {"type": ["integer", "null"]},
        "group": {"type": ["string", "null"], "pattern": GROUP_PATTERN,
                  "description": "articles: the near-duplicate group, when the index holds "
                                 "other copies of it (list them with group=)"},
        "copies": {"type": "integer", "minimum": 0,
                   "description": "articles: matching copies folded under this result"},
    },
}
DOCUMENT = {"type": "object", "required": ["id", "kind", "title", "text", "text_length"],
            "properties": {**RESULT["properties"], "text": {"type": "string"},
                           "text_length": {"type": "integer", "minimum": 0,
                                           "description": "characters of the whole text"},
                           "text_truncated": {"type": "boolean", "description":
                                              "the text is cut; full=1 gives all of it"}}}
DOCUMENT["properties"].pop("snippet")
DOCUMENT["properties"].pop("score")
for _name in ("group", "copies"):
    DOCUMENT["properties"].pop(_name)


ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "object", "required": ["code", "message"],
                             "properties": {"code": {"type": "string"},
                                            "message": {"type": "string"}}}},
}


def spec() -> dict:
    """Return the OpenAPI document."""
    config = current_app.config
    search_params = [
        _param("q", {"type": "string", "maxLength": config["MAX_QUERY_LENGTH"]},
               "query: words, \"phrases\", AND/OR/NOT, +word, -word, prefix*, field:value; "
               "whatever cannot be read as syntax is read as words (never a 400)"),
        _param("kind", {"enum": list(KINDS)}, "document kinds", repeat=True),
        _param("author", {"type": "string", "maxLength": MAX_VALUE_CHARS}, "authors (any of)",
               repeat=True),
        _param("speaker", {"type": "string", "maxLength": MAX_VALUE_CHARS},
               "quote speakers (any of), as the speaker facet names them", repeat=True),
        _param("lang", {"type": "string", "pattern": LANG_PATTERN, "maxLength": MAX_LANG_CHARS},
               "languages", repeat=True),
        _param("from", DATE, "earliest date, inclusive"),
        _param("to", DATE, "latest date, inclusive"),
        _param("sort", {"enum": list(SORTS)}, "order of results"),
        _param("page", {"type": "integer", "minimum": 1,
                         "maximum": config["MAX_RESULT_WINDOW"]},
               "page number (page * per_page is at most MAX_RESULT_WINDOW)"),
        _param("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
               "results a page"),
        _param("date_facet", {"enum": list(DATE_FACETS)}, "date facet granularity"),
        _param("op", {"enum": list(OPERATORS)}, "how plain words combine: auto (default: "
               "enough of them must match, fewer when few documents hold them all), and (all), "
               "or (any)"),
        _param("typos", {"enum": ["0", "1"]}, "1: words of 5+ letters also match one typo "
               "away (9+: two) and the last word its completions; 0: exact words only"),
        _param("recency", {"type": "number", "minimum": 0, "maximum": MAX_HALF_LIFE},
               "half-life in days of a date decay blended into relevance; 0: off"),
        _param("collapse", {"enum": ["0", "1"]}, "1 (default): one result per near-duplicate "
               "group, with the number of copies folded under it; 0: every copy listed"),
        _param("group", {"type": "string", "pattern": GROUP_PATTERN}, "only the documents of "
               "this near-duplicate group (a result's group), every copy listed"),
    ]
    search_response = {
        "type": "object",
        "required": ["total", "folded", "page", "per_page", "took_ms", "results", "facets",
                     "suggestion", "not_required", "ignored", "typos"],
        "properties": {
            "total": {"type": "integer", "minimum": 0,
                      "description": "results, after near-duplicate folding"},
            "folded": {"type": "integer", "minimum": 0,
                       "description": "matching documents folded under another result"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"}, "took_ms": {"type": "number"},
            "results": {"type": "array", "items": RESULT},
            "facets": {"type": "object", "required": list(FACETS),
                       "description": "counts of matching documents, copies included "
                                      "(folding changes the list, not the counts)",
                       "properties": {k: _FACET for k in FACETS}},
            "suggestion": _NULLABLE_STR,
            "not_required": {"type": "array", "items": {"type": "string"},
                             "description": "words the best result lacks: matching was relaxed"},
            "ignored": {"type": "array", "items": {"type": "string"},
                        "description": "words not searched: stop words, words past the cap"},
            "typos": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"type": "string"}},
                "description": "word typed → the index terms it also matched as typos"},
        },
    }
    ok = lambda schema, text="OK": {"description": text, "content": {"application/json": {"schema": schema}}}  # noqa: E731
    paths: dict = {
        "/search": {"get": {"summary": "Ranked search with snippets and facets",
                            "parameters": search_params,
                            "responses": {"200": ok(search_response), "400": _ERROR, "413": _ERROR,
                                          "503": _ERROR}}},
        "/documents/{id}": {"get": {
            "summary": "One document",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string", "minLength": 1,
                                       "maxLength": MAX_ID_LENGTH}},
                           _param("full", {"enum": ["0", "1"]},
                                  "1: the whole text (default: the first "
                                  f"{presenter.DOCUMENT_TEXT_CHARS:,} characters)")],
            "responses": {"200": ok(DOCUMENT), "400": _ERROR, "404": _ERROR, "503": _ERROR}}},
        "/documents/{id}/related": {"get": {
            "summary": "Documents like this one (its most distinctive terms); never itself, "
                       "its quotes or its near-duplicates; its language first",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "string", "minLength": 1,
                                       "maxLength": MAX_ID_LENGTH}},
                           _param("per_page", {"type": "integer", "minimum": 1,
                                               "maximum": MAX_RELATED,
                                               "default": RELATED_PER_PAGE}, "how many"),
                           _param("kind", {"enum": list(KINDS)},
                                  "document kinds (default: article)", repeat=True),
                           _param("lang", {"type": "string", "pattern": LANG_PATTERN,
                                           "maxLength": MAX_LANG_CHARS}, "languages",
                                  repeat=True)],
            "responses": {"200": ok({"type": "object", "required": ["id", "took_ms", "terms",
                                                                    "results"],
                                     "properties": {"id": {"type": "string"},
                                                    "took_ms": {"type": "number"},
                                                    "terms": {"type": "array",
                                                              "items": {"type": "string"}},
                                                    "results": {"type": "array",
                                                                "items": RESULT}}}),
                          "400": _ERROR, "404": _ERROR, "503": _ERROR}}},
        "/suggest": {"get": {
            "summary": "Completions for search-as-you-type",
            "parameters": [
                _param("q", {"type": "string", "maxLength": MAX_SUGGEST_CHARS}, "typed text"),
                _param("limit", {"type": "integer", "minimum": SUGGEST_LIMIT[0],
                                 "maximum": SUGGEST_LIMIT[1], "default": SUGGEST_LIMIT[2]},
                       "how many")],
            "responses": {"200": ok({"type": "object", "required": ["q", "suggestions"],
                                     "properties": {"q": {"type": "string"}, "suggestions": {
                                         "type": "array", "items": {"type": "string"}}}}),
                          "400": _ERROR, "413": _ERROR, "503": _ERROR}}},
        "/health": {"get": {
            "summary": "Index version, counts, build time",
            "responses": {"200": ok({"type": "object", "required": ["status", "snapshot", "counts"],
                                     "properties": {"status": {"const": "ok"},
                                                    "snapshot": {"type": "string"},
                                                    "built_at": _NULLABLE_STR,
                                                    "counts": {"type": "object"},
                                                    "langs": {"type": "array"},
                                                    "size_bytes": {"type": "integer"}}}),
                          "503": _ERROR}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {
            "description": "text exposition", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {"summary": "This document", "responses": {"200": ok({"type": "object"})}}},
        "/widget.js": {"get": {"summary": "The embeddable search widget", "responses": {"200": {
            "description": "JavaScript", "content": {"text/javascript": {"schema": {"type": "string"}}}}}}},
        "/demo": {"get": {"summary": "Demo page with the widget", "responses": {"200": {
            "description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
    }
    analytics.openapi(paths, search_response)
    if current_app.config["ADMIN_TOKEN"]:
        admin_errors = {"401": _ERROR, "403": _ERROR}
        paths["/admin/reindex"] = {"post": {
            "summary": "Start a reindex of the configured corpus paths",
            "security": [{"bearer": []}],
            "requestBody": {"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "mode": {"enum": ["full", "incremental", "rollback"]},
                    "corpus": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {"202": ok({"type": "object"}, "started"), "400": _ERROR,
                          "409": _ERROR, **admin_errors}}}
        paths["/admin/status"] = {"get": {
            "summary": "State of the last reindex", "security": [{"bearer": []}],
            "responses": {"200": ok({"type": "object", "required": ["state", "running"]}),
                          **admin_errors}}}
        paths.update(push.openapi_paths(_ERROR))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Newsroom search", "version": "1.0.0",
                 "description": "Full-text search over articles, author bios and quotes."},
        "paths": paths,
        "components": {
            "responses": {"Error": {"description": "error", "content": {
                "application/json": {"schema": ERROR_SCHEMA}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI description."""
    return jsonify(spec())

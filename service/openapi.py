"""``GET /openapi.json``: the OpenAPI 3 description of what the service really does.

A test runs schemathesis against it, so every documented parameter, status and field is
exercised and checked against the running app.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from corpus.text import SITE_PATTERN
from index import (DATE_FACETS, FACETS, KINDS, MAX_PER_PAGE, MAX_RELATED, OPERATORS,
                   RELATED_PER_PAGE, SORTS)

from . import analytics_views, keys_views, popular_views, presenter, push, rules_views
from .keys import MAX_KEY_CHARS
from .nothing_found import MAX_TRIES
from .params import (DATE_PATTERN, GROUP_PATTERN, LANG_PATTERN, MAX_HALF_LIFE, MAX_ID_LENGTH,
                     MAX_LANG_CHARS, MAX_SITE_CHARS, MAX_SUGGEST_CHARS, MAX_VALUE_CHARS,
                     MAX_VALUES, SUGGEST_LIMIT, VIA)

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
        "site": {"type": "string", "description": "the site it was published on; \"\" when "
                                                  "the corpus does not say"},
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
        "pinned": {"const": True, "description": "present on a result an editor's rule pinned "
                                                 "to the top of this query (GET /admin/rules)"},
        "quotes": {"type": "array", "description": "articles: their own quotes that matched "
                   "too, best first (at most 3), folded under the article instead of listed "
                   "as results of their own (collapse=0 lists them; kind=quote lists quotes "
                   "one by one)", "items": {
                       "type": "object", "required": ["id", "speaker", "snippet"],
                       "properties": {"id": {"type": "string"}, "speaker": {"type": "string"},
                                      "speaker_role": {"type": "string"},
                                      "snippet": {"type": "string"}}}},
    },
}
DOCUMENT = {"type": "object", "required": ["id", "kind", "title", "text", "text_length"],
            "properties": {**RESULT["properties"], "text": {"type": "string"},
                           "text_length": {"type": "integer", "minimum": 0,
                                           "description": "characters of the whole text"},
                           "text_truncated": {"type": "boolean", "description":
                                              "the text is cut; full=1 gives all of it"},
                           "authors": {"type": "array", "items": {"type": "string"},
                                       "description": "every author, in byline order"},
                           "dek": {"type": "string"},
                           "headings": {"type": "array", "items": {"type": "string"}},
                           "tags": {"type": "array", "items": {"type": "string"}}}}
DOCUMENT["properties"].pop("snippet")
DOCUMENT["properties"].pop("score")
for _name in ("group", "copies", "quotes", "pinned"):
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
        _param("site", {"type": "string", "pattern": SITE_PATTERN, "maxLength": MAX_SITE_CHARS},
               "sites (any of); a widget key's sites always apply", repeat=True),
        _param("key", {"type": "string", "maxLength": MAX_KEY_CHARS}, "a widget key "
               "(POST /admin/keys): its site, kind and lang filters apply whatever else the "
               "request asks; 401 when revoked, expired or not one the service made"),
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
               "group, with the number of copies folded under it, and an article's matching "
               "quotes under it; 0: every copy and quote listed"),
        _param("via", {"enum": list(VIA)}, "widget: sent by the search widget (analytics "
               "count other searches apart)"),
        _param("group", {"type": "string", "pattern": GROUP_PATTERN}, "only the documents of "
               "this near-duplicate group (a result's group), every copy listed"),
    ]
    search_response = {
        "type": "object",
        "required": ["total", "folded", "page", "per_page", "took_ms", "results", "facets",
                     "suggestion", "not_required", "ignored", "typos", "compounds"],
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
            "try_without": {"type": "array", "description": "when nothing was found: each "
                            "filter or word that, dropped alone, finds something, with the "
                            f"number of results it would give (the first {MAX_TRIES} tried, in order: "
                            "date, kind, lang, each author, each speaker, each word)", "items": {
                                "type": "object", "required": ["param", "value", "total"],
                                "properties": {"param": {"type": "string", "description":
                                    "a filter (kind, author, speaker, lang, date) or word"},
                                    "value": {"type": "string"},
                                    "total": {"type": "integer", "minimum": 1}}}},
            "popular": {"type": "array", "items": {"type": "string"},
                        "description": "when nothing was found and analytics is on: up to "
                                       f"{popular_views.NOTHING_FOUND} popular searches, as "
                                       "GET /popular lists them"},
            "typos": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"type": "string"}},
                "description": "word typed → the index terms it also matched as typos"},
            "compounds": {"type": "object", "additionalProperties": {
                "type": "array", "items": {"type": "string"}},
                "description": "a compound typed → the parts it also matched written apart "
                               "(Burkaverbot → burka, verbot): no typo, no correction to show"},
        },
    }
    ok = lambda schema, text="OK": {"description": text, "content": {"application/json": {"schema": schema}}}  # noqa: E731
    paths: dict = {
        "/search": {"get": {"summary": "Ranked search with snippets and facets",
                            "parameters": search_params,
                            "responses": {"200": ok(search_response), "400": _ERROR, "401": _ERROR,
                                          "413": _ERROR, "503": _ERROR}}},
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
                                         "type": "array", "items": {"type": "string"}},
                                         "source": {"enum": ["completions", "popular"],
                                                    "description": "popular: popular "
                                                    "searches, when under 3 characters are "
                                                    "typed"}}}),
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
    analytics_views.openapi(paths, search_response)
    paths.update(popular_views.openapi_paths(_ERROR, bool(current_app.config["ADMIN_TOKEN"])))
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
        paths.update(rules_views.openapi_paths(_ERROR))
        paths.update(keys_views.openapi_paths(_ERROR))
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

"""One JSON error shape for every error: ``{"error": {"code": ..., "message": ...}}``.

``ApiError`` subclasses carry their status and code; the index layer's errors are mapped to
them by type (``ENGINE_ERRORS``), never by message; every ``HTTPException`` (404, 405…) is
turned into the same shape; anything else is a 500 that says only "internal error" and
logs the details.
"""
from __future__ import annotations

import re

from flask import Flask, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException

import index


class ApiError(Exception):
    """An error the client caused or the service reports."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class BadParameter(ApiError):
    status, code = 400, "bad_parameter"


class TooLong(ApiError):
    status, code = 413, "query_too_long"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class Conflict(ApiError):
    status, code = 409, "conflict"


class BadQuery(ApiError):
    status, code = 400, "bad_query"


class Unavailable(ApiError):
    status, code = 503, "index_unavailable"


class TimedOut(ApiError):
    status, code = 503, "query_timeout"


# The index layer's errors, by type (the most specific first), as the client sees them.
ENGINE_ERRORS: tuple[tuple[type[index.SearchError], type[ApiError], str], ...] = (
    (index.QueryTooLong, TooLong, "q: {}"),
    (index.QueryError, BadQuery, "q: {}"),
    (index.QueryTimeout, TimedOut, "{}"),
    # No "{}": the reason names paths and exception text; only the log gets it.
    (index.IndexUnavailable, Unavailable, "the search index is unavailable: none is built yet or "
     "it cannot be opened (build one with the reindex command; the service log has the reason)"),
)


def error_body(status: int, code: str, message: str) -> Response:
    """Return the JSON error response."""
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def register(app: Flask) -> None:
    """Install the error handlers on ``app``."""

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        response = error_body(exc.status, exc.code, exc.message)
        response.headers.update(getattr(exc, "headers", None) or {})  # Retry-After...
        return response

    @app.errorhandler(index.SearchError)
    def engine_error(exc: index.SearchError):
        if isinstance(exc, index.IndexUnavailable):  # str(exc): the exception's frames hold files
            current_app.logger.error("search index unavailable: %s", str(exc))
        for engine_type, api_type, message in ENGINE_ERRORS:
            if isinstance(exc, engine_type):
                return api_error(api_type(message.format(exc)))
        return internal_error(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = error_body(exc.code or 500, _snake(exc.name), exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        current_app.logger.exception("unhandled error: %s", exc)
        return error_body(500, "internal_error", "internal error")

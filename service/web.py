"""Per-request HTTP concerns: CORS for the configured origins, security headers, metrics."""
from __future__ import annotations

import time

from flask import Flask, Response, current_app, g, request

from . import metrics
from .errors import error_body

API_CSP = "default-src 'none'; frame-ancestors 'none'"
CORS_METHODS = "GET, POST, OPTIONS"
CORS_HEADERS = "Content-Type, Authorization"


def origin_allowed(origin: str) -> bool:
    """Return True if a browser page from ``origin`` may call the API."""
    allowed = current_app.config["CORS_ORIGINS"]
    return "*" in allowed or origin.rstrip("/") in allowed


def _same_origin(origin: str) -> bool:
    return origin.rstrip("/") == request.host_url.rstrip("/")


def register(app: Flask) -> None:
    """Install the hooks on ``app`` (before any route is added)."""
    # Werkzeug answers "/documents//x" with a redirect to an absolute URL built from the
    # request's Host header; no redirect at all here (a repeated slash is just not found).
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.url_map.redirect_defaults = False

    @app.before_request
    def start_timer():
        g.started = time.perf_counter()
        origin = request.headers.get("Origin")
        if origin and not _same_origin(origin) and not origin_allowed(origin):
            # Browsers would refuse the answer anyway; refusing here spends no search on it.
            return error_body(403, "origin_not_allowed",
                              f"origin {origin[:100]!r} is not allowed (SEARCH_CORS_ORIGINS)")
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if origin and not _same_origin(origin) and origin_allowed(origin):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
        response.vary.add("Origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", API_CSP)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
        endpoint = request.url_rule.rule if request.url_rule else None  # a registered rule only
        started = g.get("started")
        if started is not None:
            metrics.observe(endpoint, request.method, response.status_code,
                            time.perf_counter() - started)
        return response

"""The embeddable widget: ``/widget.js`` and the ``/demo`` page (issue: widget).

The widget is one static file, ``static/widget.js`` (its CSS is inside it), served with an
ETag and a short public cache lifetime: publishers embed a fixed URL, so a new release must
reach their pages within the hour. The demo page shows the two lines a publisher pastes and
runs exactly those lines below them, under its own Content-Security-Policy (the API's
``default-src 'none'`` would block the widget).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, url_for
from markupsafe import Markup

bp = Blueprint("widget", __name__, template_folder="templates")

SCRIPT = Path(__file__).resolve().parent / "static" / "widget.js"
SCRIPT_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
EMBED = Markup('<script src="{url}" defer></script>\n'
               '<div data-nsw-search data-nsw-per-page="5"></div>')
DEMO_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; "
            "style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


@bp.get("/widget.js")
def script() -> Response:
    """The widget, with its styles."""
    body = SCRIPT.read_bytes()
    response = Response(body, mimetype="text/javascript")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = SCRIPT_CACHE
    return response.make_conditional(request)


def _host_allowed() -> bool:
    try:
        host = urlsplit("//" + request.host).hostname
    except ValueError:
        return False
    return host is not None and host in current_app.config["ALLOWED_HOSTS"]


def _script_url() -> str:
    """The widget's URL for the embed snippet: absolute only for an allowed host name, with
    a port only when it is the one this connection really came to (``Host`` is the
    client's to invent, its port too; SERVER_PORT comes from it as well)."""
    path = url_for("widget.script")
    if not _host_allowed():
        return path
    parts = urlsplit("//" + request.host)
    try:
        port = parts.port
    except ValueError:
        return path
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    # the socket the request came in on: gunicorn's, or the development server's
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    try:
        ours = sock.getsockname()[1] if sock is not None else None
    except (OSError, IndexError, TypeError):
        ours = None
    if port is not None and port == ours:
        netloc += f":{port}"
    return f"{request.scheme}://{netloc}{path}"


@bp.get("/demo")
def demo() -> Response:
    """A page showing the embed snippet, with the widget working below it."""
    # The Host header is the client's to invent: an absolute URL only for an allowed host,
    # a path otherwise (the widget takes its API base from its own script URL).
    embed = EMBED.format(url=_script_url())
    response = Response(render_template("widget_demo.html", embed=embed, shown=str(embed)))
    response.headers["Content-Security-Policy"] = DEMO_CSP
    response.headers["Cache-Control"] = "no-cache"
    return response

"""The embeddable widget: ``/widget.js`` and the ``/demo`` page (issue: widget).

The widget is one static file, ``static/widget.js`` (its CSS is inside it), served with an
ETag and a short public cache lifetime: publishers embed a fixed URL, so a new release must
reach their pages within the hour. Its options come from here, written into the script as it
is served (``config``): the kinds, sorts and page sizes of ``index.request`` (the one place
they are defined), the date presets, and the languages the index holds, so the widget needs
no second request to start. The demo page shows the two lines a publisher pastes and
runs exactly those lines below them, under its own Content-Security-Policy (the API's
``default-src 'none'`` would block the widget).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, url_for
from markupsafe import Markup

from index import KINDS, MAX_PER_PAGE, PER_PAGE, SORTS, IndexUnavailable, SearchRequest

bp = Blueprint("widget", __name__, template_folder="templates")

SCRIPT = Path(__file__).resolve().parent / "static" / "widget.js"
SCRIPT_CACHE = "public, max-age=3600, stale-while-revalidate=86400"
EMBED = Markup('<script src="{url}" defer></script>\n'
               '<div data-nsw-search data-nsw-per-page="5"></div>')
CONFIG_SLOT = b"/*nsw-config*/null"
DATE_PRESETS = {"week": 7, "month": 30, "year": 365}  # "past week" etc., in days
DEMO_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; "
            "style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'")


@bp.get("/widget.js")
def script() -> Response:
    """The widget, with its styles."""
    body = SCRIPT.read_bytes().replace(CONFIG_SLOT, json.dumps(
        config(), ensure_ascii=True, separators=(",", ":")).encode(), 1)
    response = Response(body, mimetype="text/javascript")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = SCRIPT_CACHE
    return response.make_conditional(request)


def config() -> dict[str, Any]:
    """Return the widget's options: kinds, sorts, page sizes, date presets, languages."""
    try:  # the languages of the index, most documents first (none: no choice is offered)
        found = current_app.extensions["search_index"].search(
            SearchRequest(per_page=1, snippets=False))
        langs = [v.value for v in (found.facets or {}).get("lang", []) if v.value]
    except IndexUnavailable:
        langs = []
    return {"kinds": list(KINDS), "sorts": list(SORTS), "per_page": PER_PAGE,
            "max_per_page": MAX_PER_PAGE, "dates": DATE_PRESETS, "langs": langs}


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

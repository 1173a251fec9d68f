"""The search service: ``create_app`` builds the Flask app (nothing is built at import).

Settings come from the defaults, then ``SEARCH_*`` environment variables, then ``config``;
they are checked before anything else happens. Nothing opens the index here: under gunicorn
each worker opens it after the fork, before it accepts connections (``gunicorn_conf``), so no
open file or searcher is shared across processes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from index import SearchIndex
from index.cluster import ray_shards

from . import (admin, analytics_views, api, errors, keys_views, openapi, popular_views,
               rules_views, settings, web, widget)
from .editor_state import FILE_NAME, EditorState
from .reindex import reindex_command
from .settings import SettingsError

__all__ = ["SettingsError", "create_app"]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the app; raise SettingsError (with the variable's name) on a bad setting."""
    app = Flask(__name__, static_folder=None)
    app.config.update(settings.defaults())
    app.config.from_prefixed_env("SEARCH")
    if config:
        app.config.update(config)
    settings.check(app.config)
    app.config["DEBUG"] = False
    if app.config["PROXY_HOPS"]:  # the client address of per-client limits, from the proxies
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=0,
                                x_host=0, x_port=0, x_prefix=0)
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # request bodies (admin JSON) are tiny
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    # Cluster mode: a sharded snapshot's shards are Ray actor replicas (joined lazily, in the
    # worker, when the first sharded snapshot opens); otherwise opened in each worker.
    backend = {"shards_backend": ray_shards.shards_backend(
        app.config["INDEX_DIR"], app.config["CLUSTER"], app.config["SHARD_REPLICAS"],
        app.config["SHARDS_PER_REPLICA"], app.config["SHARDS_IN_WORKER"],
        app.config["SHARD_LINES"])} \
        if app.config["CLUSTER"] else {}
    app.extensions["search_index"] = SearchIndex(
        app.config["INDEX_DIR"], boosts=app.config["BOOSTS"],
        time_budget=app.config["QUERY_TIME_BUDGET"], bm25_b=app.config["BM25_B"],
        bm25_k1=app.config["BM25_K1"], cache_size=app.config["CACHE_SIZE"],
        postings_cache=app.config["POSTINGS_CACHE"], synonyms=app.config["SYNONYMS"],
        background_reopen=app.config["REOPEN_IN_BACKGROUND"], **backend)
    app.extensions["editor"] = EditorState(
        app.config["RULES_FILE"] or str(Path(app.config["INDEX_DIR"]) / FILE_NAME))
    errors.register(app)
    web.register(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(widget.bp)
    if app.config["ADMIN_TOKEN"]:
        app.register_blueprint(admin.bp)
        app.register_blueprint(rules_views.bp)
        app.register_blueprint(keys_views.bp)
    analytics_views.register(app)
    popular_views.register(app)
    app.cli.add_command(reindex_command)
    return app

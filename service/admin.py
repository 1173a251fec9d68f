"""Admin over HTTP: trigger a reindex and read its status. Off (404) without a token.

The token is compared in constant time. The reindex runs as the ``reindex`` CLI command in a
subprocess, over the configured corpus paths only: a request may pick among them by exact
value but never names a path of its own. One reindex at a time: the index writer lock says
whether one is running, whichever worker started it.
"""
from __future__ import annotations

import fcntl
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request

from index import SnapshotStore, reindex_running

from . import push
from .errors import BadParameter, Conflict, Forbidden, Unauthorized
from .settings import PROJECT

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.register_blueprint(push.bp)  # /admin/documents, behind the same token
STATUS_FILE = "reindex-status.json"
MODES = ("full", "incremental", "rollback")
BODY_FIELDS = frozenset({"mode", "corpus"})


@bp.before_request
def authenticate():
    """Require the admin token: a bearer token, or the password of HTTP Basic (a browser)."""
    token = current_app.config["ADMIN_TOKEN"]
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer":  # the scheme is case-insensitive (RFC 9110 section 11.1)
        given = credentials.strip().encode()
    elif request.authorization is not None and request.authorization.type == "basic":
        given = (request.authorization.password or "").encode()
    else:
        raise Unauthorized("send the admin token as 'Authorization: Bearer TOKEN'")
    if not hmac.compare_digest(given, token.encode()):
        raise Forbidden("wrong admin token")


def _status(index_dir: str) -> dict:
    try:
        status = json.loads((Path(index_dir) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        status = {"state": "never"}
    status["running"] = reindex_running(index_dir)
    if status.get("state") == "running" and not status["running"]:
        if _reindex_alive(status.get("pid")):  # started, not yet holding the lock
            status["running"] = True
        else:  # killed (SIGKILL, out of memory) before it could write how it ended
            status.update(state="failed", error=f"the reindex process (pid {status.get('pid')}) "
                          "stopped before it finished (killed?); the live index is unchanged")
    store = SnapshotStore(index_dir)
    status["current"], status["previous"] = store.current(), store.previous()
    status["pushes"] = push.push_status(index_dir)
    return status


def _reindex_alive(pid) -> bool:
    """Return True if ``pid`` is a live (not zombie) reindex process of this machine."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        return state not in ("Z", "X") and b"reindex" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not Path("/proc/self").exists()  # /proc exists but not this pid: gone


@bp.get("/status")
def status():
    """The last reindex: state, mode, counts, errors; and whether one is running."""
    return jsonify(_status(current_app.config["INDEX_DIR"]))


@bp.post("/reindex")
def trigger():
    """Start a reindex of the configured corpus paths: 202, or 409 if one is running."""
    config = current_app.config
    body = _body()
    mode = body.get("mode", "full")
    if mode not in MODES:
        raise BadParameter(f"mode must be one of {', '.join(MODES)}")
    chosen = body.get("corpus", [])
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise BadParameter("corpus must be a list of configured corpus paths")
    unknown = [c for c in chosen if c not in config["CORPUS_PATHS"]]
    if unknown:
        raise BadParameter("corpus may only name configured paths (SEARCH_CORPUS_PATHS)")
    paths = [] if mode == "rollback" else (chosen or list(config["CORPUS_PATHS"]))
    index_dir = config["INDEX_DIR"]
    Path(index_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(index_dir) / "admin-spawn.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # one worker at a time decides and spawns
        if reindex_running(index_dir):
            raise Conflict("a reindex is already running; see /admin/status")
        proc = _spawn(paths, mode, str(Path(index_dir) / STATUS_FILE))
        deadline = time.monotonic() + 10
        while proc.poll() is None and not reindex_running(index_dir) and time.monotonic() < deadline:
            time.sleep(0.02)
    return jsonify({"status": "started", "mode": mode, "pid": proc.pid}), 202


def _body() -> dict:
    """Return the request's JSON object ({} for no body); 400 on anything else.

    Parsed strictly whatever the Content-Type: a body that is not JSON, not an object, too
    deeply nested for the parser, or with a field this endpoint does not know must never be
    read as "no options" and start a full reindex.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadParameter("the body must be a JSON object like {\"mode\": \"full\"}") from None
    if not isinstance(body, dict):
        raise BadParameter("the body must be a JSON object")
    unknown = sorted(set(body) - BODY_FIELDS)
    if unknown:
        raise BadParameter(f"unknown field {unknown[0][:40]!r}; fields are {', '.join(sorted(BODY_FIELDS))}")
    return body


def _spawn(paths: list[str], mode: str, status_file: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "flask", "--app", "wsgi", "reindex", *paths,
            "--status-file", status_file]
    if mode != "full":
        args.append(f"--{mode}")
    env = {**os.environ, **{s: str(v) for s, v in _env_settings().items()}}
    proc = subprocess.Popen(args, cwd=PROJECT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    threading.Thread(target=proc.wait, daemon=True).start()  # reap it when it ends
    return proc


def _env_settings() -> dict[str, str]:
    """The running app's settings as SEARCH_* variables, so the job sees the same config."""
    config = current_app.config
    return {"SEARCH_INDEX_DIR": config["INDEX_DIR"],
            "SEARCH_CORPUS_PATHS": ":".join(config["CORPUS_PATHS"]),
            "SEARCH_REINDEX_WORKERS": str(config["REINDEX_WORKERS"])}

"""The push applier as the workers see it: whether one runs for an index directory, what it
last said of itself (``pushes/applier.json``, read by ``/admin/status`` and ``/metrics``),
and starting one (``ensure_running``) or stopping those this process started.

The applier writes its state through ``State``: counters that go on where the last applier
stopped (batches applied, snapshots, failed applies, quarantined batches), the last apply,
the last error, the last compaction, and a heartbeat every ``HEARTBEAT_SECONDS``.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import index

PROJECT = Path(__file__).resolve().parent.parent
LOCK, STATE = "applier.lock", "applier.json"
HEARTBEAT_SECONDS = 2.0
COUNTERS = ("applied_batches", "snapshots", "failed_applies", "quarantined")
LASTS = ("last_applied", "last_compaction")
CHECK_SECONDS = 5.0       # how often a worker checks that an applier runs while pending


def lock_path(index_dir: str) -> Path:
    return index.PushQueue(index_dir).root / LOCK


def state_path(index_dir: str) -> Path:
    return index.PushQueue(index_dir).root / STATE


def running(index_dir: str) -> bool:
    """Return True while an applier holds the lock of ``index_dir``."""
    return index.lock_held(lock_path(index_dir))


def read_state(index_dir: str) -> dict[str, Any]:
    """Return what the applier last said about itself ({} if nothing yet)."""
    try:
        return json.loads(state_path(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# not "-m service.applier": the package imports this module first (a RuntimeWarning)
RUN = "import sys; from service.applier import main; sys.exit(main(sys.argv[1:]))"
_spawn_lock = threading.Lock()
_spawned: list[subprocess.Popen] = []


def ensure_running(index_dir: str, owner: int, interval: float = 0.0) -> bool:
    """Start an applier for ``index_dir`` unless one runs (or one this process started is
    still starting); return True if one was started. Never waits for it.

    ``owner``: the process whose end stops it (the gunicorn master)."""
    if running(index_dir):
        return False
    with _spawn_lock:
        if any(proc.poll() is None for proc in _spawned if proc.args[-5] == str(index_dir)):
            return False  # starting (or about to find another holds the lock, and end)
        _spawned[:] = [proc for proc in _spawned if proc.poll() is None]
        index.PushQueue(index_dir).root.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", RUN, str(index_dir), "--owner", str(owner),
             "--interval", str(interval)],
            cwd=PROJECT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)  # log: stderr
        threading.Thread(target=proc.wait, daemon=True).start()  # reap it when it ends
        _spawned.append(proc)
    return True


def stop_spawned(timeout: float = 10.0) -> None:
    """Stop the appliers this process started (tests; a process that is not gunicorn)."""
    with _spawn_lock:
        procs, _spawned[:] = list(_spawned), []
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:  # in a long apply: a kill is safe (crash-safe writes)
            proc.kill()
            proc.wait()


class State(dict):
    """What the applier says of itself, saved to ``pushes/applier.json``."""

    def __init__(self, index_dir: str, owner: int | None) -> None:
        super().__init__(pid=os.getpid(), owner=owner, started_at=time.time(),
                         applied_batches=0, snapshots=0, failed_applies=0, quarantined=0,
                         last_applied=None, last_error=None, last_compaction=None)
        self.index_dir = index_dir
        self._saved = 0.0
        for key, value in read_state(index_dir).items():  # counters go on where the last stopped
            if key in COUNTERS and isinstance(value, int) or key in LASTS and isinstance(value, dict):
                self[key] = value

    def save(self, force: bool = False) -> None:
        """Write the state file (at most every HEARTBEAT_SECONDS unless ``force``)."""
        now = time.time()
        if not force and now - self._saved < HEARTBEAT_SECONDS:
            return
        self._saved = self["heartbeat"] = now
        path = state_path(self.index_dir)
        tmp = path.with_name(f".{STATE}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            tmp.write_text(json.dumps(self), encoding="utf-8")
            os.replace(tmp, path)

    def failed(self, exc: BaseException | None = None) -> None:
        """Count a failed apply (or compaction), with its error."""
        self["failed_applies"] += 1
        if exc is not None:
            self["last_error"] = {"at": time.time(), "error": f"{type(exc).__name__}: {exc}"[:500]}
        self.save(force=True)

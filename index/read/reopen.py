"""Opening a pushed snapshot beside the searches (issue 26, ``SEARCH_REOPEN_IN_BACKGROUND``).

A snapshot that is an incremental change of the one being served (pushed documents,
``reindex --incremental``) is opened, and warmed (``prepare``: speller, vocabularies), by a
thread of its own while requests go on being answered from the one before, which stays
correct and complete for them; they switch to the new one once it is ready. During a push
flood the applier publishes a snapshot every few seconds, and each worker's next request
paid its open; now none does. The open itself reuses the snapshot before's unchanged
segments (``live.Recent``, issue 21): this only takes it off the request path.

A full rebuild is still opened by the first request after it, so that its results are never
stale, and a snapshot no longer on disk (two switches old) is never served.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from index.store.meta import read_meta

log = logging.getLogger(__name__)


class Reopen:
    """The snapshot being served, and the thread opening the next incremental one."""

    def __init__(self, prepare: Callable[[Any], None] | None = None) -> None:
        self.prepare = prepare  # what a snapshot opened in the background gets before it serves
        self.serving: Any = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._incremental: tuple[str, bool] = ("", False)

    def current(self, snapshot_id: str, path: Path, opener: Callable[[], Any], opened) -> Any:
        """Return the snapshot to answer with when ``CURRENT`` names ``snapshot_id``:
        it, opened now, or the one being served while it opens in the background."""
        serving = self.serving
        if serving is not None and serving.snapshot_id == snapshot_id:
            return serving
        if serving is not None and serving.path.is_dir() and self._is_incremental(snapshot_id, path):
            self._open_later(snapshot_id, opener, opened, serving)
            return serving
        self.serving = snap = opened.get(snapshot_id, opener)
        return snap

    def _is_incremental(self, snapshot_id: str, path: Path) -> bool:
        if self._incremental[0] != snapshot_id:
            try:
                incremental = bool(read_meta(path).get("incremental"))
            except (OSError, ValueError):  # pruned meanwhile, or half written: open it now
                incremental = False
            self._incremental = (snapshot_id, incremental)
        return self._incremental[1]

    def _open_later(self, snapshot_id: str, opener: Callable[[], Any], opened, serving) -> None:
        """Open (and prepare) ``snapshot_id`` in a thread of its own, unless one is at it."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return

            def run() -> None:
                try:
                    snap = opened.get(snapshot_id, opener)
                    if self.prepare is not None:
                        self.prepare(snap)
                except Exception:  # noqa: BLE001 - the next request tries again
                    log.exception("opening snapshot %s in the background failed", snapshot_id)
                    return
                if self.serving is serving:  # not switched meanwhile (to a rebuild)
                    self.serving = snap
            self._thread = threading.Thread(target=run, name=f"open-{snapshot_id}", daemon=True)
            self._thread.start()

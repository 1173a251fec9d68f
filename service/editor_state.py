"""What editors steer, kept in one small JSON file that every gunicorn worker follows.

The file (``SEARCH_RULES_FILE``, default ``editor.json`` in the index folder) holds:

    rules             pins and hides (``rules``)
    popular_blocked   queries never shown as popular searches (``popular``)
    revoked_keys      ids of widget keys that no longer open anything (``keys``)
    keys              what each widget key made was for (listed to editors; never read to
                      check a key: a key carries its own signed filters)

Writes (the admin API, any worker) read, change and replace the file under an exclusive
``flock`` of ``<file>.lock``: a temporary file, fsync, then one atomic rename, so a reader
sees the old file or the new one, never half of one. Readers stat the file at most every
``CHECK_SECONDS`` and re-read it only when its inode, size or modification time changed:
a search pays one clock read, and a rule made in one worker reaches every other within
``CHECK_SECONDS``. A file that cannot be read (edited by hand into bad JSON) is logged and
the last good state kept.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .rules import Rule, RuleSet

log = logging.getLogger(__name__)
CHECK_SECONDS = 0.5
FILE_NAME = "editor.json"
LISTS = ("rules", "popular_blocked", "revoked_keys", "keys")
T = TypeVar("T")


@dataclass(frozen=True)
class View:
    """The editors' state as one worker sees it now (replaced whole, never changed)."""

    rules: RuleSet = field(default_factory=RuleSet)
    blocked: frozenset[str] = frozenset()
    revoked: frozenset[str] = frozenset()
    keys: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, data: dict[str, Any]) -> View:
        return cls(RuleSet(Rule.from_json(r) for r in data.get("rules", ())),
                   frozenset(data.get("popular_blocked", ())),
                   frozenset(data.get("revoked_keys", ())), tuple(data.get("keys", ())))


class EditorState:
    """The file at ``path``: read when it changes, written atomically under a lock."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._due = 0.0
        self._view = View()
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def view(self) -> View:
        """Return the current state (a stat of the file at most every CHECK_SECONDS)."""
        now = time.monotonic()
        if now >= self._due:
            with self._lock:
                if now >= self._due:
                    self._refresh()
                    self._due = time.monotonic() + CHECK_SECONDS
        return self._view

    def _refresh(self) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self._signature, self._view = None, View()
            return
        signature = (st.st_ino, st.st_size, st.st_mtime_ns)
        if signature == self._signature:
            return
        try:
            data = self._read()
            self._view = View.of(data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.error("editor state %s cannot be read (%s); keeping the last good one",
                      self.path, exc)
        self._signature = signature

    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {name: [] for name in LISTS}
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return {name: list(data.get(name, [])) for name in LISTS}

    def update(self, change: Callable[[dict[str, Any]], T]) -> T:
        """Apply ``change`` to the stored lists (it edits them in place) and store them;
        return what ``change`` returned. Nothing is written if it raises."""
        with open(f"{self.path}.lock", "a") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            data = self._read()
            answer = change(data)
            self._write(data)
        with self._lock:
            self._due = 0.0  # this worker sees its own change at once
        return answer

    def _write(self, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=".editor-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

"""Progress reporting for long runs, shared by the corpus and reindex commands."""
from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from .pipeline import Summary


class Progress:
    """Print a progress line at most every ``interval`` seconds (in place on a terminal);
    and, once the documents are read, each phase of writing the index (``phase``), with
    the seconds it has taken so far every ``interval`` seconds, so a build is never silent."""

    def __init__(self, stream: TextIO = sys.stderr, interval: float = 2.0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.interval = interval if self.tty else max(interval, 5.0)
        self.last = time.monotonic()
        self.shown = False
        self._phase: tuple[str, float] | None = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._lock = threading.Lock()

    def phase(self, name: str) -> None:
        """Say that the build is now in phase ``name`` (the one before is done)."""
        with self._lock:
            self._end_phase()
            self._phase = (name, time.monotonic())
            self._write(f"writing the index: {name} …")
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, name="progress", daemon=True)
                self._ticker.start()

    def _end_phase(self) -> None:
        if self._phase is not None:
            name, started = self._phase
            self._write(f"writing the index: {name}: done in {time.monotonic() - started:.1f} s")
            self._phase = None

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                if self._phase is not None:
                    name, started = self._phase
                    self._write(f"writing the index: {name} … {time.monotonic() - started:.0f} s")

    def _write(self, line: str) -> None:
        if self.shown and self.tty:
            self.stream.write("\n")
        self.stream.write(f"{line}\n")
        self.stream.flush()
        self.shown = False

    def __call__(self, summary: Summary) -> None:
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        rate = summary.articles / summary.seconds if summary.seconds else 0.0
        line = (f"{summary.articles:,} articles, {summary.quotes:,} quotes from "
                f"{summary.files:,} files, {len(summary.problems):,} problems, {rate:,.0f}/s")
        self.stream.write(f"\r{line}\033[K" if self.tty else f"{line}\n")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        """End the progress line (and the last phase)."""
        self._stop.set()
        with self._lock:
            self._end_phase()
        if self.shown and self.tty:
            self.stream.write("\n")

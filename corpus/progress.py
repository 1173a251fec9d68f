"""Progress reporting for long runs, shared by the corpus and reindex commands."""
from __future__ import annotations

import sys
import time
from typing import TextIO

from .pipeline import Summary


class Progress:
    """Print a progress line at most every ``interval`` seconds (in place on a terminal)."""

    def __init__(self, stream: TextIO = sys.stderr, interval: float = 2.0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.interval = interval if self.tty else max(interval, 5.0)
        self.last = time.monotonic()
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
        """End the progress line."""
        if self.shown and self.tty:
            self.stream.write("\n")

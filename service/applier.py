"""The push applier: one process per index directory applies pushed batches, off the
workers' request path (``python -m service.applier INDEX_DIR --owner PID``).

Pushes are queued on disk by the web workers (``service/push.py``) and answered at once;
this process applies them. It is a process of its own, not a thread of a worker, so an
apply (Whoosh writing, quotation finding, language detection: seconds of CPU for a big
batch) never holds a worker's interpreter lock while that worker answers searches; it
also runs at a lower CPU priority (``NICE``) than the workers, so searches come first when
the cores are busy.

- **One at a time.** It holds ``pushes/applier.lock`` (flock) while it lives; a second one
  started for the same index directory sees the lock and exits. Workers start it when they
  start and, should it die, at the next push or within ``CHECK_SECONDS`` while batches are
  pending (``ensure_running``). It exits when its owner (the gunicorn master, or the
  process that started it outside gunicorn) is gone, or its index directory is.
- **Coalesced.** When batches are pending it waits until none has arrived for
  ``QUIET_SECONDS`` (at most ``MAX_WAIT_SECONDS``), then applies up to ``GROUP_BATCHES``
  batches (``GROUP_BYTES``) as one incremental snapshot, the last operation on an id
  winning; pushes that arrive meanwhile are the next snapshot. Snapshots are at least
  ``SEARCH_PUSH_INTERVAL`` seconds apart, so a flood of pushes is a few snapshots, not one
  a push (each new snapshot costs every worker a reopen).
- **Never stopped by one batch**, **compacts the journal**, **merges small segments**:
  ``applier_jobs``. Errors of the machine (disk full) leave the batches pending; they are
  tried again after ``RETRY_SECONDS``, and counted.
- **Says what it does** in ``pushes/applier.json`` (pid, owner, heartbeat, batches applied,
  failed applies, the last apply, the last error, the last compaction), read by
  ``/admin/status`` and ``/metrics`` (``applier_state``).
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import logging
import os
import signal
import sys
import time
from pathlib import Path

import index

from .applier_jobs import RETRY_SECONDS, Housekeeper, apply_pending
from .applier_state import State, lock_path

log = logging.getLogger("service.applier")
NICE = 10                 # below the web workers
POLL_SECONDS = 0.05       # how often the pending folder is looked at while idle
QUIET_SECONDS = 0.1       # apply once no batch has arrived for this long ...
MAX_WAIT_SECONDS = 1.0    # ... or this long after the first one was seen
GROUP_BATCHES = 2000      # batches in one snapshot at most
GROUP_BYTES = 64 * 1024 * 1024
BUSY_RETRY = 1.0          # seconds between tries while a rebuild holds the writer lock


class Applier:
    """The loop of the applier process."""

    def __init__(self, index_dir: str, owner: int | None = None, interval: float = 0.0) -> None:
        self.index_dir = index_dir
        self.owner = owner
        self.interval = interval
        self.queue = index.PushQueue(index_dir)
        self.stopping = False
        self.state = State(index_dir, owner)
        self.keeper = Housekeeper(index_dir, self.state, self._sleep)
        self._last_publish = 0.0

    # -- lifetime ------------------------------------------------------------------------
    def alive(self) -> bool:
        """False once the applier should end (signal, owner gone, index directory gone)."""
        if self.stopping or not Path(self.index_dir).is_dir():
            return False
        if self.owner:
            try:
                os.kill(self.owner, 0)
            except ProcessLookupError:
                return False
            except PermissionError:
                pass
        return True

    def run(self) -> int:
        """Hold the lock and apply until told to stop; 0 when another applier runs."""
        self.queue.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path(self.index_dir), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return 0
        log.info("push applier %d started for %s", os.getpid(), self.index_dir)
        try:
            self.state.save(force=True)
            self.warm()
            while self.alive():
                if not self.step():
                    time.sleep(POLL_SECONDS)
                self.state.save()
        finally:
            self.state["stopped_at"] = time.time()
            self.state.save(force=True)
            os.close(fd)
        return 0

    def warm(self) -> None:
        """Read what the first push reuses (the live snapshot's near-duplicate grouping and
        names), so that it is searchable as soon as the next ones."""
        try:
            index.warm_pushes(self.index_dir)
        except index.NoSnapshot:
            pass
        except Exception:  # noqa: BLE001 - the first push reads them instead
            log.exception("reading the live snapshot ahead of the first push failed")

    # -- one step ------------------------------------------------------------------------
    def step(self) -> bool:
        """Apply one group of pending batches if any is due; return True if work was done."""
        pending = self.queue.pending()
        if not pending:
            return self.keeper.idle()
        self.settle(pending)
        group = self.group(self.queue.pending())
        if not group:
            return False
        try:
            result = apply_pending(self.index_dir, lambda batches: [b for b in batches if b in group])
        except index.IndexBusy:  # a rebuild runs: it replays what is pending
            time.sleep(BUSY_RETRY)
            return True
        except Exception as exc:  # noqa: BLE001 - the batches stay pending: try again
            log.exception("applying %d pushed batches failed; trying again in %.0f s",
                          len(group), RETRY_SECONDS)
            self.state.failed(exc)
            self._sleep(RETRY_SECONDS)
            return True
        self._last_publish = time.monotonic()
        self.record(result)
        self.keeper.applied()
        return True

    def settle(self, pending: list[Path]) -> None:
        """Wait until no batch has arrived for QUIET_SECONDS (at most MAX_WAIT_SECONDS), and
        until SEARCH_PUSH_INTERVAL has passed since the last snapshot."""
        started = time.monotonic()
        seen = len(pending)
        while self.alive():
            now = time.monotonic()
            if now - started >= MAX_WAIT_SECONDS and now - self._last_publish >= self.interval:
                return
            time.sleep(QUIET_SECONDS)
            count = len(self.queue.pending())
            if count == seen and time.monotonic() - self._last_publish >= self.interval:
                return
            seen = count

    @staticmethod
    def group(pending: list[Path]) -> set[Path]:
        """Return the oldest batches, up to GROUP_BATCHES and GROUP_BYTES (at least one)."""
        chosen, size = set(), 0
        for path in pending[:GROUP_BATCHES]:
            with contextlib.suppress(OSError):
                size += path.stat().st_size
            if chosen and size > GROUP_BYTES:
                break
            chosen.add(path)
        return chosen

    def record(self, result) -> None:
        if result is None:
            return
        bad = len(getattr(result, "quarantined", []) or [])
        self.state["quarantined"] += bad
        if result.pushes:
            self.state["applied_batches"] += result.pushes
            self.state["snapshots"] += 1
            self.state["last_applied"] = {"snapshot": result.snapshot, "batches": result.pushes,
                                          "seconds": round(result.seconds, 3), "at": time.time()}
            log.info("applied %d pushed batches as snapshot %s in %.2f s", result.pushes,
                     result.snapshot, result.seconds)
        self.state.save(force=True)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.alive() and time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS * 4, seconds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.applier", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dir")
    parser.add_argument("--owner", type=int, default=0, help="stop when this process is gone")
    parser.add_argument("--interval", type=float, default=0.0,
                        help="seconds between two pushed snapshots at least")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"[applier {os.getpid()}] %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(OSError):
        os.nice(NICE)
    applier = Applier(os.path.abspath(args.index_dir), args.owner or None, args.interval)

    def stop(*_):
        applier.stopping = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return applier.run()


if __name__ == "__main__":
    sys.exit(main())

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
- **Never stopped by one batch.** A batch that cannot be read, or that makes the writer
  fail on its own, is quarantined with its reason (``index.write.pushes``) and the others apply.
  Errors of the machine (disk full) leave the batches pending; they are tried again after
  ``RETRY_SECONDS``, and counted.
- **Compacts the journal.** After an apply, or when idle, once what was applied since
  the last compaction is ``COMPACT_MIN_BYTES`` and half the size of what it compacted (or
  ``COMPACT_MAX_FILES`` files), it rewrites the applied journal as one batch holding the
  last operation on each id, under the writer lock: the same document pushed 100 times
  costs the disk once, and no rebuild is needed for that.
- **Merges small segments** when idle after an apply (``index.merge_segments``: a tiered
  merge policy, ``index/write/merging.py``), so a day of pushes leaves few segments.
- **Says what it does** in ``pushes/applier.json`` (pid, owner, heartbeat, batches applied,
  failed applies, the last apply, the last error, the last compaction), read by
  ``/admin/status`` and ``/metrics``.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import index

log = logging.getLogger("service.applier")
PROJECT = Path(__file__).resolve().parent.parent
LOCK, STATE = "applier.lock", "applier.json"
NICE = 10                 # below the web workers
POLL_SECONDS = 0.05       # how often the pending folder is looked at while idle
QUIET_SECONDS = 0.2       # apply once no batch has arrived for this long ...
MAX_WAIT_SECONDS = 1.0    # ... or this long after the first one was seen
GROUP_BATCHES = 2000      # batches in one snapshot at most
GROUP_BYTES = 64 * 1024 * 1024
BUSY_RETRY = 1.0          # seconds between tries while a rebuild holds the writer lock
RETRY_SECONDS = 5.0       # after a failed apply (disk full...)
HEARTBEAT_SECONDS = 2.0
COMPACT_MIN_BYTES, COMPACT_MAX_FILES = 1024 * 1024, 256
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


class Applier:
    """The loop of the applier process."""

    def __init__(self, index_dir: str, owner: int | None = None, interval: float = 0.0) -> None:
        self.index_dir = index_dir
        self.owner = owner
        self.interval = interval
        self.queue = index.PushQueue(index_dir)
        self.stopping = False
        self.state: dict[str, Any] = {
            "pid": os.getpid(), "owner": owner, "started_at": time.time(),
            "applied_batches": 0, "snapshots": 0, "failed_applies": 0,
            "quarantined": 0, "last_applied": None, "last_error": None, "last_compaction": None}
        previous = read_state(index_dir)  # counters go on where the last applier stopped
        for key, value in previous.items():
            if key in COUNTERS and isinstance(value, int) or key in LASTS and isinstance(value, dict):
                self.state[key] = value
        self._last_publish = 0.0
        self._saved = 0.0
        self._journal_grew = True  # look once at start whether a compaction is due
        self._merge_due = True  # look once at start whether a merge is due

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
            self.save(force=True)
            while self.alive():
                if not self.step():
                    time.sleep(POLL_SECONDS)
                self.save()
        finally:
            self.state["stopped_at"] = time.time()
            self.save(force=True)
            os.close(fd)
        return 0

    def save(self, force: bool = False) -> None:
        """Write the state file (at most every HEARTBEAT_SECONDS unless ``force``)."""
        now = time.time()
        if not force and now - self._saved < HEARTBEAT_SECONDS:
            return
        self._saved = self.state["heartbeat"] = now
        path = state_path(self.index_dir)
        tmp = path.with_name(f".{STATE}.{os.getpid()}.tmp")
        with contextlib.suppress(OSError):
            tmp.write_text(json.dumps(self.state), encoding="utf-8")
            os.replace(tmp, path)

    # -- one step ------------------------------------------------------------------------
    def step(self) -> bool:
        """Apply one group of pending batches if any is due; return True if work was done."""
        pending = self.queue.pending()
        if not pending:
            if self._merge_due:
                return self.merge()
            if not self._journal_grew:
                return False
            self._journal_grew = False
            return self.compact()
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
            self.state["failed_applies"] += 1
            self.state["last_error"] = {"at": time.time(), "error": f"{type(exc).__name__}: {exc}"[:500]}
            self.save(force=True)
            self._sleep(RETRY_SECONDS)
            return True
        self._last_publish = time.monotonic()
        self._merge_due = True
        self.record(result)
        self._journal_grew = not self.compact()
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
        self.save(force=True)

    def due(self) -> bool:
        """Return True when the applied journal should be compacted: what came after its
        oldest file (the last compaction) is COMPACT_MIN_BYTES and half that file's size,
        or COMPACT_MAX_FILES files. A compaction reads the whole journal, so it is not
        done for every few pushes of a big journal."""
        applied = self.queue.applied()
        if len(applied) < 2:
            return False
        if len(applied) >= COMPACT_MAX_FILES:
            return True
        sizes = []
        for path in applied:
            with contextlib.suppress(OSError):
                sizes.append(path.stat().st_size)
        base, since = (sizes[0], sum(sizes[1:])) if sizes else (0, 0)
        return since >= max(COMPACT_MIN_BYTES, base // 2)

    def compact(self) -> bool:
        """Compact the applied journal when it is due (the writer lock is tried, never
        waited for); return True if it did."""
        if not self.due():
            return False
        started = time.monotonic()
        try:
            with index.SnapshotStore(self.index_dir).writer_lock():
                replaced = self.queue.compact()
        except index.IndexBusy:
            return False
        except Exception:  # noqa: BLE001 - the journal stays as it was; try later
            log.exception("compacting the push journal failed")
            self.state["failed_applies"] += 1
            self._sleep(RETRY_SECONDS)
            return False
        stats = self.queue.stats()
        self.state["last_compaction"] = {"at": time.time(), "files": replaced,
                                         "bytes": stats["applied_bytes"],
                                         "seconds": round(time.monotonic() - started, 3)}
        log.info("compacted %d applied push batches into one (%d bytes)", replaced,
                 stats["applied_bytes"])
        self.save(force=True)
        return replaced > 0

    def merge(self) -> bool:
        """Merge small segments, once the pushes applied are searchable and none is
        pending (``index.merge_segments``: the merge policy); return True if it did."""
        try:
            merged = index.merge_segments(self.index_dir)
        except index.IndexBusy:
            return False
        except Exception:  # noqa: BLE001 - the index stays as it is, unmerged
            log.exception("merging segments failed")
            merged = None
        self._merge_due = merged is not None  # one merge may make room for the next
        if merged:
            self.state["merges"] = self.state.get("merges", 0) + 1
            log.info("merged small segments into snapshot %s", merged)
        return merged is not None

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.alive() and time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS * 4, seconds))


def apply_pending(index_dir: str, choose=None):
    """Apply the pending batches (``choose``: which) as one snapshot and return the result.

    A batch that cannot be read is quarantined by the index layer. When the apply itself
    fails (a document that makes the writer raise), the batches are tried in halves, and
    a batch that fails on its own twice is quarantined with the error, so one bad batch
    never stops the others. Errors of the machine (OSError: disk full, permissions) are
    raised as they are: those batches stay pending and are tried again."""
    try:
        return index.apply_pushes(index_dir, choose)
    except (index.IndexBusy, OSError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - narrowed down below
        log.warning("applying pushed batches failed (%s: %s); trying them in halves",
                    type(exc).__name__, exc)
        group = (choose or (lambda b: b))(index.PushQueue(index_dir).pending())
    return _bisect(index_dir, group)


def _only(chosen: set):
    return lambda pending: [p for p in pending if p in chosen]


def _bisect(index_dir: str, group: list):
    last = None
    if len(group) == 1:
        for attempt in (1, 2):
            try:
                return index.apply_pushes(index_dir, _only({group[0]}))
            except (index.IndexBusy, OSError, MemoryError):
                raise
            except Exception as exc:  # noqa: BLE001 - the batch is the cause: set aside
                if attempt == 2:
                    index.quarantine(index_dir, group[0],
                                     f"applying it failed: {type(exc).__name__}: {exc}")
        return None
    half = len(group) // 2
    for part in (group[:half], group[half:]):
        try:
            last = index.apply_pushes(index_dir, _only(set(part))) or last
        except (index.IndexBusy, OSError, MemoryError):
            raise
        except Exception:  # noqa: BLE001
            last = _bisect(index_dir, part) or last
    return last


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

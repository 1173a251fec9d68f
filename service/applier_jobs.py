"""What the push applier does besides coalescing: applying a group of batches so that one
bad batch never stops the others (``apply_pending``), compacting the applied journal, and
merging small segments (``Housekeeper``).

- **Never stopped by one batch.** A batch that cannot be read, or that makes the writer
  fail on its own, is quarantined with its reason (``index.write.pushes``) and the others
  apply. Errors of the machine (disk full) leave the batches pending.
- **Compacts the journal.** After an apply, or when idle, once what was applied since the
  last compaction is ``COMPACT_MIN_BYTES`` and half the size of what it compacted (or
  ``COMPACT_MAX_FILES`` files), it rewrites the applied journal as one batch holding the
  last operation on each id, under the writer lock: the same document pushed 100 times
  costs the disk once, and no rebuild is needed for that.
- **Merges small segments** when idle after an apply (``index.merge_segments``: a tiered
  merge policy, ``index/write/merging.py``), so a day of pushes leaves few segments.
"""
from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

import index

from .applier_state import State

log = logging.getLogger("service.applier")
COMPACT_MIN_BYTES, COMPACT_MAX_FILES = 1024 * 1024, 256
RETRY_SECONDS = 5.0       # after a failed apply or compaction (disk full...)


class Housekeeper:
    """Compaction of the applied journal and merges of small segments, for one applier."""

    def __init__(self, index_dir: str, state: State, sleep: Callable[[float], None]) -> None:
        self.index_dir, self.state, self.sleep = index_dir, state, sleep
        self.queue = index.PushQueue(index_dir)
        self.journal_grew = True  # look once at start whether a compaction is due
        self.merge_due = True  # look once at start whether a merge is due

    def idle(self) -> bool:
        """With nothing pending: merge, or compact, if due; return True if it did."""
        if self.merge_due:
            return self.merge()
        if not self.journal_grew:
            return False
        self.journal_grew = False
        return self.compact()

    def applied(self) -> None:
        """After an apply: compact if due; merge once nothing is pending."""
        self.merge_due = True
        self.journal_grew = not self.compact()


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
        except Exception as exc:  # noqa: BLE001 - the journal stays as it was; try later
            log.exception("compacting the push journal failed")
            self.state.failed(exc)
            self.sleep(RETRY_SECONDS)
            return False
        stats = self.queue.stats()
        self.state["last_compaction"] = {"at": time.time(), "files": replaced,
                                         "bytes": stats["applied_bytes"],
                                         "seconds": round(time.monotonic() - started, 3)}
        log.info("compacted %d applied push batches into one (%d bytes)", replaced,
                 stats["applied_bytes"])
        self.state.save(force=True)
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
        self.merge_due = merged is not None  # one merge may make room for the next
        if merged:
            self.state["merges"] = self.state.get("merges", 0) + 1
            log.info("merged small segments into snapshot %s", merged)
        return merged is not None


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

"""Snapshots on disk: build beside the live index, switch a pointer atomically, roll back.

Layout under the index directory::

    CURRENT                   id of the live snapshot (replaced with os.replace: atomic)
    PREVIOUS                  id of the snapshot before it (what --rollback returns to)
    writer.lock               held with flock by the one writer; the kernel drops it when
                              the holder dies, so a stale lock never blocks the next run
    snapshots/<id>/           complete Whoosh indexes
    snapshots/<id>.building/  a build in progress; removed on failure, or by the next
                              writer if the builder was killed

Readers only ever open ``snapshots/<CURRENT>``; a build that fails before the switch leaves
``CURRENT`` as it was. Snapshots other than CURRENT and PREVIOUS are deleted after a switch.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

BUILDING = ".building"


def shard_dir(snapshot: Path, shard: int) -> Path:
    """Return the directory of shard ``shard`` of a snapshot."""
    return Path(snapshot) / f"shard-{shard}"



def lock_held(path: str | os.PathLike[str]) -> bool:
    """Return True while a live process holds the ``flock`` on the file at ``path`` (the file
    itself stays on disk after use, so its presence proves nothing)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # never written to: nobody holds it
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False

class IndexBusy(RuntimeError):
    """Another writer holds the lock."""


class NoSnapshot(RuntimeError):
    """There is no snapshot to open or to roll back to."""


class SnapshotStore:
    """The snapshots of one index directory."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.snapshots = self.root / "snapshots"

    # -- reading -------------------------------------------------------------------------
    def _read_pointer(self, name: str) -> str | None:
        try:
            value = (self.root / name).read_text(encoding="ascii").strip()
        except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
            return None
        return value or None

    def current(self) -> str | None:
        """Return the id of the live snapshot, or None."""
        return self._read_pointer("CURRENT")

    def previous(self) -> str | None:
        """Return the id of the snapshot before the live one, or None."""
        return self._read_pointer("PREVIOUS")

    def path(self, snapshot_id: str) -> Path:
        """Return the directory of ``snapshot_id``."""
        if not snapshot_id or "/" in snapshot_id or snapshot_id.startswith("."):
            raise NoSnapshot(f"bad snapshot id {snapshot_id!r}")
        return self.snapshots / snapshot_id

    def current_path(self) -> Path:
        """Return the live snapshot's directory; raise NoSnapshot if there is none."""
        return self.live()[1]

    def live(self) -> tuple[str, Path]:
        """Return the live snapshot's id and directory from one read of ``CURRENT`` (two reads
        could straddle a switch); raise NoSnapshot if there is none."""
        snapshot_id = self.current()
        if snapshot_id is None:
            raise NoSnapshot(f"no index in {self.root} yet: run the reindex command")
        path = self.path(snapshot_id)
        if not path.is_dir():
            raise NoSnapshot(f"the live snapshot {snapshot_id} is missing from {self.snapshots}")
        return snapshot_id, path

    def writer_busy(self) -> bool:
        """Return True while another process holds the writer lock."""
        return lock_held(self.root / "writer.lock")

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the writer lock; raise IndexBusy at once if another live process has it."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / "writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
                raise IndexBusy(f"another reindex is running (pid {holder}); try again when it ends") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            self._clean_abandoned()
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing releases the flock

    def _clean_abandoned(self) -> None:
        """Remove half-built snapshots left by a writer that died (we hold the lock)."""
        if self.snapshots.is_dir():
            for entry in self.snapshots.iterdir():
                if entry.name.endswith(BUILDING):
                    shutil.rmtree(entry, ignore_errors=True)

    def new_building_dir(self, copy_of: Path | None = None) -> tuple[str, Path]:
        """Create a fresh build directory (a copy of ``copy_of`` if given); return (id, path).

        A copy hard-links the segment files, which Whoosh writes once and never changes (a
        commit writes new segments and a new TOC; deletions live in the TOC), so an
        incremental update costs neither the time nor the disk of the whole index. The TOC,
        the lock and our own files are copied, since they are rewritten.
        """
        self.snapshots.mkdir(parents=True, exist_ok=True)
        snapshot_id = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)
        building = self.snapshots / (snapshot_id + BUILDING)
        if copy_of is not None:
            shutil.copytree(copy_of, building, copy_function=_link_segment_files)
        else:
            building.mkdir()
        return snapshot_id, building

    def publish(self, snapshot_id: str, building: Path) -> None:
        """Make a finished build the live snapshot (atomic pointer switch)."""
        final = self.path(snapshot_id)
        os.replace(building, final)
        _fsync_dir(self.snapshots)
        old = self.current()
        if old and old != snapshot_id:
            self._write_pointer("PREVIOUS", old)
        self._write_pointer("CURRENT", snapshot_id)
        self._prune()

    def rollback(self) -> str:
        """Switch back to the previous snapshot; return its id."""
        previous, current = self.previous(), self.current()
        if previous is None or not self.path(previous).is_dir():
            raise NoSnapshot("there is no previous snapshot to roll back to")
        if current:
            self._write_pointer("PREVIOUS", current)
        self._write_pointer("CURRENT", previous)
        return previous

    def _write_pointer(self, name: str, value: str) -> None:
        tmp = self.root / f".{name}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(value + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / name)
        _fsync_dir(self.root)

    def _prune(self) -> None:
        keep = {self.current(), self.previous()}
        for entry in self.snapshots.iterdir():
            if entry.name not in keep and not entry.name.endswith(BUILDING):
                shutil.rmtree(entry, ignore_errors=True)


def _link_segment_files(src: str, dst: str) -> None:
    """Hard-link a Whoosh segment file ("MAIN_<segment id>.<ext>"), a posting array
    ("postings/<set>/…") or a near-duplicate file ("neardup…npz"), all written once and
    replaced, never changed, by their writers; copy anything else."""
    name = os.path.basename(src)
    if (name.startswith("MAIN_") and name != "MAIN_WRITELOCK") or name.startswith("neardup") \
            or f"{os.sep}postings{os.sep}" in src:
        try:
            os.link(src, dst)
            return
        except OSError:  # a file system without hard links
            pass
    shutil.copy2(src, dst)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

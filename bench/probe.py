"""What each phase of the hostile benchmark (issue 26) costs the machine.

``Probe``: the server's whole process tree (gunicorn master, workers, the push applier)
sampled during a phase: peak resident memory (sum over the tree), bytes written to disk
(``/proc/<pid>/io`` ``write_bytes``) and the growth of the folders it writes.
"""
from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from .loadgen import children, dir_size, proc_status


def tree(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def written(pids: list[int]) -> int:
    """Bytes the processes ``pids`` have written to storage so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/io").read_text().splitlines():
                if line.startswith("write_bytes:"):
                    total += int(line.split()[1])
    return total


class Probe:
    """Peak memory of a process tree and what it wrote, over one phase."""

    def __init__(self, pid: int, folders: list[Path]) -> None:
        self.pid, self.folders = pid, folders
        self.peak_kb = 0
        self.seen: dict[int, int] = {}  # pid -> write_bytes when first seen
        self.last: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.disk_before = sum(dir_size(f) for f in folders if f.exists())

    def _sample(self) -> None:
        pids = tree(self.pid)
        self.peak_kb = max(self.peak_kb, sum(proc_status(p).get("VmRSS", 0) for p in pids))
        for p in pids:
            now = written([p])
            self.seen.setdefault(p, now)
            self.last[p] = now

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self._sample()

    def __enter__(self) -> "Probe":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sample()

    def result(self) -> dict[str, float]:
        wrote = sum(self.last[p] - self.seen[p] for p in self.last)
        disk = sum(dir_size(f) for f in self.folders if f.exists()) - self.disk_before
        return {"peak_mb": self.peak_kb / 1024, "written_mb": wrote / 1e6, "disk_mb": disk / 1e6}

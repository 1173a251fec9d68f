"""Build overlap (issue 21 part 3): is a core idle during a whole build with 2 processes?

    python -m bench.build_overlap                 all of FakeNewsNet
    python -m bench.build_overlap --lines 3000    its first 3,000 lines

Runs ``index.rebuild`` (extraction workers, this process making the documents, segment
writers) while a thread samples, every 20 ms, how many of the build's processes (this one
and every descendant) are runnable (state R: running, or waiting for a core). A 2-core
build keeps both cores busy while at least 2 are runnable; the table gives, per phase, the
share of samples with fewer than ``--workers`` runnable (a core the build leaves idle) and
the mean. Counting runnable processes rather than timing them keeps the answer meaningful
on a loaded machine, where every wall time stretches.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import index
from index.write import segment_batches

from .common import FAKENEWS, head_file, need
from .table import show

SAMPLE_S = 0.02


def _processes(pid: int) -> list[int]:
    """Return ``pid`` and its descendants."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found += _processes(int(child))
    except OSError:
        pass  # ended meanwhile
    return found


def _runnable(pid: int, skip: str = "") -> bool:
    """Return True if any thread of process ``pid`` but ``skip`` is runnable."""
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            if task == skip:
                continue
            with open(f"/proc/{pid}/task/{task}/stat") as fh:
                stat = fh.read()
            if stat[stat.rindex(")") + 2] == "R":
                return True
    except OSError:
        pass
    return False


class Sampler(threading.Thread):
    """(time, runnable processes of this build) every ``SAMPLE_S`` seconds until ``stop``."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        me, sampler = os.getpid(), str(threading.get_native_id())  # not this thread: it runs
        while not self.stopped.wait(SAMPLE_S):
            self.samples.append((time.monotonic(), sum(
                _runnable(pid, sampler if pid == me else "") for pid in _processes(me))))

    def phase(self, start: float, end: float, workers: int) -> tuple[float, float]:
        """Return (share of samples with fewer than ``workers`` runnable, mean runnable)."""
        counts = [n for t, n in self.samples if start <= t < end] or [0]
        return sum(n < workers for n in counts) / len(counts), sum(counts) / len(counts)


def run(path: Path, tmp: Path, workers: int) -> list[list]:
    """Build once with the sampler on; return the table's rows."""
    marks: dict[str, float] = {}
    finish = segment_batches.Segments.finish

    def timed_finish(self):
        marks["read"] = time.monotonic()
        try:
            return finish(self)
        finally:
            marks["segments"] = time.monotonic()

    sampler = Sampler()
    segment_batches.Segments.finish = timed_finish
    try:
        start, cpu = time.monotonic(), time.process_time()
        sampler.start()
        index.rebuild(str(tmp / "index"), [str(path)], workers=workers)
        end = time.monotonic()
    finally:
        sampler.stopped.set()
        segment_batches.Segments.finish = finish
    sampler.join()
    children = os.times()
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    rows = []
    for name, a, b in [("whole build", start, end),
                       ("reading and writing together", start, marks["read"]),
                       ("segments left after the last document", marks["read"], marks["segments"]),
                       ("commit, posting arrays, groups, switch", marks["segments"], end)]:
        idle, mean = sampler.phase(a, b, workers)
        rows.append([name, b - a, f"{100 * idle:.0f} %", mean, load])
    rows.append(["CPU s: this process / the others", f"{time.process_time() - cpu:.1f} / "
                 f"{children.children_user + children.children_system:.1f}", "", "", ""])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=0, help="the first N lines only")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="build-overlap-"))
    try:
        path = need(FAKENEWS)
        if args.lines:
            path = head_file(path, tmp / "head.jsonl", args.lines)
        rows = run(path, tmp, args.workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    label = f"first {args.lines:,} lines" if args.lines else "all lines"
    show(f"build overlap: FakeNewsNet, {label}, workers={args.workers}",
         ["phase", "wall s", f"samples with < {args.workers} runnable", "mean runnable",
          "load 1/5/15 min"], rows, digits=[0, 1, 0, 2, 0],
         note="runnable: the build's processes in state R (running or waiting for a core), "
              f"sampled every {SAMPLE_S * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

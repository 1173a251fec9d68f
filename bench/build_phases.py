"""Build phases (issue 21 part 3): where a build's time goes, ours against SQLite FTS5 and
tantivy in the same run, with the load average beside every timing.

    python -m bench.build_phases                 all of FakeNewsNet
    python -m bench.build_phases --lines 2000    its first 2,000 lines
    python -m bench.build_phases --whoosh        also index writing through Whoosh's writer

Ours, each in this process, one after the other:
- **extraction**: ``corpus.extract`` of the raw file (cleaning, language detection, quotes,
  bios, repeated articles dropped), with ``--workers`` processes;
- **index writing**: ``indexer.build`` from the extracted records held in memory
  (near-duplicate groups, Whoosh segments, posting arrays, meta, switch);
- **whole build**: ``index.rebuild`` from the raw file (both of the above).

FTS5 and tantivy (``bench.peers``) build from the same raw file (reading the JSON lines
included), title and body of the articles our extraction keeps. The targets (issue 21):
index writing at most 5× FTS5's build, the whole build at most 10×.
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import index
from corpus import Summary, extract
from index.store.snapshots import SnapshotStore
from index.write import indexer

from .build import raw_articles
from .common import FAKENEWS, Timer, head_file, need
from .peers import Fts5, Tantivy
from .table import show

WRITE_TARGET, WHOLE_TARGET = 5.0, 10.0


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _peer(peer_class, folder: Path, path: Path) -> tuple[float, float, str]:
    peer = peer_class(folder)
    timer = peer.build(raw_articles(path))
    load = _load()
    if hasattr(peer, "close"):
        peer.close()
    return timer.seconds, timer.cpu, load


def run(path: Path, tmp: Path, workers: int, whoosh: bool) -> list[list]:
    """Time every phase; return the table's rows."""
    fts5 = _peer(Fts5, tmp / "fts5.db", path)
    tantivy = _peer(Tantivy, tmp / "tantivy", path)
    with Timer() as t:
        records = list(extract([str(path)], Summary(), workers=workers))
    extraction = (t.seconds, t.cpu, _load())
    timings = []
    for name, fast in [("index writing", True)] + ([("index writing, Whoosh's writer", False)]
                                                   if whoosh else []):
        folder = tmp / name.replace(" ", "-").replace(",", "").replace("'", "")
        with Timer() as t:
            result = indexer.build(SnapshotStore(folder), records, procs=workers, fast=fast)
        timings.append((name, t.seconds, t.cpu, _load(), sum(result.counts.values())))
        shutil.rmtree(folder, ignore_errors=True)
    with Timer() as t:
        index.rebuild(str(tmp / "whole"), [str(path)], workers=workers)
    whole = (t.seconds, t.cpu, _load())
    rows = [["extraction", *extraction, "", "", ""]]
    for name, seconds, cpu, load, docs in timings:
        rows.append([f"{name} ({docs:,} docs)", seconds, cpu, load, f"{seconds / fts5[0]:.1f}",
                     f"{seconds / tantivy[0]:.1f}", f"<= {WRITE_TARGET:g}x FTS5"
                     if name == "index writing" else ""])
    rows.append(["whole build", *whole, f"{whole[0] / fts5[0]:.1f}",
                 f"{whole[0] / tantivy[0]:.1f}", f"<= {WHOLE_TARGET:g}x FTS5"])
    rows.append(["SQLite FTS5 build", *fts5, "1.0", "", ""])
    rows.append(["tantivy build", *tantivy, "", "1.0", ""])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=0, help="the first N lines only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--whoosh", action="store_true", help="also Whoosh's own writer")
    parser.add_argument("--quick", action="store_true", help="the first 2,000 lines")
    args = parser.parse_args(argv)
    lines = 2000 if args.quick and not args.lines else args.lines
    tmp = Path(tempfile.mkdtemp(prefix="build-phases-"))
    try:
        path = need(FAKENEWS)
        if lines:
            path = head_file(path, tmp / "head.jsonl", lines)
        rows = run(path, tmp, args.workers, args.whoosh)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    label = f"first {lines:,} lines" if lines else "all lines"
    show(f"build phases: FakeNewsNet, {label}, workers={args.workers}",
         ["phase", "wall s", "CPU s", "load 1/5/15 min", "wall / FTS5", "wall / tantivy",
          "target"], rows, digits=[0, 1, 1, 0, 0, 0, 0],
         note="CPU s: this process and the worker processes that ended inside the phase. "
              "Peers from the raw file, title and body of the same articles.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The hostile benchmark's corpora (issues 15 and 26) and its reindex phases: documents with
2 MB bodies, a folder of hostile files, a .jsonl.gz of millions of ``{}`` lines, and a full
reindex run in its own process (so that its peak memory is its own).
"""
from __future__ import annotations

import gzip
import json
import os
import random
import time
from pathlib import Path
from typing import Any

from .loadgen import build_index

HUGE_DOCS, HUGE_BYTES = 20, 2 * 1024 * 1024


def write_huge(path: Path, seed: int = 15) -> Path:
    """Write HUGE_DOCS documents with ~2 MB bodies of made-up words, "walrus" here and there."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randint(3, 9)))
             for _ in range(3000)]
    with open(path, "w", encoding="utf-8") as out:
        for n in range(HUGE_DOCS):
            words, size = [], 0
            while size < HUGE_BYTES:
                word = "walrus" if rng.random() < 0.0005 else rng.choice(vocab)
                words.append(word)
                size += len(word) + 1
            out.write(json.dumps({"id": f"huge-{n}", "title": f"Huge document {n}",
                                  "text": " ".join(words)}) + "\n")
    return path


def write_hostile(folder: Path, outside: Path) -> None:
    """Add the hostile files to ``folder`` (``outside`` is a private file beside it)."""
    outside.write_text("Private payroll\n\nSalaries of everyone.\n", encoding="utf-8")
    outside.chmod(0o600)
    (folder / "link-out.txt").symlink_to(outside)
    os.mkfifo(folder / "pipe.jsonl")
    depth = 1_000_000
    (folder / "deep.jsonl").write_text('{"id": "deep", "title": "Deep", "text": '
                                       + "[" * depth + "]" * depth + "}\n")
    zeros = bytes(1024 * 1024)
    with gzip.open(folder / "zeros.jsonl.gz", "wb", compresslevel=1) as fh:
        for _ in range(200):
            fh.write(zeros)
    data = gzip.compress(b'{"id": "cut", "title": "Cut"}\n' * 1000)
    (folder / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    (folder / "binary.txt").write_bytes(os.urandom(4096))
    (folder / "latin1.txt").write_bytes("Caf\xe9\n\nCaf\xe9 cr\xe8me.\n".encode("latin-1"))


def reindex(index_dir: Path, corpus: Path, samples: list) -> dict[str, Any]:
    """Run a full reindex in its own process (its peak RSS is its own)."""
    t0 = time.monotonic()
    try:
        result = build_index(index_dir, corpus, workers=1, timeout=7200)
    except RuntimeError as exc:
        result = {"error": str(exc)[-500:]}
    result["wall_s"] = time.monotonic() - t0
    samples.append(result)
    return result



def write_empty_lines(path: Path, lines: int) -> Path:
    """A .jsonl.gz of one real article and ``lines`` lines of ``{}`` (about 3 kB a million)."""
    block = b"{}\n" * 1_000_000
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(b'{"title": "The one real article", "text": "A body."}\n')
        for _ in range(lines // 1_000_000):
            fh.write(block)
        fh.write(b"{}\n" * (lines % 1_000_000))
    return path

"""Shared helpers: where the data is, timing, percentiles, plain-word queries, result files."""
from __future__ import annotations

import gzip
import json
import os
import platform
import re
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
FAKENEWS = "fakenewsnet-articles/articles.jsonl.gz"
SCIFACT = "beir-scifact"

# Whoosh query syntax: fields, phrases, groups, wildcards, boosts, fuzziness, ranges, escapes,
# and + / - (the PlusMinusPlugin reads them anywhere, so "IL-6" would mean "IL NOT 6"; our
# analyzer splits words at them anyway, so a space loses nothing).
_SYNTAX = re.compile(r"""[:"()*?^~\[\]{}\\+\-]""")
_LEADING = re.compile(r"(?<!\S)'+")  # 'single quoted' terms
_TRAILING = re.compile(r"'+(?!\S)")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_WORD = re.compile(r"[^\W_]+")


class Skip(Exception):
    """A benchmark cannot run here (its data is missing); the message says why."""


def data_dir() -> Path:
    """Return the shared data folder (``SEARCH_SHARED_DATA`` overrides ../shared/data)."""
    env = os.environ.get("SEARCH_SHARED_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


def need(relative: str) -> Path:
    """Return the path of a shared data file or folder; raise Skip if it is not there."""
    path = data_dir() / relative
    if not path.exists():
        raise Skip(f"{path} is missing (set SEARCH_SHARED_DATA to the shared data folder)")
    return path


def plain_query(text: str) -> str:
    """Return ``text`` as plain words for the Whoosh parser: syntax characters (including
    + and -, and quotes around words) replaced by spaces and the upper-case operators
    AND OR NOT ANDNOT ANDMAYBE TO removed; nothing else changed."""
    text = _SYNTAX.sub(" ", text)
    text = _TRAILING.sub(" ", _LEADING.sub(" ", text))
    return " ".join(w for w in text.split() if w not in _OPERATORS)


def words(text: str) -> list[str]:
    """Return the letter/digit runs of ``text`` (what the peers' tokenizers split on)."""
    return _WORD.findall(text)


def read_jsonl(path: Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a .jsonl or .jsonl.gz file (bad lines skipped)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                return
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def head_file(src: Path, dest: Path, lines: int) -> Path:
    """Write the first ``lines`` lines of ``src`` (gzip or not) to ``dest`` (.jsonl)."""
    opener = gzip.open if src.name.endswith(".gz") else open
    with opener(src, "rt", encoding="utf-8") as fh, open(dest, "w", encoding="utf-8") as out:
        for n, line in enumerate(fh):
            if n >= lines:
                break
            out.write(line)
    return dest


def percentile(values: list[float], p: float) -> float:
    """Return the ``p``-th percentile (nearest rank) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def latency_summary(seconds: list[float]) -> dict[str, float]:
    """Return p50/p95/p99/mean/max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50": percentile(ms, 50), "p95": percentile(ms, 95),
            "p99": percentile(ms, 99), "mean": sum(ms) / max(len(ms), 1),
            "max": max(ms, default=float("nan"))}


def dir_size(path: str | Path) -> int:
    """Return the bytes of all files under ``path``."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


def ratio(ours: float, peer: float) -> float:
    return ours / peer if peer else float("inf")


def verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def write_result(name: str, data: dict[str, Any], quick: bool) -> Path:
    """Write ``data`` with run metadata to bench/results/<name>.json; return the path."""
    RESULTS.mkdir(exist_ok=True)
    meta = {"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": quick,
            "python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({**meta, **data}, indent=1, default=str), encoding="utf-8")
    return path


def cpu_seconds() -> float:
    """Return user+system CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds`` (wall, time.perf_counter) and ``t.cpu``
    (CPU seconds of this process and of child processes that ended inside the block: less
    sensitive than wall time to other work on the machine)."""

    def __enter__(self) -> "Timer":
        self.start, self.cpu_start = time.perf_counter(), cpu_seconds()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start
        self.cpu = cpu_seconds() - self.cpu_start

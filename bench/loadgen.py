"""Shared pieces of the heavy benchmarks (http_load, reindex_load, scale).

Corpus files derived from FakeNewsNet (head, subset, k-fold copies under new ids), a fixed
seeded query set, a real gunicorn on a free 127.0.0.1 port, memory figures from /proc, a
bounded keep-alive Python load generator, and index builds in a fresh process. Data paths,
percentiles, result files and tables come from ``common`` and ``table``.
"""
from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import Skip, dir_size, need, percentile, verdict  # noqa: F401 (re-exported)
from .common import write_result as save  # noqa: F401
from .table import show  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
FAKENEWS = "fakenewsnet-articles/articles.jsonl.gz"
SEED = 20240601
_WORD = re.compile(r"[^\W\d_]+")
# Small English stop list: queries should be content words (and never Whoosh operators).
STOP = frozenset("""a about after again all also an and any are as at be been before but by can
could did do does for from had has have he her here his how i if in into is it its just me more
most my new no not now of off on once one only or other our out over own s says she should so
some such than that the their them then there these they this those through to too under up
us very was we were what when where which while who why will with would you your""".split())


def fakenews() -> Path:
    return need(FAKENEWS)


def _open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.name.endswith(".gz") \
        else open(path, encoding="utf-8")


def count_lines(path: Path) -> int:
    with _open_text(path) as fh:
        return sum(1 for _ in fh)


def write_lines(src: Path, dest: Path, start: int = 0, stop: int | None = None) -> Path:
    """Write lines [start, stop) of ``src`` (gzip or not) to ``dest`` (.jsonl)."""
    with _open_text(src) as fh, open(dest, "w", encoding="utf-8") as out:
        for n, line in enumerate(fh):
            if stop is not None and n >= stop:
                break
            if n >= start:
                out.write(line)
    return dest


def _with_copy(url: Any, k: int) -> Any:
    if not isinstance(url, str) or not url:
        return url
    return f"{url}{'&' if '?' in url else '?'}copy={k}"


def write_copies(src: Path, dest: Path, copies: int) -> Path:
    """Write ``copies`` copies of every record of ``src``: copy 0 unchanged, copy k (k >= 1)
    with id "<id>-k<k>" and "?copy=k" appended to its url (and canonical_link), text kept."""
    with open(dest, "w", encoding="utf-8") as out:
        for k in range(copies):
            with _open_text(src) as fh:
                for line in fh:
                    if k == 0:
                        out.write(line if line.endswith("\n") else line + "\n")
                        continue
                    try:
                        record = json.loads(line)
                    except ValueError:
                        continue
                    if not isinstance(record, dict):
                        continue
                    if record.get("id") is not None:
                        record["id"] = f"{record['id']}-k{k}"
                    for key in ("url", "canonical_link"):
                        if key in record:
                            record[key] = _with_copy(record[key], k)
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return dest


def title_words(path: Path, start: int = 0, stop: int | None = None) -> list[list[str]]:
    """Lower-case letter runs of each title in lines [start, stop) of ``path``."""
    titles = []
    with _open_text(path) as fh:
        for n, line in enumerate(fh):
            if stop is not None and n >= stop:
                break
            if n < start:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                found = [w.lower() for w in _WORD.findall(str(record.get("title") or ""))]
                if found:
                    titles.append(found)
    return titles


def sample_queries(titles: list[list[str]], n: int, seed: int = SEED) -> list[str]:
    """``n`` distinct plain-word queries (1 to 3 consecutive title words, each with a content
    word of 3+ letters; all lower case, so never a Whoosh operator), fixed ``seed``."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    sizes = (1, 1, 2, 2, 3)
    for _ in range(200 * n):
        if len(out) == n or not titles:
            break
        title = rng.choice(titles)
        size = min(rng.choice(sizes), len(title))
        start = rng.randrange(len(title) - size + 1)
        phrase = title[start:start + size]
        if not any(len(w) >= 3 and w not in STOP for w in phrase):
            continue
        if size == 1 and (len(phrase[0]) < 3 or phrase[0] in STOP):
            continue
        q = " ".join(phrase)
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


def search_path(q: str, per_page: int = 10) -> str:
    return "/search?" + urllib.parse.urlencode({"q": q, "per_page": per_page})


# -- processes and memory ------------------------------------------------------------------
def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM / VmSize of ``pid`` in kB (empty if it is gone)."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmSize", "RssAnon", "RssFile"):
                out[key] = int(value.split()[0])
    with contextlib.suppress(OSError, IndexError, ValueError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                out["Pss"] = int(line.split()[1])
    return out


def children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    return []


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(url: str, method: str = "GET", body: dict | None = None,
              headers: dict | None = None, timeout: float = 10.0) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as err:
        with err:
            raw = err.read()
        try:
            return err.code, json.loads(raw)
        except ValueError:
            return err.code, raw.decode("utf-8", "replace")


class Server:
    """gunicorn (service/gunicorn_conf.py) serving wsgi:app on a free 127.0.0.1 port."""

    def __init__(self, settings: dict[str, str], log: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"
        self.log_path = log
        env = {**os.environ, **settings, "WEB_CONCURRENCY": str(workers),
               "GUNICORN_LOG_LEVEL": "warning"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        self._log = open(log, "wb")
        gunicorn = Path(sys.executable).parent / "gunicorn"
        # --access-logfile /dev/null: the access log would cost CPU under load.
        self.proc = subprocess.Popen(
            [str(gunicorn), "--config", "service/gunicorn_conf.py", "--bind",
             f"{self.host}:{self.port}", "--access-logfile", "/dev/null", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.workers = workers

    def wait(self, timeout: float = 90) -> None:
        """Wait until /health answers 200 and all workers are up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            with contextlib.suppress(OSError):
                status, _ = http_json(self.url + "/health", timeout=5)
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            time.sleep(0.2)
        raise TimeoutError(f"gunicorn did not answer in {timeout:.0f} s")

    def worker_pids(self) -> list[int]:
        return children(self.proc.pid)

    def memory(self) -> list[dict[str, Any]]:
        """Per worker: pid, VmRSS, VmHWM, RssAnon, RssFile and Pss in MB."""
        rows = []
        for pid in self.worker_pids():
            st = proc_status(pid)
            rows.append({"pid": pid, "rss_mb": st.get("VmRSS", 0) / 1024,
                         "hwm_mb": st.get("VmHWM", 0) / 1024,
                         "anon_mb": st.get("RssAnon", 0) / 1024,
                         "file_mb": st.get("RssFile", 0) / 1024,
                         "pss_mb": st.get("Pss", 0) / 1024})
        return rows

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


# -- the Python load generator -------------------------------------------------------------
@dataclass
class Sample:
    start: float          # time.monotonic() when the request was sent
    seconds: float        # latency
    status: int           # HTTP status, or 0 for a socket error / timeout
    query: str
    snapshot: str | None = None
    body: Any = None      # parsed JSON when keep_body returns True, else None
    error: str | None = None


@dataclass
class PyLoad:
    """Threads with one keep-alive connection each, cycling through ``paths`` until
    ``stop()``, ``duration`` seconds or ``max_requests`` (whichever comes first)."""

    host: str
    port: int
    paths: list[tuple[str, str]]          # (query, path)
    threads: int = 8
    duration: float = 30.0
    max_requests: int = 1_000_000
    timeout: float = 30.0
    parse: bool = False                    # parse each 2xx body as JSON into Sample.body
    rate: float = 0.0                      # total requests/s over all threads; 0 = unpaced
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._count = 0
        self._workers: list[threading.Thread] = []

    def _take(self) -> bool:
        with self._lock:
            if self._count >= self.max_requests:
                return False
            self._count += 1
            return True

    def _run(self, offset: int, deadline: float, n: int = 0) -> None:
        conn: http.client.HTTPConnection | None = None
        i = offset
        local: list[Sample] = []
        interval = self.threads / self.rate if self.rate > 0 else 0.0
        next_at = time.monotonic() + n * interval / self.threads  # staggered
        while not self._stop.is_set() and time.monotonic() < deadline and self._take():
            if interval:
                pause = next_at - time.monotonic()
                if pause > 0 and self._stop.wait(pause):
                    break
                next_at = max(next_at + interval, time.monotonic() - interval)
            query, path = self.paths[i % len(self.paths)]
            i += 1
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            t0 = time.monotonic()
            try:
                conn.request("GET", path)
                res = conn.getresponse()
                raw = res.read()
                elapsed = time.monotonic() - t0
                body = None
                if self.parse and 200 <= res.status < 300:
                    body = json.loads(raw)
                local.append(Sample(t0, elapsed, res.status, query,
                                    res.getheader("X-Index-Snapshot"), body))
                if res.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException, ValueError) as exc:
                local.append(Sample(t0, time.monotonic() - t0, 0, query, None, None,
                                    f"{type(exc).__name__}: {exc}"))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()
        with self._lock:
            self.samples.extend(local)

    def start(self) -> "PyLoad":
        deadline = time.monotonic() + self.duration
        step = max(1, len(self.paths) // self.threads)
        self._workers = [threading.Thread(target=self._run, args=(n * step, deadline, n),
                                          daemon=True) for n in range(self.threads)]
        for t in self._workers:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def join(self) -> list[Sample]:
        for t in self._workers:
            t.join(self.duration + self.timeout + 5)
        self.samples.sort(key=lambda s: s.start)
        return self.samples


# -- building ----------------------------------------------------------------------------
def build_index(index_dir: Path, corpus: Path, workers: int = 2,
                timeout: float = 1800) -> dict[str, Any]:
    """Build a full snapshot of ``corpus`` in a fresh Python process (so the builder's
    memory is its own); return {seconds, counts, snapshot, peak_rss_mb}."""
    code = ("import json, sys, time, index\n"
            "from corpus import Summary\n"
            "t = time.perf_counter(); s = Summary()\n"
            "r = index.rebuild(sys.argv[1], [sys.argv[2]], s, workers=int(sys.argv[3]))\n"
            "sec = time.perf_counter() - t\n"
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
            "print(json.dumps({'seconds': sec, 'counts': r.counts, 'snapshot': r.snapshot,\n"
            "  'duplicates': s.duplicates, 'problems': len(s.problems),\n"
            "  'peak_rss_mb': int(hwm) / 1024}))\n")
    out = subprocess.run([sys.executable, "-c", code, str(index_dir), str(corpus), str(workers)],
                         cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"index build failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def elapsed() -> Iterator[Callable[[], float]]:
    t0 = time.perf_counter()
    yield lambda: time.perf_counter() - t0

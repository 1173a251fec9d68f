"""Start a real gunicorn on a free local port and wait until it answers."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict | None = None, timeout: float = 10.0) -> tuple[int, dict]:
    """GET ``url``; return (status, JSON body) for 2xx and error answers alike."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def post(url: str, body: dict | None, headers: dict | None = None,
         method: str = "POST") -> tuple[int, dict]:
    """Send ``body`` as JSON with ``method``; return (status, JSON answer)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


@contextlib.contextmanager
def searching(url: str, threads: int = 2):
    """Search ``url`` from background threads while the body runs; yield (errors, answered):
    every non-200 answer or one without results is an error."""
    import threading

    errors, answered, stop = [], [0], threading.Event()

    def load():
        while not stop.is_set():
            try:
                status, body = get(url)
                if status != 200 or body["total"] == 0:
                    errors.append((status, body))
                answered[0] += 1
            except Exception as exc:  # noqa: BLE001 - every failure is what is counted
                errors.append(repr(exc))

    workers = [threading.Thread(target=load) for _ in range(threads)]
    for t in workers:
        t.start()
    try:
        yield errors, answered
    finally:
        stop.set()
        for t in workers:
            t.join()


class Gunicorn:
    """A gunicorn process serving wsgi:app with the given SEARCH_* settings."""

    def __init__(self, settings: dict[str, str], workers: int = 2, log: Path | None = None):
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **settings, "WEB_CONCURRENCY": str(workers)}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.pop("GUNICORN_RUN_DIR", None)
        self.log = open(log, "wb") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [str(GUNICORN), "--config", "service/gunicorn_conf.py",
             "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            with contextlib.suppress(OSError):
                status, _ = get(self.url + "/health", timeout=2)
                if status in (200, 503):
                    return
            time.sleep(0.2)
        raise TimeoutError("gunicorn did not answer")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not subprocess.DEVNULL:
            self.log.close()


@contextlib.contextmanager
def gunicorn_over(index_dir: Path, corpus: list[str], log_name: str,
                  settings: dict[str, str] | None = None, workers: int = 2):
    """Build an index of ``corpus`` in ``index_dir``, serve it with a real gunicorn (its log
    in test-artifacts/``log_name``) and stop it after the body."""
    import index

    index.rebuild(str(index_dir), corpus)
    log = Path(__file__).resolve().parent.parent / "test-artifacts" / log_name
    log.parent.mkdir(exist_ok=True)
    g = Gunicorn({"SEARCH_INDEX_DIR": str(index_dir), **(settings or {})}, workers=workers,
                 log=log)
    try:
        g.wait()
        yield g
    finally:
        g.stop()

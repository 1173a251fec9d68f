"""A real ``gunicorn wsgi:app``: searched, reindexed through the admin endpoint while it
serves, and a worker killed mid-service."""
from __future__ import annotations

import os
import signal
import time
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ADMIN_TOKEN, DEMO, TEST_DATA
from tests.servers import gunicorn_over, get, post, searching

pytestmark = pytest.mark.server
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with gunicorn_over(tmp_path_factory.mktemp("gunicorn-index"), [str(DEMO)], "gunicorn.log",
                       {"SEARCH_ADMIN_TOKEN": ADMIN_TOKEN, "SEARCH_REINDEX_WORKERS": "1",
                        "SEARCH_CORPUS_PATHS": f"{DEMO}:{TEST_DATA}"}) as g:
        yield g


def test_serves_searches(server):
    status, body = get(server.url + "/search?q=" + urllib.parse.quote("wind farm"))
    assert status == 200 and body["total"] > 0 and "<mark>" in body["results"][0]["snippet"]
    status, body = get(server.url + "/search?from=bad")
    assert status == 400 and body["error"]["code"] == "bad_parameter"
    status, body = get(server.url + "/health")
    assert status == 200 and body["counts"]["article"] == 33


def test_admin_reindex_while_serving(server):
    _, before = get(server.url + "/health")
    with searching(server.url + "/search?q=harbour") as (errors, answered):
        status, body = post(server.url + "/admin/reindex", {"mode": "full"}, AUTH)
        assert status == 202, body
        status, again = post(server.url + "/admin/reindex", {}, AUTH)
        assert status in (409, 202)  # 409 while the first still runs
        deadline = time.monotonic() + 120
        while True:
            _, state = get(server.url + "/admin/status", AUTH)
            if not state["running"] and state.get("state") in ("succeeded", "failed"):
                break
            assert time.monotonic() < deadline, state
            time.sleep(0.2)
    assert state["state"] == "succeeded", state
    assert errors == [] and answered[0] > 0
    _, after = get(server.url + "/health")
    assert after["snapshot"] != before["snapshot"]
    assert after["counts"]["article"] == 36  # demo + tests/data, seen by every worker
    status, body = get(server.url + "/search?q=zephyrine")
    assert status == 200 and body["total"] > 0


def test_killed_worker_is_replaced(server):
    workers = server.worker_pids()
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    for _ in range(20):
        status, _ = get(server.url + "/search?q=library")
        assert status == 200
    deadline = time.monotonic() + 30
    while len(set(server.worker_pids()) - {workers[0]}) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as res:
        text = res.read().decode()
    # Counts from every worker, the killed one included, add up (prometheus multiprocess).
    assert 'search_http_requests_total{endpoint="/search",method="GET",status="200"}' in text


def test_gunicorns_own_errors_are_json(server):
    """gunicorn refuses some requests before the app sees them (a request line over 8,190
    bytes: 414); they come in the JSON error shape too (issue 26)."""
    import json
    import socket

    def raw(request: bytes) -> tuple[bytes, bytes]:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(request)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return head, body

    head, body = raw(b"GET /search?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414") and b"application/json" in head
    assert json.loads(body)["error"]["code"] == "uri_too_long"
    head, body = raw(b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(
        b"X-H%d: v\r\n" % n for n in range(60)) + b"\r\n")
    assert head.split(b" ")[1] in (b"400", b"431") and set(json.loads(body)["error"]) == {"code", "message"}


def test_the_demo_never_echoes_a_port_from_host(server):
    def demo(host: str) -> str:
        request = urllib.request.Request(server.url + "/demo", headers={"Host": host})
        with urllib.request.urlopen(request, timeout=10) as res:
            return res.read().decode()
    assert f'src="http://127.0.0.1:{server.port}/widget.js"' in demo(f"127.0.0.1:{server.port}")
    page = demo("127.0.0.1:31337")
    assert "31337" not in page and 'src="http://127.0.0.1/widget.js"' in page

"""Push on publish against a real gunicorn (2 workers): pushed articles become searchable
and deleted ones go, under concurrent searches with no failed request, and pushes made
while an admin-triggered rebuild runs survive it."""
from __future__ import annotations

import time

import pytest

from tests.conftest import ADMIN_TOKEN, DEMO
from tests.servers import gunicorn_over, get, post, searching

pytestmark = pytest.mark.server
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def send(url: str, method: str, body: dict | None = None) -> tuple[int, dict]:
    return post(url, body, AUTH, method=method)


def story(n: int) -> dict:
    return {"url": f"https://news.example.org/kelp-{n}", "title": f"Kelp forest report {n}",
            "author": "Ann Lee", "date": "2024-06-01", "lang": "en",
            "body": f"Divers counted kelpwatch plots for report {n} along the quay."}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with gunicorn_over(tmp_path_factory.mktemp("push-index"), [str(DEMO)], "gunicorn-push.log",
                       {"SEARCH_ADMIN_TOKEN": ADMIN_TOKEN, "SEARCH_CORPUS_PATHS": str(DEMO),
                        "SEARCH_REINDEX_WORKERS": "1"}) as g:
        yield g


def kelp(server) -> int:
    status, body = get(server.url + "/search?q=kelpwatch&per_page=1")
    assert status == 200, body
    return body["total"]


def wait_until(check, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "not within the time limit"
        time.sleep(0.1)
    return time.monotonic() - started


def test_pushes_and_deletes_under_concurrent_searches(server):
    with searching(server.url + "/search?q=harbour") as (errors, answered):
        ids = []
        for n in range(20):
            status, body = send(server.url + "/admin/documents", "POST", story(n))
            assert status == 202, body
            ids.append(body["documents"][0]["id"])
        wait_until(lambda: kelp(server) == 20)
        for doc_id in ids[:10]:
            assert send(server.url + f"/admin/documents/{doc_id}", "DELETE")[0] == 202
        wait_until(lambda: kelp(server) == 10)
        # a rebuild from the corpus files (which have no kelp story), with pushes meanwhile
        status, body = post(server.url + "/admin/reindex", {"mode": "full"}, AUTH)
        assert status == 202, body
        for n in range(20, 25):
            assert send(server.url + "/admin/documents", "POST", story(n))[0] == 202
        wait_until(lambda: not get(server.url + "/admin/status", AUTH)[1]["running"])
        _, state = get(server.url + "/admin/status", AUTH)
        assert state["state"] == "succeeded", state
        wait_until(lambda: kelp(server) == 15)
        wait_until(lambda: get(server.url + "/admin/status", AUTH)[1]["pushes"]["pending"] == 0)
    assert errors == [] and answered[0] > 0
    # applied by a process of its own: neither the master nor one of its workers
    applier = get(server.url + "/admin/status", AUTH)[1]["pushes"]["applier"]
    assert applier["running"] and applier["pid"] not in [server.proc.pid, *server.worker_pids()]
    assert applier["applied_batches"] >= 30 and applier["failed_applies"] == 0


def test_every_line_break_code_point_through_gunicorn(server):
    """Documents and ids holding each character str.splitlines() breaks at are accepted,
    searchable, and later pushes still apply (issue 26: U+2028 once stopped publishing)."""
    import json
    import urllib.request

    from tests.test_push import BREAKS, WORDS, breaking_story

    def total(word: str) -> int:
        return get(server.url + f"/search?q={word}&per_page=1&collapse=0")[1]["total"]

    for n, c in enumerate(BREAKS):
        body = json.dumps(breaking_story(n, c), ensure_ascii=n % 2 == 0).encode()
        request = urllib.request.Request(server.url + "/admin/documents", data=body, method="POST",
                                         headers={**AUTH, "Content-Type": "application/x-ndjson"
                                                  if n % 3 else "application/json"})
        with urllib.request.urlopen(request, timeout=10) as res:
            assert res.status == 202, (repr(c), res.read())
    status, body = send(server.url + "/admin/documents/x%E2%80%A8y%C2%85z", "DELETE")
    assert status == 202 and body["id"] == "x\u2028y\x85z"
    wait_until(lambda: all(total(f"brk{WORDS[n]}") == 1 for n in range(len(BREAKS))))
    later = {**story(99), "title": "After the breaks brklater", "url": "https://news.example.org/later"}
    assert send(server.url + "/admin/documents", "POST", later)[0] == 202
    wait_until(lambda: total("brklater") == 1)
    _, state = get(server.url + "/admin/status", AUTH)
    assert state["pushes"]["quarantined"] == 0 and state["pushes"]["pending"] == 0

"""The push applier (issue 26): a process of its own per index directory, coalescing what is
pending into few snapshots, refusing pushes past the queue's limit with 429 and Retry-After,
compacting the journal in the background, counted in /metrics, restarted when it dies."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest

import index
from index import SnapshotStore
from service import applier_state, create_app
from tests.conftest import ADMIN_TOKEN, DEMO
from tests.test_push import AUTH, story, total, wait_for


@pytest.fixture
def app_over(tmp_path):
    index_dir = str(tmp_path / "index")
    index.rebuild(index_dir, [str(DEMO)])
    apps = []

    def make(**config):
        app = create_app({"INDEX_DIR": index_dir, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0,
                          "PUSH_INTERVAL": 0, **config})
        apps.append(app)
        return app, app.test_client(), index_dir
    yield make
    for app in apps:
        app.extensions["search_index"].close()
    applier_state.stop_spawned()


def metric(client, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", client.get("/metrics").get_data(as_text=True), re.M)
    assert found, name
    return float(found.group(1))


def test_past_the_queue_limit_a_push_is_refused_with_retry_after(app_over):
    _, client, index_dir = app_over(PUSH_QUEUE_LIMIT=3)
    with SnapshotStore(index_dir).writer_lock():  # a rebuild runs: nothing is applied
        for n in range(3):
            assert client.post("/admin/documents", json=story(f"q{n}", f"Queued qfull{n}"),
                               headers=AUTH).status_code == 202
        res = client.post("/admin/documents", json=story("q3", "Refused qfull3"), headers=AUTH)
        assert res.status_code == 429 and res.get_json()["error"]["code"] == "queue_full"
        assert 1 <= int(res.headers["Retry-After"]) <= 60
        assert client.delete("/admin/documents/x", headers=AUTH).status_code == 429
        assert index.PushQueue(index_dir).counts()["pending"] == 3  # nothing queued
        assert metric(client, "search_push_pending_batches") == 3
        time.sleep(0.3)
        assert metric(client, "search_push_oldest_pending_seconds") >= 0.3
    wait_for(lambda: total(client, "qfull0") == 1 and total(client, "qfull2") == 1, 30)
    assert client.post("/admin/documents", json=story("q3", "Accepted qfull3"), headers=AUTH).status_code == 202
    wait_for(lambda: total(client, "qfull3") == 1, 30)


def test_a_burst_is_applied_as_few_snapshots_by_a_process_of_its_own(app_over):
    _, client, index_dir = app_over()
    client.post("/admin/documents", json=story("first", "First burstword"), headers=AUTH)
    wait_for(lambda: total(client, "burstword") == 1, 30)
    state = client.get("/admin/status", headers=AUTH).get_json()["pushes"]["applier"]
    assert state["running"] and state["pid"] != os.getpid()  # not this (the web) process
    before = state["snapshots"]
    with SnapshotStore(index_dir).writer_lock():
        for n in range(30):
            client.post("/admin/documents", json=story(f"b{n}", f"Burst {n} burstword"), headers=AUTH)
    wait_for(lambda: total(client, "burstword&collapse=0") == 31, 30)
    pushes = client.get("/admin/status", headers=AUTH).get_json()["pushes"]
    assert pushes["applier"]["snapshots"] - before <= 2 and pushes["pending"] == 0
    assert metric(client, "search_push_applied_batches_total") == 31
    assert metric(client, "search_push_failed_applies_total") == 0
    assert metric(client, "search_push_applier_up") == 1


def test_the_journal_is_compacted_in_the_background(app_over):
    _, client, index_dir = app_over()
    queue = index.PushQueue(index_dir)
    big = "word " * 80_000  # 400 kB: the three after the first are past 1 MB, when a compaction is due
    for version in ("first", "second", "third", "fourth"):
        client.post("/admin/documents", json=story("same", "Same story compactme", f"{version}draft {big}"),
                    headers=AUTH)
        wait_for(lambda: queue.counts()["pending"] == 0, 30)
    wait_for(lambda: queue.counts()["applied"] == 1, 30)  # no rebuild ran
    assert queue.stats()["applied_bytes"] < 500_000

    def compaction() -> dict:  # the state file is written just after the journal's rename
        status = client.get("/admin/status", headers=AUTH).get_json()["pushes"]
        return status["applier"]["last_compaction"] or {}
    wait_for(lambda: compaction().get("files") == 4, 30)
    index.rebuild(index_dir, [str(DEMO)])  # and what it kept replays as the last version
    hits = client.get("/search?q=compactme").get_json()["results"]
    assert len(hits) == 1 and total(client, "fourthdraft") == 1 and total(client, "thirddraft") == 0


def test_a_killed_applier_is_started_again(app_over):
    _, client, index_dir = app_over()
    client.post("/admin/documents", json=story("a", "Before killwordone"), headers=AUTH)
    wait_for(lambda: total(client, "killwordone") == 1, 30)
    pid = applier_state.read_state(index_dir)["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not applier_state.running(index_dir))
    client.post("/admin/documents", json=story("b", "After killwordtwo"), headers=AUTH)
    wait_for(lambda: total(client, "killwordtwo") == 1, 30)
    assert applier_state.read_state(index_dir)["pid"] != pid


def test_the_applier_ends_with_its_owner(tmp_path):
    index_dir = str(tmp_path / "index")
    index.rebuild(index_dir, [str(DEMO)])
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    proc = subprocess.Popen([sys.executable, "-c", applier_state.RUN, index_dir, "--owner", str(owner.pid)],
                            cwd=applier_state.PROJECT)
    try:
        wait_for(lambda: applier_state.running(index_dir), 30)
        second = subprocess.run([sys.executable, "-c", applier_state.RUN, index_dir], cwd=applier_state.PROJECT,
                                timeout=60)
        assert second.returncode == 0 and proc.poll() is None  # one applier per index dir
        owner.kill()
        owner.wait()
        assert proc.wait(10) == 0
    finally:
        owner.kill()
        proc.kill()


def test_a_pushed_snapshot_is_opened_beside_the_searches(app_over, monkeypatch):
    """With SEARCH_REOPEN_IN_BACKGROUND (the default), the request after a push is answered
    from the snapshot before while the new one opens in a thread; then the new one serves.
    A full rebuild is opened by the first request after it, as before."""
    import threading

    from index.read import live

    app, client, index_dir = app_over()
    before = client.get("/search?q=harbour").headers["X-Index-Snapshot"]
    real, gate, opening = live.LiveIndex._open, threading.Event(), threading.Event()

    def held_open(self, *args, **kwargs):  # the open waits until the test lets it go
        opening.set()
        gate.wait(60)
        return real(self, *args, **kwargs)
    monkeypatch.setattr(live.LiveIndex, "_open", held_open)
    index.update(index_dir, delete_ids=["nothing-such"])  # an incremental change
    after = SnapshotStore(index_dir).current()
    assert after != before
    # answered while the open is held: from the snapshot before (waiting would time out the
    # gate and answer from the new one)
    assert client.get("/search?q=harbour").headers["X-Index-Snapshot"] == before
    assert opening.wait(30) and client.get("/health").get_json()["snapshot"] == before
    gate.set()
    wait_for(lambda: client.get("/search?q=harbour").headers["X-Index-Snapshot"] == after, 30)
    index.rebuild(index_dir, [str(DEMO)])  # a full rebuild: never stale
    rebuilt = SnapshotStore(index_dir).current()
    assert client.get("/search?q=harbour").headers["X-Index-Snapshot"] == rebuilt

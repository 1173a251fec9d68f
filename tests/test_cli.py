"""The admin reindex command: full, incremental, delete, rollback, and its errors."""
from __future__ import annotations

import pytest

from index import SnapshotStore
from tests.conftest import DEMO, TEST_DATA


@pytest.fixture
def cli_app(tmp_path):
    from service import create_app

    app = create_app({"INDEX_DIR": str(tmp_path / "ix"), "CORPUS_PATHS": str(TEST_DATA),
                      "REINDEX_WORKERS": 1, "REOPEN_IN_BACKGROUND": False})  # seen at once
    yield app
    app.extensions["search_index"].close()


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=["reindex", *args])


def test_full_rebuild_prints_the_summary_and_switches(cli_app, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "broken.txt").write_bytes(b"\x00\x01binary")
    result = invoke(cli_app, str(DEMO), str(bad))
    assert result.exit_code == 0, result.output
    assert "articles:   33" in result.output and "quotes:" in result.output
    assert "rejects:    1" in result.output and "binary: 1" in result.output
    assert f"{bad / 'broken.txt'}:1: skipped [binary]" in result.output
    assert "switched to snapshot" in result.output
    store = SnapshotStore(cli_app.config["INDEX_DIR"])
    assert store.current() and store.previous() is None


def test_default_paths_come_from_the_settings(cli_app):
    result = invoke(cli_app)
    assert result.exit_code == 0 and "articles:   3" in result.output


def test_incremental_delete_and_rollback(cli_app):
    client = cli_app.test_client()
    assert invoke(cli_app, str(TEST_DATA)).exit_code == 0
    assert client.get("/search?op=and&q=wind+farm").get_json()["total"] == 0
    result = invoke(cli_app, "--incremental", str(DEMO / "en-01-harbour-wind-farm.txt"))
    assert result.exit_code == 0, result.output
    hits = client.get("/search?op=and&q=wind+farm&kind=article").get_json()
    assert hits["total"] == 1
    assert client.get("/search?q=zephyrine").get_json()["total"] > 0  # kept
    doc_id = hits["results"][0]["id"]
    assert invoke(cli_app, "--incremental", "--delete", doc_id).exit_code == 0
    assert client.get("/search?op=and&q=wind+farm").get_json()["total"] == 0
    result = invoke(cli_app, "--rollback")
    assert result.exit_code == 0 and "rolled back" in result.output
    assert client.get("/search?op=and&q=wind+farm&kind=article").get_json()["total"] == 1


@pytest.mark.parametrize("args, message", [
    (["/no/such/path"], "no such file or directory: /no/such/path"),
    (["--rollback", "x"], "--rollback takes no paths"),
    (["--delete", "abc"], "--delete needs --incremental"),
])
def test_usage_errors(cli_app, args, message):
    result = invoke(cli_app, *args)
    assert result.exit_code == 2 and message in result.output


def test_rollback_without_history_fails_clearly(cli_app):
    assert invoke(cli_app, str(TEST_DATA)).exit_code == 0
    result = invoke(cli_app, "--rollback")
    assert result.exit_code == 1 and "no previous snapshot" in result.output


def test_lock_held_exits_nonzero_with_message(cli_app):
    store = SnapshotStore(cli_app.config["INDEX_DIR"])
    with store.writer_lock():
        result = invoke(cli_app, str(TEST_DATA))
    assert result.exit_code == 75 and "another reindex is running" in result.output


def test_reindex_over_hundreds_of_bad_files_keeps_every_good_one(cli_app, tmp_path):
    import shutil

    mixed = tmp_path / "mixed"
    shutil.copytree(DEMO, mixed / "good")
    bad_kinds = {
        "empty-file": (".txt", b""),
        "binary": (".txt", b"\x7fELF\x02\x01\x01\x00\x00\x00"),
        "encoding": (".txt", "Titre\n\nÉté brûlant à Paris.\n".encode("latin-1")),
        "front-matter": (".txt", b"---\nauthor: Nobody\n"),
        "malformed-json": (".jsonl", b'{"title": "cut'),
        "not-an-object": (".jsonl", b"[1, 2, 3]"),
        "missing-title": (".jsonl", b'{"text": "a body without a title"}'),
    }
    expected = {}
    for i in range(350):
        code, (suffix, payload) = list(bad_kinds.items())[i % len(bad_kinds)]
        folder = mixed / f"bad{i % 9}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"b{i}{suffix}").write_bytes(payload)
        expected[code] = expected.get(code, 0) + 1
    result = invoke(cli_app, str(mixed))
    assert result.exit_code == 0, result.output[-2000:]
    assert "articles:   33" in result.output
    assert f"rejects:    {sum(expected.values())}" in result.output
    for code, n in expected.items():
        assert f"  {code}: {n}" in result.output
    client = cli_app.test_client()
    assert client.get("/health").get_json()["counts"]["article"] == 33


def test_reindex_of_only_bad_files_fails_and_keeps_the_index(cli_app, tmp_path):
    assert invoke(cli_app, str(TEST_DATA)).exit_code == 0
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "bad.txt").write_bytes(b"")
    result = invoke(cli_app, str(tmp_path / "junk"))
    assert result.exit_code == 1 and "no documents were extracted" in result.output
    assert cli_app.test_client().get("/search?q=zephyrine").get_json()["total"] > 0


def test_the_index_writing_phases_are_shown(cli_app):
    """After the documents are read, each step of writing the index is said (issue 26:
    a FakeNewsNet build was silent for 50-75 s there)."""
    result = invoke(cli_app, str(DEMO))
    assert result.exit_code == 0, result.output
    import re

    counts = re.search(r"\((\d+) articles, (\d+) bios, (\d+) quotes\)", result.output)
    written = sum(int(n) for n in counts.groups())  # every document of the new snapshot
    for step in (f"committing {written} documents", "writing posting arrays",
                 "saving near-duplicate groups", "counting documents and switching"):
        assert f"writing the index: {step}" in result.output, step
    assert "done in" in result.output


def test_make_run_gives_each_corpus_its_own_index_folder(tmp_path):
    import os
    import subprocess

    from tests.conftest import ROOT

    def folder(corpus: str) -> str:
        env = {k: v for k, v in os.environ.items() if k != "SEARCH_INDEX_DIR"}
        return subprocess.run(["make", "-s", "--no-print-directory", "index-dir", f"CORPUS={corpus}"],
                              cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
    demo, other = folder("corpus/demo"), folder(str(TEST_DATA))
    assert demo != other and demo == folder(str(DEMO) + "/")
    assert demo.startswith(str(ROOT / "var" / "index" / "demo-"))


def test_bootstrap_never_switches_a_folder_to_another_corpus(tmp_path, monkeypatch, capsys):
    from service import bootstrap

    monkeypatch.setenv("SEARCH_INDEX_DIR", str(tmp_path / "ix"))
    monkeypatch.setenv("SEARCH_REINDEX_WORKERS", "1")
    assert bootstrap.main([str(TEST_DATA)]) == 0  # built
    store = SnapshotStore(tmp_path / "ix")
    built = store.current()
    assert bootstrap.main([str(TEST_DATA)]) == 0 and store.current() == built  # found
    assert bootstrap.main([str(DEMO)]) == 2 and store.current() == built  # refused
    assert "holds the index of" in capsys.readouterr().err

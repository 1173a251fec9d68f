"""Bad input is reported with path, line and reason, counted, and skipped; the rest survives."""
from __future__ import annotations

import gzip
import json

import pytest

from corpus import Article, Summary, extract
from corpus.files import MAX_FILE_BYTES

GOOD = "---\nauthor: Ada Lovelace\ndate: 2023-04-05\n---\nA Good Title\n\nA body that is fine.\n"


def run(paths):
    summary = Summary()
    recs = list(extract([str(p) for p in paths], summary))
    return recs, summary


def problem(summary, code):
    matches = [p for p in summary.problems if p.code == code]
    assert matches, f"no {code} problem in {summary.problems}"
    return matches[0]


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.txt"
    path.write_text(GOOD, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, content, code, line", [
    ("empty.txt", b"", "empty-file", 1),
    ("blank.txt", b"\n\n   \n", "empty-file", 1),
    ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", 1),
    ("latin1.txt", "Title\n\nCaf\u00e9 au lait on line three.\n".encode("latin-1"), "encoding", 3),
    ("front.txt", b"---\nauthor: X\ndate: 2020-01-01\n", "front-matter", 1),
    ("kv.txt", b"---\nthis line has no colon\n---\nTitle\n", "front-matter", 2),
    ("only-front.txt", b"---\nauthor: X\n---\n\n", "empty-file", 4),
])
def test_bad_raw_file_is_reported_and_the_rest_indexes(tmp_path, good, name, content, code, line):
    bad = tmp_path / name
    bad.write_bytes(content)
    recs, summary = run([bad, good])
    assert [r.title for r in recs if isinstance(r, Article)] == ["A Good Title"]
    p = problem(summary, code)
    assert (p.path, p.line, p.skipped) == (str(bad), line, True)
    assert str(bad) in str(p) and f":{line}:" in str(p)
    assert summary.rejects[code] == 1 and summary.articles == 1 and summary.files == 2


def test_giant_file_is_skipped_without_reading_it(tmp_path, good):
    giant = tmp_path / "giant.txt"
    with open(giant, "wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    recs, summary = run([giant, good])
    p = problem(summary, "too-large")
    assert p.path == str(giant) and f"{MAX_FILE_BYTES:,}" in p.reason
    assert summary.articles == 1


def test_jsonl_bad_lines_are_reported_by_line(tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"title": "First", "text": "Body one."}).encode(),
        b'{"title": "broken", "text": ',
        json.dumps(["not", "an", "object"]).encode(),
        json.dumps({"text": "no title here"}).encode(),
        "{\"title\": \"Caf\u00e9\"}".encode("latin-1"),
        b"",
        json.dumps({"title": "Second", "text": "Body two.", "date": "2018-02-31"}).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    recs, summary = run([path])
    assert [r.title for r in recs if isinstance(r, Article)] == ["First", "Second"]
    got = {(p.code, p.line) for p in summary.problems}
    assert got == {("malformed-json", 2), ("not-an-object", 3), ("missing-title", 4),
                   ("encoding", 5), ("invalid-date", 7)}
    assert summary.rejects == {"malformed-json": 1, "not-an-object": 1, "missing-title": 1,
                               "encoding": 1}
    assert summary.warnings == {"invalid-date": 1}  # kept, with the date unknown
    second = next(r for r in recs if isinstance(r, Article) and r.title == "Second")
    assert second.date is None


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    payload = b"".join(json.dumps({"title": f"T{i}", "text": "x " * 200}).encode() + b"\n"
                       for i in range(200))
    data = gzip.compress(payload)
    path.write_bytes(data[: len(data) // 2])
    recs, summary = run([path])
    p = problem(summary, "unreadable")
    assert p.path == str(path) and p.line > 1
    assert 0 < summary.articles < 200


def test_directory_walk_mixes_good_and_bad(tmp_path):
    (tmp_path / "sub").mkdir()
    for i in range(5):
        (tmp_path / "sub" / f"ok{i}.txt").write_text(f"Title {i}\n\nBody {i}.\n", encoding="utf-8")
    (tmp_path / "sub" / "bad.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "README.md").write_text("not an article", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("a,b", encoding="utf-8")
    recs, summary = run([tmp_path, tmp_path / "missing.txt"])
    assert summary.articles == 5 and summary.files == 6
    assert summary.rejects == {"binary": 1, "not-found": 1}


def test_repeated_url_is_one_document(tmp_path):
    path = tmp_path / "dup.jsonl"
    rows = [{"title": "A", "text": "one", "url": "https://www.example.org/a/"},
            {"title": "A again", "text": "two", "url": "http://example.org/a"}]
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    recs, summary = run([path])
    assert [r.title for r in recs if isinstance(r, Article)] == ["A"]
    assert summary.duplicates == 1

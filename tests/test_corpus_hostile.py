"""Hostile corpus folders (issue 15): links out of the corpus, special files, deeply nested
JSON, over-long lines in small gzips and broken gzips are reported with file and line and
skipped; the rest is indexed, and ``python -m corpus`` never ends with a traceback."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tracemalloc

import pytest

from corpus import Article, Summary, extract
from corpus.jsonl import MAX_DEPTH, MAX_LINE_BYTES
from tests.conftest import ROOT

GOOD = '{"id": "g1", "title": "Harbour walrus sighting", "text": "A walrus sat on the quay."}\n'


def run(paths):
    summary = Summary()
    records = list(extract([str(p) for p in paths], summary))
    return [r.title for r in records if isinstance(r, Article)], summary


def problems(summary, code):
    return [p for p in summary.problems if p.code == code]


@pytest.fixture
def corpus_dir(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.jsonl").write_text(GOOD, encoding="utf-8")
    return folder


def test_links_out_of_the_corpus_are_skipped_and_reported(tmp_path, corpus_dir):
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("Payroll of the newsroom\n\nSalaries zanzibarquux.\n", encoding="utf-8")
    secret.chmod(0o600)
    (corpus_dir / "leak.txt").symlink_to(secret)
    (corpus_dir / "folder-link").symlink_to(secret.parent, target_is_directory=True)
    (corpus_dir / "sub").mkdir()
    (corpus_dir / "sub" / "inside.jsonl").symlink_to(corpus_dir / "good.jsonl")
    (corpus_dir / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    titles, summary = run([corpus_dir])
    assert titles == ["Harbour walrus sighting"]  # the link inside the corpus is read (a duplicate)
    assert summary.duplicates == 1
    outside = sorted(str(p) for p in problems(summary, "symlink-outside"))
    assert outside == [f"{corpus_dir / 'broken.txt'}: skipped [symlink-outside]: symbolic link "
                       "to a file outside the corpus paths",
                       f"{corpus_dir / 'folder-link'}: skipped [symlink-outside]: symbolic link "
                       "to a folder outside the corpus paths",
                       f"{corpus_dir / 'leak.txt'}: skipped [symlink-outside]: symbolic link "
                       "to a file outside the corpus paths"]
    assert summary.rejects["symlink-outside"] == 3  # the broken link points outside too
    assert not any("zanzibarquux" in str(p) for p in summary.problems)


def test_a_link_is_fine_when_its_target_is_in_another_corpus_path(tmp_path, corpus_dir):
    other = tmp_path / "other"
    other.mkdir()
    (other / "more.jsonl").write_text(GOOD.replace("g1", "g2").replace("Harbour", "Quay"))
    (corpus_dir / "more.jsonl").symlink_to(other / "more.jsonl")
    titles, summary = run([corpus_dir, other])
    assert sorted(titles) == ["Harbour walrus sighting", "Quay walrus sighting"]
    assert not problems(summary, "symlink-outside")


def test_special_files_are_skipped_without_blocking(corpus_dir):
    os.mkfifo(corpus_dir / "pipe.jsonl")  # opening it would wait for a writer forever
    titles, summary = run([corpus_dir])
    assert titles == ["Harbour walrus sighting"]
    [p] = problems(summary, "special-file")
    assert str(p) == f"{corpus_dir / 'pipe.jsonl'}: skipped [special-file]: not a regular file (FIFO, socket or device)"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 5000, 200_000])
def test_deeply_nested_json_is_reported_with_its_line(corpus_dir, depth):
    nested = '{"id": "d", "title": "Deep", "text": ' + "[" * depth + "]" * depth + "}\n"
    (corpus_dir / "deep.jsonl").write_text(GOOD.replace("g1", "g0") + nested + GOOD.replace("g1", "g3"))
    titles, summary = run([corpus_dir])
    assert len(titles) == 3
    [p] = problems(summary, "too-deep")
    assert (p.path, p.line) == (str(corpus_dir / "deep.jsonl"), 2)


def test_nesting_at_the_limit_is_read(corpus_dir):
    depth = MAX_DEPTH - 1  # the record itself is one level
    nested = '{"id": "d", "title": "Deep enough", "tags": ' + "[" * depth + "]" * depth + "}\n"
    (corpus_dir / "deep.jsonl").write_text(nested)
    titles, summary = run([corpus_dir])
    assert "Deep enough" in titles and not problems(summary, "too-deep")


def test_huge_line_in_a_small_gzip_is_skipped_while_reading(corpus_dir):
    path = corpus_dir / "zeros.jsonl.gz"
    zeros = bytes(1024 * 1024)
    with gzip.open(path, "wb", compresslevel=1) as fh:
        for _ in range(200):
            fh.write(zeros)
        fh.write(b"\n" + GOOD.replace("g1", "g9").encode())
    assert path.stat().st_size < 1024 * 1024
    tracemalloc.start()
    try:
        titles, summary = run([corpus_dir])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(titles) == 2
    [p] = problems(summary, "too-large")
    assert (p.path, p.line) == (str(path), 1) and "209,715,201 bytes" in p.reason
    # The line was never held whole: the peak is the line limit plus a buffer, not 200 MB.
    assert peak < 3 * MAX_LINE_BYTES


def test_truncated_gzip_is_reported_after_its_last_good_line(corpus_dir):
    data = gzip.compress((GOOD * 3).encode() + os.urandom(200_000).hex().encode())
    (corpus_dir / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    titles, summary = run([corpus_dir])
    [p] = problems(summary, "unreadable")
    assert p.path == str(corpus_dir / "cut.jsonl.gz") and p.line == 4


def test_python_m_corpus_reports_a_hostile_folder_without_a_traceback(tmp_path, corpus_dir):
    (corpus_dir / "leak.txt").symlink_to("/etc/hostname")
    os.mkfifo(corpus_dir / "pipe.txt")
    (corpus_dir / "deep.jsonl").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    (corpus_dir / "bad.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    out = subprocess.run([sys.executable, "-m", "corpus", str(corpus_dir), "--workers", "1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert f"{corpus_dir / 'leak.txt'}: skipped [symlink-outside]" in out.stderr
    assert f"{corpus_dir / 'deep.jsonl'}:1: skipped [too-deep]" in out.stderr
    assert f"{corpus_dir / 'pipe.txt'}: skipped [special-file]" in out.stderr
    assert f"{corpus_dir / 'bad.jsonl.gz'}:1: skipped [unreadable]" in out.stderr
    assert "articles:   1" in out.stdout


def test_a_reindex_of_millions_of_rejects_keeps_counts_not_problems(tmp_path):
    """Issue 26: a 183 KB .jsonl.gz of 63M lines of {} drove a reindex past 4 GB (every
    rejected line kept in memory). Now rejects are counted, a sample kept: a million of them
    cost the reindex no memory to speak of."""
    import gzip
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with gzip.open(corpus / "empty.jsonl.gz", "wb") as fh:
        fh.write(b'{"title": "The one real article", "text": "It has a body."}\n')
        for _ in range(100):
            fh.write(b"{}\n" * 10_000)
    script = (
        "import json, sys, index\n"
        "from corpus import Summary\n"
        "s = Summary()\n"
        "r = index.rebuild(sys.argv[1], [sys.argv[2]], s, workers=2)\n"
        "hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM')][0].split()[1]\n"
        "print(json.dumps({'counts': r.counts, 'rejects': dict(s.rejects), 'kept': len(s.problems.kept),\n"
        "                  'peak_mb': int(hwm) / 1024}))\n")  # not ru_maxrss: it keeps the parent's
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "ix"), str(corpus)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.splitlines()[-1])
    assert got["counts"]["article"] == 1 and got["rejects"] == {"missing-title": 1_000_000}
    assert got["kept"] <= 200 and got["peak_mb"] < 180, got  # before: 251 MB, and 135 MB more a million

"""Which files a corpus path holds, and how each one is read.

``iter_files`` walks the corpus paths: directories recursively, symbolic links only to files
inside the corpus paths, special files (FIFOs, devices) never; every entry it skips becomes a
``Problem``. ``read_file`` picks the reader for a file by its name, or by its first bytes:
JSON Lines, raw text (with optional front matter), a web page, a WordPress export or a feed.
Each reader yields drafts and the problems it met, with file and line.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator

from .feed import FEED_SUFFIXES, read_feed
from .jsonl import read_jsonl
from .rawtext import RawTextError, parse_raw_text
from .records import Draft, Problem
from .webpage import HTML_SUFFIXES, read_html
from .wxr import POST_TYPES, is_wxr, read_wxr

RAW_SUFFIXES = (".txt", ".text", ".md")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json.gz")
XML_SUFFIXES = (".xml", ".xml.gz")  # a WordPress export or a feed: sniffed
READ_SUFFIXES = RAW_SUFFIXES + JSONL_SUFFIXES + HTML_SUFFIXES + FEED_SUFFIXES + XML_SUFFIXES
MAX_FILE_BYTES = 20 * 1024 * 1024


def _inside(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _entry_problem(path: str, roots: list[str]) -> Problem | None:
    """Return why a file met in a walk must not be read: a symlink leading outside the
    corpus paths (a link to a private file would be indexed and served), a broken link, or
    a special file (a FIFO or a device would block or never end); None if it is fine."""
    if os.path.islink(path):
        target = os.path.realpath(path)
        if not _inside(target, roots):
            return Problem(path, 0, "symlink-outside", "symbolic link to a file outside the corpus paths")
        if not os.path.exists(target):
            return Problem(path, 0, "not-found", "broken symbolic link")
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return Problem(path, 0, "unreadable", f"cannot read: {exc.strerror or exc}")
    if not stat.S_ISREG(mode):
        return Problem(path, 0, "special-file", "not a regular file (FIFO, socket or device)")
    return None


def iter_files(paths: Iterable[str], problems: list[Problem]) -> Iterator[str]:
    """Yield the readable files named by ``paths``, directories walked recursively.

    Inside a directory, symbolic links are followed only to files within the corpus paths
    (``paths`` themselves are trusted, links or not); links to directories are not walked,
    special files are skipped, and each skipped entry is added to ``problems``.
    """
    paths = list(paths)
    roots = [os.path.realpath(p) for p in paths]
    for path in paths:
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                for name in dirs:
                    full = os.path.join(root, name)
                    if os.path.islink(full) and not name.startswith(".") \
                            and not _inside(os.path.realpath(full), roots):
                        problems.append(Problem(full, 0, "symlink-outside",
                                                        "symbolic link to a folder outside the corpus paths"))
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or name.lower() == "readme.md":
                        continue
                    full = os.path.join(root, name)
                    problem = _entry_problem(full, roots)
                    if problem is not None:
                        problems.append(problem)
                    elif name.lower().endswith(READ_SUFFIXES):
                        yield full
        elif os.path.isfile(path):
            yield path
        elif os.path.exists(path):
            problems.append(Problem(path, 0, "special-file", "not a regular file or folder"))
        else:
            problems.append(Problem(path, 0, "not-found", "no such file or directory"))


def _head(path: str, size: int = 4096) -> bytes:
    if path.endswith(".gz"):
        import gzip
        with gzip.open(path, "rb") as fh:
            return fh.read(size)
    with open(path, "rb") as fh:
        return fh.read(size)


def read_file(path: str, fields: dict[str, tuple[str, ...]] | None = None,
              post_types: tuple[str, ...] = POST_TYPES) -> Iterator[Draft | Problem]:
    """Yield the drafts and problems of one file, read by the reader its name or start
    calls for: JSON Lines, raw text, web page, WordPress export or feed."""
    name = path.lower()
    if name.endswith(JSONL_SUFFIXES):
        return read_jsonl(path, fields)
    if name.endswith(RAW_SUFFIXES):
        return read_raw_file(path)
    if name.endswith(HTML_SUFFIXES):
        return read_html(path)
    if name.endswith(FEED_SUFFIXES):
        return read_feed(path)
    head = _head(path).lstrip()
    if is_wxr(head):
        return read_wxr(path, post_types)
    if name.endswith(XML_SUFFIXES) or head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head):
        return read_feed(path)
    if head.startswith(b"{"):
        return read_jsonl(path, fields)
    if head[:15].lower().startswith((b"<!doctype html", b"<html")):
        return read_html(path)
    return read_raw_file(path)


def read_raw_file(path: str, max_bytes: int = MAX_FILE_BYTES) -> Iterator[Draft | Problem]:
    """Yield the draft of one raw text file, or the Problem that stops it."""
    size = os.path.getsize(path)
    if size == 0:
        yield Problem(path, 1, "empty-file", "empty file")
        return
    if size > max_bytes:
        yield Problem(path, 1, "too-large", f"file of {size:,} bytes is over the {max_bytes:,}-byte limit")
        return
    with open(path, "rb") as fh:
        data = fh.read()
    if b"\x00" in data[:8192]:
        yield Problem(path, 1, "binary", "binary file (NUL bytes), not text")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        yield Problem(path, line, "encoding", f"not valid UTF-8 (byte 0x{data[exc.start]:02x} "
                      f"at offset {exc.start}); convert the file to UTF-8")
        return
    try:
        draft, warnings = parse_raw_text(text.replace("\r\n", "\n").replace("\r", "\n"), path)
    except RawTextError as exc:
        yield Problem(path, exc.line, exc.code, str(exc))
        return
    yield from warnings
    yield draft

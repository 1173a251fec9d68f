"""Read JSON Lines records (plain or gzip) into drafts through a field mapping.

Each target field has a list of source fields tried in order, so common exports read as they
are: FakeNewsNet (``text``, ``authors``, ``publish_date_iso``), BEIR (``_id``, ``title``,
``text``), free-news-demo (``date``, ``authors``, ``lang``) and this project's own
``--jsonl`` output (``kind``, ``body``, ``author``). A dotted source such as
``meta_data.language`` reads a nested field. ``--field title=headline`` on the command line
puts a source first.
"""
from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from typing import Any

from .records import Draft, Problem
from .text import paragraphs, site_name

DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "doc_id"),
    "url": ("url", "canonical_link", "link"),
    "title": ("title", "headline"),
    "dek": ("dek", "subtitle", "subheadline"),
    "body": ("body", "text", "content", "article"),
    "headings": ("headings",),
    "authors": ("authors", "author", "byline"),
    "date": ("date", "publish_date_iso", "published", "publish_date", "pubdate"),
    "tags": ("tags", "keywords", "categories"),
    "lang": ("lang", "language"),
}
MAX_LINE_BYTES = 10 * 1024 * 1024
# Deepest nesting of arrays and objects in a record. Real exports nest 2-4 levels; a deeper
# line is skipped (Python's JSON parser and the code after it recurse, and a line of
# thousands of "[" stopped every reindex with a RecursionError).
MAX_DEPTH = 32
_DRAIN_BYTES = 1024 * 1024


def _get(record: dict[str, Any], source: str) -> Any:
    if "." not in source:  # most fields: one look-up (a reindex does ~30 a line)
        return record.get(source)
    value: Any = record
    for part in source.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _first(record: dict[str, Any], sources: tuple[str, ...]) -> Any:
    for source in sources:
        value = record.get(source) if "." not in source else _get(record, source)
        if value is not None and value != "" and value != []:
            return value
    return None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n\n".join(str(v) for v in value if v is not None)
    return "" if value is None else str(value)


def _tags(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if isinstance(v, (str, int)) and str(v).strip()]


def _untitled(record: dict[str, Any], fields: dict[str, tuple[str, ...]]) -> bool:
    """Return True for an article record without a title (``build`` refuses it): told
    here, a file of millions of such lines costs no draft, no worker and no build."""
    kind = record.get("kind")
    if isinstance(kind, str) and kind != "article":
        return False
    return not _text(_first(record, fields["title"])).split()


def record_to_draft(record: dict[str, Any], source: str,
                    fields: dict[str, tuple[str, ...]]) -> Draft:
    """Map one JSON object to a Draft through ``fields``."""
    headings = _first(record, fields["headings"])
    given = _first(record, fields["id"])
    url = _first(record, fields["url"])
    kind = record["kind"] if isinstance(record.get("kind"), str) else "article"
    return Draft(
        source=source,
        kind=kind,
        record=record if kind == "bio" else None,
        title=" ".join(_text(_first(record, fields["title"])).split()),
        dek=" ".join(_text(_first(record, fields["dek"])).split()),
        headings=[str(h) for h in headings] if isinstance(headings, list) else [],
        paragraphs=paragraphs(_text(_first(record, fields["body"]))),
        url=(str(url).strip() or None) if url else None,
        given_id=str(given) if given is not None else None,
        authors=_first(record, fields["authors"]) or "",
        date=_first(record, fields["date"]),
        tags=_tags(_first(record, fields["tags"])),
        lang=str(_first(record, fields["lang"]) or "").lower()[:8],
        site=site_name(record.get("site")),
    )


def json_depth(value: Any) -> int:
    """Return how deeply arrays and objects nest in ``value`` (without recursing).

    >>> json_depth({"a": [1, {"b": []}]}), json_depth("text")
    (4, 0)
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _lines(fh, max_line_bytes: int) -> Iterator[bytes | int]:
    """Yield each line of ``fh``, or the byte length of a line over ``max_line_bytes``: the
    limit is kept while reading (a 200 MB line of a tiny gzip costs one buffer, not 200 MB)."""
    while True:
        raw = fh.readline(max_line_bytes + 1)
        if not raw:
            return
        if len(raw) <= max_line_bytes or raw.endswith(b"\n"):
            yield raw
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):  # skip the rest of the line a buffer at a time
            raw = fh.readline(_DRAIN_BYTES)
            if not raw:
                break
            size += len(raw)
        yield size


def _parse(text: str, path: str, line_no: int) -> dict[str, Any] | Problem:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        return Problem(path, line_no, "malformed-json", f"malformed JSON: {exc.msg} at column {exc.colno}")
    except RecursionError:
        record = None
    # Each level of nesting opens with a bracket written in the line: a line with no more
    # brackets than the limit (97 % of FakeNewsNet's) cannot nest deeper, so is not walked.
    if record is None or text.count("[") + text.count("{") > MAX_DEPTH and json_depth(record) > MAX_DEPTH:
        return Problem(path, line_no, "too-deep", f"JSON nested deeper than {MAX_DEPTH} levels")
    if not isinstance(record, dict):
        return Problem(path, line_no, "not-an-object", f"JSON {type(record).__name__}, not an object")
    return record


def read_jsonl(path: str, fields: dict[str, tuple[str, ...]] | None = None,
               max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Draft | Problem]:
    """Yield a draft per good line of ``path`` and a Problem per bad one."""
    fields = {**DEFAULT_FIELDS, **(fields or {})}
    opener = gzip.open if path.endswith(".gz") else open
    line_no = 0
    try:
        with opener(path, "rb") as fh:
            for line_no, raw in enumerate(_lines(fh, max_line_bytes), start=1):
                if isinstance(raw, int):
                    yield Problem(path, line_no, "too-large", f"line of {raw:,} bytes is over the "
                                  f"{max_line_bytes:,}-byte limit")
                    continue
                if not raw.strip():
                    continue
                if b"\x00" in raw:
                    yield Problem(path, line_no, "binary", "binary data (NUL byte) in line")
                    continue
                try:
                    text = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    yield Problem(path, line_no, "encoding", f"not valid UTF-8 (byte {exc.start} of the line)")
                    continue
                record = _parse(text, path, line_no)
                if isinstance(record, Problem):
                    yield record
                    continue
                if _untitled(record, fields):  # as build() would say, without a draft
                    yield Problem(path, line_no, "missing-title", "missing title")
                    continue
                yield record_to_draft(record, f"{path}:{line_no}", fields)
    except (OSError, EOFError, zlib.error) as exc:
        yield Problem(path, line_no + 1, "unreadable", f"unreadable after line {line_no}: {exc}")

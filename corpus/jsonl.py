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
from .text import paragraphs

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


def _get(record: dict[str, Any], source: str) -> Any:
    value: Any = record
    for part in source.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _first(record: dict[str, Any], sources: tuple[str, ...]) -> Any:
    for source in sources:
        value = _get(record, source)
        if value not in (None, "", []):
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


def record_to_draft(record: dict[str, Any], source: str,
                    fields: dict[str, tuple[str, ...]]) -> Draft:
    """Map one JSON object to a Draft through ``fields``."""
    headings = _first(record, fields["headings"])
    given = _first(record, fields["id"])
    url = _first(record, fields["url"])
    return Draft(
        source=source,
        kind=record["kind"] if isinstance(record.get("kind"), str) else "article",
        record=record,
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
    )


def read_jsonl(path: str, fields: dict[str, tuple[str, ...]] | None = None,
               max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Draft | Problem]:
    """Yield a draft per good line of ``path`` and a Problem per bad one."""
    fields = {**DEFAULT_FIELDS, **(fields or {})}
    opener = gzip.open if path.endswith(".gz") else open
    line_no = 0
    try:
        with opener(path, "rb") as fh:
            for line_no, raw in enumerate(fh, start=1):
                if len(raw) > max_line_bytes:
                    yield Problem(path, line_no, "too-large", f"line of {len(raw):,} bytes is over the "
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
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield Problem(path, line_no, "malformed-json", f"malformed JSON: {exc.msg} at column {exc.colno}")
                    continue
                if not isinstance(record, dict):
                    yield Problem(path, line_no, "not-an-object", f"JSON {type(record).__name__}, not an object")
                    continue
                yield record_to_draft(record, f"{path}:{line_no}", fields)
    except (OSError, EOFError, zlib.error) as exc:
        yield Problem(path, line_no + 1, "unreadable", f"unreadable after line {line_no}: {exc}")

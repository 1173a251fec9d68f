"""Documents given as JSON objects (a push over the admin API), not as files.

The same mapping as JSON Lines files (``corpus.jsonl``: FakeNewsNet, BEIR, our own
``--jsonl`` output, ``{"title", "body", "url", "author", "date", ...}``) and the same
per-document extraction (``corpus.build``: bios, quotes, language), so a pushed article is
indexed exactly as the same article read from a file would be.

``identify_objects`` is the cheap half, for the push request itself: which article or bio
each object gives (its id, kind and title) and which objects are unusable, with the same
checks as ``build`` but without language detection or quotation finding, which the push
applier does later, away from the request.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dataclasses import dataclass

from .build import MAX_TITLE_CHARS, MAX_URL_CHARS, bio_id, build
from .jsonl import DEFAULT_FIELDS, record_to_draft
from .text import document_id
from .lang import detect_language
from .records import Problem, Record


def extract_objects(objects: Sequence[Any], sources: Sequence[str]) -> tuple[list[Record], list[Problem]]:
    """Return the records of ``objects`` (each with its source label) and their problems."""
    records: list[Record] = []
    problems: list[Problem] = []
    for obj, source in zip(objects, sources):
        path, _, line = source.rpartition(":")
        if not isinstance(obj, dict):
            problems.append(Problem(path, int(line or 0), "not-an-object",
                                    f"JSON {type(obj).__name__}, not an object"))
            continue
        built = build(record_to_draft(obj, source, DEFAULT_FIELDS))
        problems += [p for p in built.problems if p.skipped]
        if built.article is not None:
            records.append(built.article)
            records += built.quotes
        for bio in built.bios:
            bio.lang = bio.lang or detect_language(bio.text)
            records.append(bio)
    return records, problems


@dataclass(frozen=True, slots=True)
class Head:
    """The article or bio an object gives: what a push answers with."""

    source: str
    id: str
    kind: str
    title: str


def identify_objects(objects: Sequence[Any], sources: Sequence[str]) -> tuple[list[Head], list[Problem]]:
    """Return the article or bio each object gives and the problems that make one unusable
    (those ``extract_objects`` would report as skipped), without extracting the text."""
    heads: list[Head] = []
    problems: list[Problem] = []
    for obj, source in zip(objects, sources):
        path, _, line = source.rpartition(":")
        where = (path, int(line or 0))
        if not isinstance(obj, dict):
            problems.append(Problem(*where, "not-an-object", f"JSON {type(obj).__name__}, not an object"))
            continue
        draft = record_to_draft(obj, source, DEFAULT_FIELDS)
        if draft.kind == "bio":
            author, text = obj.get("author"), obj.get("text")
            if not isinstance(author, str) or not author.strip() or not isinstance(text, str):
                problems.append(Problem(*where, "bad-bio", "bio record needs 'author' and 'text'"))
            else:
                heads.append(Head(source, bio_id(author.strip()), "bio", author.strip()))
            continue
        if draft.kind == "quote":
            problems.append(Problem(*where, "unsupported-kind", "quote records are rebuilt from their article"))
            continue
        title = draft.title[:MAX_TITLE_CHARS]
        if not title:
            problems.append(Problem(*where, "missing-title", "missing title"))
            continue
        if draft.url and len(draft.url) > MAX_URL_CHARS:
            problems.append(Problem(*where, "url-too-long", f"url of {len(draft.url):,} "
                                    f"characters (at most {MAX_URL_CHARS:,})"))
            continue
        body = "\n\n".join(draft.paragraphs)
        heads.append(Head(source, document_id(draft.url, draft.given_id, title, body), "article", title))
    return heads, problems

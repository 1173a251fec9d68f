"""Documents given as JSON objects (a push over the admin API), not as files.

The same mapping as JSON Lines files (``corpus.jsonl``: FakeNewsNet, BEIR, our own
``--jsonl`` output, ``{"title", "body", "url", "author", "date", ...}``) and the same
per-document extraction (``corpus.build``: bios, quotes, language), so a pushed article is
indexed exactly as the same article read from a file would be.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .build import build
from .jsonl import DEFAULT_FIELDS, record_to_draft
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

"""Read raw text articles: optional front matter, title, dek, headings, paragraphs, bio block.

The form is the one blog exports and copy-pasted articles take (see
``shared/data/samples``)::

    ---                         optional front matter: url, author, date, tags, lang, id
    url: https://example.org/a
    ---
    Title line

    Dek: one line without final punctuation

    Paragraphs, separated by blank lines.

    A Short Heading Without Final Punctuation

    About NAME (N Articles)
    The author's bio, to the end of the file.
    %d bloggers like this:      (boilerplate, dropped)

The reader returns a ``Draft`` that ``corpus.build`` turns into records.
"""
from __future__ import annotations

import re

from .records import BioBlock, Draft, Problem
from .text import clean_line, is_boilerplate

FRONT_MATTER_KEYS = {"url", "author", "authors", "date", "tags", "lang", "id", "title"}
_BIO = re.compile(r"^About (?P<name>.{2,80}?) \((?P<count>\d[\d,.]*) (?:Articles?|Posts?)\)\s*$",
                  re.IGNORECASE)
_TERMINAL = tuple(".!?,;:\"”“»…)")
HEADING_MAX_WORDS = 14
DEK_MAX_WORDS = 40


class RawTextError(ValueError):
    """A raw text file that cannot be read as an article; carries the line number."""

    def __init__(self, line: int, code: str, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.code = code


def _blocks(lines: list[str], first_line: int) -> list[tuple[int, list[str]]]:
    """Group ``lines`` into blank-line separated blocks, each with its 1-based line number."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = first_line
    for offset, raw in enumerate(lines):
        line = clean_line(raw)
        if not line:
            if current:
                blocks.append((start, current))
                current = []
            continue
        if is_boilerplate(line):
            continue
        if not current:
            start = first_line + offset
        current.append(line)
    if current:
        blocks.append((start, current))
    return blocks


def _front_matter(lines: list[str], path: str, problems: list[Problem]) -> tuple[dict, int]:
    """Parse a leading ``---`` block; return (fields, index of the first body line)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    fields: dict[str, str] = {}
    for i in range(1, len(lines)):
        line = lines[i].strip()
        if line == "---":
            return fields, i + 1
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep:
            raise RawTextError(i + 1, "front-matter", f"front matter line is not 'key: value': {line[:60]!r}")
        if key not in FRONT_MATTER_KEYS:
            problems.append(Problem(path, i + 1, "front-matter", f"unknown front matter key {key!r} ignored", False))
            continue
        fields[key] = value.strip().strip("\"'")
    raise RawTextError(1, "front-matter", "front matter opened with '---' is never closed")


def _is_heading(lines: list[str]) -> bool:
    text = lines[0]
    return (len(lines) == 1 and len(text.split()) <= HEADING_MAX_WORDS and len(text) <= 120
            and text[:1].isupper() and not text.endswith(_TERMINAL))


def parse_raw_text(text: str, path: str) -> tuple[Draft, list[Problem]]:
    """Return (draft, warnings) for one raw text article; raise RawTextError if unusable."""
    problems: list[Problem] = []
    lines = text.split("\n")
    meta, body_start = _front_matter(lines, path, problems)
    blocks = _blocks(lines[body_start:], body_start + 1)
    if not blocks and not meta.get("title"):
        raise RawTextError(body_start + 1, "empty-file", "no text after the front matter" if meta else "empty file")
    title = meta.get("title", "")
    if not title:
        line_no, first = blocks.pop(0)
        title = first[0]
        if first[1:]:
            blocks.insert(0, (line_no + 1, first[1:]))
    bio = None
    for i, (line_no, block) in enumerate(blocks):
        m = _BIO.match(block[0])
        if m:
            rest = block[1:] + [" ".join(b) for _, b in blocks[i + 1:]]
            count = int(re.sub(r"\D", "", m.group("count")))
            bio = BioBlock(m.group("name").strip(), " ".join(rest), count)
            blocks = blocks[:i]
            break
    dek = ""
    if len(blocks) > 1 and len(blocks[0][1]) == 1:
        candidate = blocks[0][1][0]
        if len(candidate.split()) <= DEK_MAX_WORDS and not candidate.endswith(_TERMINAL):
            dek = candidate
            blocks = blocks[1:]
    headings: list[str] = []
    body: list[str] = []
    for i, (_, block) in enumerate(blocks):
        if i < len(blocks) - 1 and _is_heading(block):
            headings.append(block[0])
        else:
            body.append(" ".join(block))
    draft = Draft(
        source=f"{path}:{body_start + 1}", title=title, paragraphs=body, dek=dek,
        headings=headings, url=meta.get("url") or None, given_id=meta.get("id") or None,
        authors=meta.get("authors") or meta.get("author") or "", date=meta.get("date") or None,
        tags=[t.strip() for t in meta.get("tags", "").split(",") if t.strip()],
        lang=meta.get("lang", "").lower(), bios=[bio] if bio else [],
    )
    return draft, problems

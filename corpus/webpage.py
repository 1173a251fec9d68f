"""Read saved web pages (``.html``/``.htm``, plain or ``.gz``) into drafts with trafilatura.

``read_html`` only reads the file; ``page_to_draft`` (called by ``corpus.build``, so in the
worker processes) does the extraction, which is the slow part.

trafilatura finds the article in the page (text, title, authors, date, canonical url,
description) and leaves navigation, comments and related-story boxes out. It is called
with ``favor_precision``: on the html-articles development set that moves article-text F1
from 0.965 (defaults) to 0.975 (see ``bench/html_extract.py``). What it keeps is then
cleaned like every other input (``corpus.text.paragraphs``: platform boilerplate such as
"Advertisement" or "Share this:" lines), headings are kept apart from paragraphs, and the
existing extraction finds bios and quotes in the text. A page with no article (an index
page, a login form, an error page) is reported as ``no-article`` and skipped.
"""
from __future__ import annotations

import gzip
import logging
import os
import re
import zlib
from collections.abc import Iterator

from .markup import strip_shortcodes
from .records import Draft, Problem
from .text import clean_line, paragraphs

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
MAX_PAGE_BYTES = 20 * 1024 * 1024
MIN_ARTICLE_WORDS = 20  # below this, what trafilatura found is a teaser or a form, not an article
EXTRACT_OPTIONS = {"include_comments": False, "favor_precision": True, "with_metadata": True,
                   "include_tables": True, "deduplicate": False}

# What pages put after the article and trafilatura sometimes keeps: calls to subscribe or
# comment, tip lines, lone widget labels. Dropped only at the end of the article's text.
_TRAILER = re.compile(r"""^(?:
      (?:get|sign\ up\ for|subscribe\ to)\b.{0,80}\b(?:newsletters?|inbox|delivered|issues)\b.*
    | have\ a\ (?:news\ )?tip\?.*
    | tell\ us\ what\ you\ think.*
    | (?:\d+\ )?comments?|share|print|email|tweet|advertisement|related(?:\ articles|\ stories)?
    )$""", re.IGNORECASE | re.VERBOSE)

# trafilatura logs every page it finds nothing in at WARNING; we report those ourselves.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


def read_page_bytes(path: str, max_bytes: int = MAX_PAGE_BYTES) -> bytes:
    """Return the bytes of a page, gunzipped if the name ends in ``.gz`` (size-limited)."""
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    else:
        if os.path.getsize(path) > max_bytes:
            raise ValueError(f"page of {os.path.getsize(path):,} bytes is over the {max_bytes:,}-byte limit")
        with open(path, "rb") as fh:
            data = fh.read()
    if len(data) > max_bytes:
        raise ValueError(f"page is over the {max_bytes:,}-byte limit")
    return data


def article_blocks(data: bytes | str, url: str | None = None) -> tuple[object, list[tuple[str, bool]]]:
    """Return trafilatura's document for a page (None if it found nothing) and the article's
    text as cleaned blocks in page order, each (text, is_heading)."""
    import trafilatura  # imported on first use: it costs ~0.5 s, and most runs read no HTML

    doc = trafilatura.bare_extraction(data, url=url, **EXTRACT_OPTIONS)
    body = getattr(doc, "body", None)
    if body is None:
        return doc, []
    blocks: list[tuple[str, bool]] = []
    for element in body:
        is_heading = element.tag == "head"
        for text in paragraphs(strip_shortcodes("\n\n".join(_lines(element)))):
            blocks.append((text, is_heading))
        for text in paragraphs(element.tail or ""):  # text after a heading, outside any <p>
            blocks.append((text, False))
    while blocks and _TRAILER.match(blocks[-1][0]):
        blocks.pop()
    return doc, blocks


def _lines(element) -> list[str]:
    """Return the text of one top-level element of trafilatura's XML (not its tail): one line
    per list item or table row, the element's own text as one line otherwise."""
    for lb in element.iter("lb"):  # a line break inside a paragraph separates words
        lb.tail = "\n" + (lb.tail or "")
    if element.tag == "table":
        rows = [" | ".join(" ".join("".join(c.itertext()).split()) for c in row)
                for row in element.iter("row")]
        return [r for r in rows if r.strip(" |")]
    if element.tag == "list":
        items = [" ".join("".join(item.itertext()).split()) for item in element.findall("item")]
        return [i for i in items if i]
    return ["".join(element.itertext())]  # itertext leaves out the element's own tail


def page_to_draft(data: bytes | str, source: str, url: str | None = None) -> Draft | Problem:
    """Return the draft of the article in one page, or the Problem that skips it."""
    path, _, line = source.rpartition(":") if source.rpartition(":")[2].isdigit() else (source, "", "0")
    try:
        doc, blocks = article_blocks(data, url)
    except Exception as exc:  # noqa: BLE001 - a page no parser makes sense of never stops a run
        return Problem(path, int(line), "unparsable-page", f"cannot parse the page: {exc!r:.200}")
    words = sum(len(text.split()) for text, _ in blocks)
    if words < MIN_ARTICLE_WORDS:
        return Problem(path, int(line), "no-article", f"no article text found in the page ({words} words)")
    paras = [text for text, heading in blocks if not heading]
    title = clean_line(doc.title or "") or (paras[0][:120] if paras else "")
    headings = [text for text, heading in blocks if heading and text != title]
    description = clean_line(doc.description or "")
    dek = description if description and description[:60] not in " ".join(paras[:2]) else ""
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    tags = [tag.strip() for field in [*(doc.categories or []), *(doc.tags or [])]
            for tag in field.split(",") if tag.strip()][:20]
    return Draft(source=source, title=title, paragraphs=paras, dek=dek, headings=headings,
                 url=url or doc.url or None, authors=authors, date=doc.date or None,
                 tags=list(dict.fromkeys(tags)), lang=(doc.language or "").lower()[:8])


def read_html(path: str, max_bytes: int = MAX_PAGE_BYTES) -> Iterator[Draft | Problem]:
    """Yield the draft of the page at ``path``, or the Problem that skips it."""
    try:
        data = read_page_bytes(path, max_bytes)
    except ValueError as exc:
        yield Problem(path, 1, "too-large", str(exc))
        return
    except (OSError, EOFError, zlib.error) as exc:
        yield Problem(path, 1, "unreadable", f"unreadable page: {exc}")
        return
    if not data.strip():
        yield Problem(path, 1, "empty-file", "empty file")
        return
    if b"\x00" in data[:8192]:
        yield Problem(path, 1, "binary", "binary file (NUL bytes), not a web page")
        return
    yield Draft(source=f"{path}:1", title="", page=data)  # extracted by corpus.build, in a worker

"""Read RSS and Atom feeds (``.rss``, ``.atom``, or ``.xml`` that is not a WordPress export).

feedparser reads every feed dialect (RSS 0.9x/1.0/2.0, Atom 0.3/1.0), is given the file's
bytes (it never fetches anything) and sanitises the entries' HTML. Each entry gives a
draft: its full content (``content:encoded``, Atom ``content``) where the feed has it, else
its summary, and then the article is marked ``excerpt`` (the search shows it, but it is
not the whole article). Titles, authors, tags, the entry's link, its id and its date are
kept; the feed's language is the entries' language unless they say otherwise.
"""
from __future__ import annotations

import gzip
import re
from collections.abc import Iterator

from .markup import inline_text, to_text
from .records import Draft, Problem
from .text import site_name

FEED_SUFFIXES = (".rss", ".atom", ".rss.gz", ".atom.gz")
MAX_FEED_BYTES = 50 * 1024 * 1024
_ENTRY = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>/]")


def _date(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return f"{value.tm_year:04d}-{value.tm_mon:02d}-{value.tm_mday:02d}"
    return None


def _body(entry) -> tuple[str, bool]:
    """Return (HTML or text of the entry's article, True when it is only a summary)."""
    contents = [c.get("value", "") for c in entry.get("content") or [] if c.get("value")]
    if contents:
        return max(contents, key=len), False
    return entry.get("summary", "") or "", True


def _authors(entry) -> list[str]:
    names = [inline_text(a.get("name", "")) for a in entry.get("authors") or [] if a.get("name")]
    if not names and entry.get("author"):
        names = [inline_text(entry["author"])]
    return [n for n in names if n]


def read_feed(path: str, max_bytes: int = MAX_FEED_BYTES) -> Iterator[Draft | Problem]:
    """Yield a draft per entry of the feed at ``path``, and a Problem per bad one."""
    import feedparser  # imported on first use: most runs read no feeds

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        yield Problem(path, 1, "too-large", f"feed is over the {max_bytes:,}-byte limit")
        return
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.entries:
        reason = f"not a feed: {parsed.get('bozo_exception')}" if parsed.get("bozo") else "feed has no entries"
        yield Problem(path, 1, "malformed-feed" if parsed.get("bozo") else "empty-file", reason)
        return
    if parsed.get("bozo"):  # feedparser read it anyway, with its lenient parser
        yield Problem(path, 1, "malformed-feed", f"malformed feed read leniently: "
                      f"{parsed.get('bozo_exception')}", skipped=False)
    lines = [data.count(b"\n", 0, m.start()) + 1 for m in _ENTRY.finditer(data)]
    feed_lang = str(parsed.feed.get("language", "") or "").lower()[:2]
    for n, entry in enumerate(parsed.entries):
        line = lines[n] if n < len(lines) else 0
        html, excerpt = _body(entry)
        headings, paragraphs = to_text(html)
        title = inline_text(entry.get("title", ""))
        if not title and not paragraphs:
            yield Problem(path, line, "missing-title", "feed entry with neither title nor text")
            continue
        tags = [inline_text(t.get("term", "")) for t in entry.get("tags") or []]
        yield Draft(
            source=f"{path}:{line}", title=title, paragraphs=paragraphs, headings=headings,
            url=(entry.get("link") or "").strip() or None, given_id=entry.get("id") or None,
            authors=_authors(entry), date=_date(entry), tags=list(dict.fromkeys(t for t in tags if t)),
            lang=str(entry.get("language", "") or feed_lang).lower()[:2], excerpt=excerpt,
            site=site_name(parsed.feed.get("link")),
        )

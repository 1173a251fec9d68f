"""Read WordPress exports (WXR: the ``.xml`` file of Tools → Export) into drafts.

Only what the public site shows is read: items of the asked post types (posts by default;
pages when the operator asks) whose status is ``publish`` and that have no password. Drafts,
scheduled (``future``), pending, private and password-protected posts, attachments, menu
items, navigation and templates are counted as skipped, never indexed. Each post gives its
permalink, the authors' display names (``dc:creator`` is a login, mapped through the
export's ``wp:author`` entries), categories and tags, the publication date, and its body as
text (see ``corpus.markup``: block comments, shortcodes and HTML removed). An author's
``wp:author_description``, where the export has one, becomes that author's bio.

The WXR namespace differs between WordPress versions (``http`` or ``https``, export/1.0 to
1.2), so elements are matched by local name. The file is parsed incrementally, each item
freed once read, without network access or entity expansion.
"""
from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterator

from lxml import etree

from .markup import inline_text, to_text
from .records import BioBlock, Draft, Problem
from .text import site_name

POST_TYPES = ("post",)
SKIPPED_CATEGORIES = {"uncategorized"}
TITLE_WORDS = 12  # an untitled post is titled by the start of its text, as WordPress feeds do


def is_wxr(head: bytes) -> bool:
    """Return True if ``head`` (the start of a file) looks like a WordPress export."""
    return b"<rss" in head and b"wordpress.org/export/" in head


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _fields(item) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Return an item's single-valued children by local name (``wp:``/``dc:``/``content:``
    prefixes kept apart by namespace) and its (domain, name) categories."""
    fields: dict[str, str] = {}
    categories: list[tuple[str, str]] = []
    for child in item:
        name = _local(child.tag)
        if not name:
            continue
        ns = etree.QName(child.tag).namespace or ""
        if name == "category":
            categories.append((child.get("domain", "category"), (child.text or "").strip()))
            continue
        prefix = "excerpt:" if "excerpt" in ns else "content:" if "content" in ns else \
            "dc:" if "purl.org/dc" in ns else "wp:" if "wordpress.org" in ns else ""
        fields.setdefault(prefix + name, child.text or "")
    return fields, categories


def _authors(root_children) -> dict[str, tuple[str, str]]:
    """Map author logins to (display name, description) from the channel's ``wp:author``."""
    out: dict[str, tuple[str, str]] = {}
    for el in root_children:
        fields = {_local(c.tag): (c.text or "").strip() for c in el}
        login = fields.get("author_login", "")
        name = html.unescape(fields.get("author_display_name", "")) or login
        if login:
            out[login] = (inline_text(name) or login, inline_text(fields.get("author_description", "")))
    return out


def _title(raw: str, paragraphs: list[str], slug: str) -> str:
    title = inline_text(html.unescape(raw))
    if title:
        return title
    words = " ".join(paragraphs).split()
    if words:
        return " ".join(words[:TITLE_WORDS]) + (" …" if len(words) > TITLE_WORDS else "")
    return slug.replace("-", " ").strip()


def read_wxr(path: str, post_types: tuple[str, ...] = POST_TYPES) -> Iterator[Draft | Problem]:
    """Yield a draft per published post of the export at ``path``, and a Problem per skip."""
    authors: dict[str, tuple[str, str]] = {}
    author_elements = []
    skipped: Counter[str] = Counter()
    site_lang = ""
    site = ""  # the blog's address (wp:base_blog_url, else the channel's link)
    parser_args = {"resolve_entities": False, "no_network": True, "huge_tree": False}
    try:
        for _, el in etree.iterparse(path, events=("end",), **parser_args):
            name = _local(el.tag)
            if name == "language" and _local(el.getparent().tag) == "channel":
                site_lang = (el.text or "").strip().lower()[:2]  # the blog's: "en-US" → en
                continue
            if name == "author" and "wordpress.org" in (etree.QName(el.tag).namespace or ""):
                author_elements.append(el)
                continue
            if name in ("base_blog_url", "link") and el.getparent() is not None \
                    and _local(el.getparent().tag) == "channel":
                site = site_name(el.text or "") if name == "base_blog_url" or not site else site
                continue
            if name != "item":
                continue
            if author_elements:
                authors.update(_authors(author_elements))
                author_elements = []
            line = el.sourceline or 0
            item = _draft(el, f"{path}:{line}", authors, post_types, skipped)
            el.clear(keep_tail=True)
            while el.getprevious() is not None:  # free what was read
                del el.getparent()[0]
            if isinstance(item, Draft):
                item.site_lang = site_lang
                item.site = site
            if item is not None:
                yield item
    except etree.XMLSyntaxError as exc:
        yield Problem(path, exc.lineno or 0, "malformed-xml", f"malformed XML: {exc.msg}")
    if skipped:
        detail = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items()))
        yield Problem(path, 0, "not-a-post", f"WordPress items not indexed: {detail}", skipped=False)


def _draft(item, source: str, authors: dict[str, tuple[str, str]],
           post_types: tuple[str, ...], skipped: Counter[str]) -> Draft | Problem | None:
    """Return the draft of a public item, a Problem for a post that is not public, or None
    for an item of another type (attachments, menu items: counted in ``skipped``)."""
    fields, categories = _fields(item)
    post_type = fields.get("wp:post_type", "").strip() or "post"
    status = fields.get("wp:status", "").strip()
    post_id = fields.get("wp:post_id", "").strip()
    if post_type not in post_types:
        skipped[post_type] += 1
        return None
    path, _, line = source.rpartition(":")
    private = f"{status or 'unknown-status'}" if status != "publish" else \
        "password-protected" if fields.get("wp:post_password", "").strip() else ""
    if private:
        return Problem(path, int(line), "not-public", f"{private} {post_type} {post_id} "
                       f"{inline_text(html.unescape(fields.get('title', '')))[:60]!r} is not public")
    headings, paragraphs = to_text(fields.get("content:encoded", ""))
    login = fields.get("dc:creator", "").strip().strip("<>").strip()  # real exports have ">login"
    name, description = authors.get(login, (login, ""))
    date = fields.get("wp:post_date_gmt", "").strip()
    if not date or date.startswith("0000"):
        date = fields.get("wp:post_date", "").strip()
    tags: dict[str, str] = {}  # casefolded -> as first written (a category and a tag may repeat)
    for domain, value in categories:
        value = inline_text(html.unescape(value))
        if domain in ("category", "post_tag") and value and value.casefold() not in SKIPPED_CATEGORIES:
            tags.setdefault(value.casefold(), value)
    return Draft(
        source=source, title=_title(fields.get("title", ""), paragraphs,
                                             fields.get("wp:post_name", "") or post_id),
        paragraphs=paragraphs, headings=headings, url=fields.get("link", "").strip() or None,
        given_id=f"wp-{post_id}" if post_id else None, authors=[name] if name else [],
        date=date or None, tags=list(tags.values()),
        bios=[BioBlock(name, description)] if name and description else [],
    )

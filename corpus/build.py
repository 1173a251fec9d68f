"""Turn drafts from the readers into records: Article, its Quotes, and Bio candidates.

This is the per-document work (cleaning, language detection, quotation finding) and runs in
worker processes, so it takes and returns only picklable values and keeps no state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from .authors import clean_authors, placeholder
from .lang import detect_language
from .quotes import find_quotes
from .records import Article, Bio, Draft, Problem, Quote
from .text import document_id, parse_date, slug
from .webpage import page_to_draft

MAX_TITLE_CHARS = 1000
MAX_URL_CHARS = 8192                 # longer: the document is refused (every hit returns its url)
MAX_TAGS, MAX_TAG_CHARS = 100, 100   # more, or longer: cut, with a warning


@dataclass(slots=True)
class Built:
    """What one draft produced."""

    article: Article | None = None
    quotes: list[Quote] = field(default_factory=list)
    bios: list[Bio] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _where(source: str) -> tuple[str, int]:
    path, _, line = source.rpartition(":")
    return (path, int(line)) if line.isdigit() else (source, 0)


def bio_id(author: str) -> str:
    """Return the id of ``author``'s bio document."""
    return "bio-" + slug(author)


def build(draft: Draft) -> Built:
    """Build the records of one draft; a draft that cannot be an article gives a Problem."""
    out = Built()
    path, line = _where(draft.source)
    if draft.page is not None:
        found = page_to_draft(draft.page, draft.source)
        if isinstance(found, Problem):
            out.problems.append(found)
            return out
        found.site = draft.site
        draft = found
    if draft.kind == "bio":
        return _build_bio(draft, out, path, line)
    if draft.kind == "quote":
        out.problems.append(Problem(path, line, "unsupported-kind", "quote records are rebuilt from their article"))
        return out
    title = draft.title[:MAX_TITLE_CHARS]
    if not title:
        out.problems.append(Problem(path, line, "missing-title", "missing title"))
        return out
    if draft.url and len(draft.url) > MAX_URL_CHARS:
        out.problems.append(Problem(path, line, "url-too-long", f"url of {len(draft.url):,} "
                                    f"characters (at most {MAX_URL_CHARS:,})"))
        return out
    tags = [t[:MAX_TAG_CHARS] for t in draft.tags[:MAX_TAGS]]
    if len(draft.tags) > MAX_TAGS or any(len(t) > MAX_TAG_CHARS for t in draft.tags[:MAX_TAGS]):
        out.problems.append(Problem(path, line, "tags-cut", f"{len(draft.tags)} tags: at most "
                                    f"{MAX_TAGS} of at most {MAX_TAG_CHARS} characters are kept",
                                    skipped=False))
    authors, author_bios = clean_authors(draft.authors)
    raw = draft.authors if isinstance(draft.authors, list) else [draft.authors]
    for entry in dict.fromkeys(e for e in raw if placeholder(e)):
        out.problems.append(Problem(path, line, "placeholder-byline",
                                    f"byline {entry[:60]!r} names no one (dropped)", skipped=False))
    if draft.bios and not authors:
        authors = [draft.bios[0].name]
    date = parse_date(draft.date)
    if draft.date not in (None, "") and date is None:
        out.problems.append(Problem(path, line, "invalid-date", f"invalid date {str(draft.date)[:40]!r} "
                                    "(date left unknown)", skipped=False))
    body = "\n\n".join(draft.paragraphs)
    lang = draft.lang or ("" if draft.repeat else detect_language(f"{title}\n{draft.dek}\n{body}",
                                                                 draft.site_lang))
    article = Article(
        id=document_id(draft.url, draft.given_id, title, body),
        title=title, body=body, url=draft.url, dek=draft.dek,
        headings=draft.headings, authors=authors, date=date, lang=lang,
        tags=tags, source=draft.source, excerpt=draft.excerpt, site=draft.site,
    )
    out.article = article
    seen: set[str] = set()
    for n, q in enumerate([] if draft.repeat else find_quotes(draft.paragraphs), start=1):
        if q.text in seen:
            continue
        seen.add(q.text)
        out.quotes.append(Quote(
            id=f"{article.id}-q{n}", text=q.text, speaker=q.speaker, speaker_role=q.role,
            article_id=article.id, article_title=title, authors=list(article.authors), date=date,
            lang=lang, url=article.url, source=draft.source, speaker_mention=q.mention,
            site=article.site,
        ))
    for bio in draft.bios:
        if bio.text:
            out.bios.append(Bio(id=bio_id(bio.name), author=bio.name, text=bio.text,
                                article_count=bio.count, source=draft.source, site=draft.site))
    for name, text in author_bios.items():
        out.bios.append(Bio(id=bio_id(name), author=name, text=text, source=draft.source,
                            site=draft.site))
    return out


def article_id(draft: Draft) -> str | None:
    """Return the id ``build`` gives the article of ``draft``, or None when it makes no
    article of it (or a web page's, known only once the page is extracted)."""
    if draft.page is not None or draft.kind in ("bio", "quote"):
        return None
    title = draft.title[:MAX_TITLE_CHARS]
    if not title or draft.url and len(draft.url) > MAX_URL_CHARS:
        return None
    body = "" if draft.url or draft.given_id else "\n\n".join(draft.paragraphs)  # only hashed without
    return document_id(draft.url, draft.given_id, title, body)


def _build_bio(draft: Draft, out: Built, path: str, line: int) -> Built:
    record = draft.record or {}
    author, text = record.get("author"), record.get("text")
    if not isinstance(author, str) or not author.strip() or not isinstance(text, str):
        out.problems.append(Problem(path, line, "bad-bio", "bio record needs 'author' and 'text'"))
        return out
    count = record.get("article_count")
    out.bios.append(Bio(id=bio_id(author), author=author.strip(), text=text,
                        article_count=count if isinstance(count, int) else None,
                        lang=str(record.get("lang") or ""), source=draft.source,
                        site=draft.site))
    return out

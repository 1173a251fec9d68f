"""The one place a typed engine result becomes the API's JSON.

A search hit shows what a results list needs (no body, dek or headings: the snippet stands
for them); ``/documents/<id>`` shows the whole document. Kind-specific keys appear only on
their kind: quotes carry speaker, speaker_role, speaker_mention (the attribution as written:
"he", "the premier"), article_id and article_title, bios
article_count (the articles the index holds by the author), articles dek, headings and tags
(documents only) and, in results, their matching ``quotes``.
"""
from __future__ import annotations

from typing import Any

from index import Document, FacetValue, Hit, RelatedResult, SearchResult

# /documents/<id> sends this much of a text unless full=1: a whole 2 MB text is the exception
# (it costs its memory while a slow reader takes it), most articles are under 30,000.
DOCUMENT_TEXT_CHARS = 100_000


def _common(doc: Document) -> dict[str, Any]:
    out: dict[str, Any] = {"id": doc.id, "kind": doc.kind, "title": doc.title, "url": doc.url,
                           "author": ", ".join(doc.authors), "date": doc.date, "lang": doc.lang,
                           "site": doc.site}
    if doc.kind == "quote":
        out.update(speaker=doc.speaker, speaker_role=doc.speaker_role,
                   speaker_mention=doc.speaker_mention, article_id=doc.article_id,
                   article_title=doc.title)
    elif doc.kind == "bio":
        out["article_count"] = doc.article_count
    return out


SCORE_DIGITS = 4  # decimals of a score in the JSON (the index keeps them all)


def hit_json(hit: Hit) -> dict[str, Any]:
    """Return one search result."""
    out = _common(hit.document)
    out["score"] = None if hit.score is None else round(hit.score, SCORE_DIGITS)
    if hit.snippet is not None:
        out["snippet"] = hit.snippet
    if hit.document.kind == "article":
        out.update(group=hit.group, copies=hit.copies,
                   quotes=[_quote(q) for q in hit.quotes])
    if hit.pinned:
        out["pinned"] = True
    return out


def _quote(hit: Hit) -> dict[str, Any]:
    """One of an article's own quotes that matched too, as shown under the article."""
    doc = hit.document
    return {"id": doc.id, "speaker": doc.speaker, "speaker_role": doc.speaker_role,
            "snippet": hit.snippet or ""}


def document_json(doc: Document, max_text: int | None = DOCUMENT_TEXT_CHARS) -> dict[str, Any]:
    """Return a stored document, its text cut at ``max_text`` characters (None: whole)."""
    out = _common(doc)
    out["authors"] = list(doc.authors)
    if doc.kind == "article":
        out.update(dek=doc.dek, headings=list(doc.headings), tags=list(doc.tags))
    out["text"] = doc.text if max_text is None else doc.text[:max_text]
    out["text_length"] = len(doc.text)
    if len(out["text"]) < len(doc.text):
        out["text_truncated"] = True
    return out


def _facet(values: list[FacetValue]) -> list[dict[str, Any]]:
    return [{"value": v.value, "count": v.count} for v in values]


def search_json(result: SearchResult, took_ms: float, search_id: str | None = None,
                nothing_found: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the body of a ``/search`` response (``search_id``: when analytics is on;
    ``nothing_found``: ``try_without`` and ``popular``, when nothing was found)."""
    out: dict[str, Any] = {"total": result.total, "page": result.page,
                           "per_page": result.per_page, "took_ms": took_ms,
                           "results": [hit_json(h) for h in result.hits],
                           "folded": result.folded, "suggestion": result.suggestion,
                           "not_required": list(result.not_required),
                           "ignored": list(result.ignored),
                           "typos": {word: list(terms) for word, terms in result.typos.items()},
                           "compounds": {word: list(parts)
                                         for word, parts in result.compounds.items()}}
    if result.facets is not None:
        out["facets"] = {name: _facet(values) for name, values in result.facets.items()}
    if nothing_found:
        out.update(nothing_found)
    if search_id is not None:
        out["search_id"] = search_id
    return out


def related_json(result: RelatedResult, took_ms: float) -> dict[str, Any]:
    """Return the body of a ``/documents/<id>/related`` response."""
    return {"id": result.source, "took_ms": took_ms, "terms": list(result.terms),
            "results": [hit_json(h) for h in result.hits]}

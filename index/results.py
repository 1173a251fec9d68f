"""Typed results between the engine and the JSON: what a search or a look-up found.

The index layer fills these; one presenter in the service turns them into the API's JSON.
Nothing else adds or removes keys.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Document:
    """A stored document in the form every kind shares; kind-specific values may be empty."""

    id: str
    kind: str
    title: str = ""           # an article's title, a quote's article title, a bio's author
    url: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None   # YYYY-MM-DD, None when unknown
    lang: str = ""
    site: str = ""            # the site it was published on ("" when the corpus did not say)
    text: str = ""            # body, quote text or bio text
    dek: str = ""             # articles
    headings: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    speaker: str = ""         # quotes: the resolved name ("Donald Trump")
    speaker_role: str = ""
    speaker_mention: str = ""  # the attribution as written ("he", "the president", "Trump")
    article_id: str | None = None
    article_count: int | None = None  # bios


@dataclass(frozen=True, slots=True)
class Hit:
    """One result of a search: the document, its score (None when not ranked) and snippet."""

    document: Document
    score: float | None
    snippet: str | None = None
    group: str | None = None  # its near-duplicate group, when it has copies in the index
    copies: int = 0           # other matching documents of the group folded under this one
    quotes: tuple[Hit, ...] = ()  # articles: their own quotes that matched too (see stories)
    pinned: bool = False      # listed first by an editor's rule (``pinning``)


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet and how many matching documents have it."""

    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    """The answer to one search, wholly from the snapshot named ``snapshot``."""

    total: int
    page: int
    per_page: int
    hits: list[Hit]
    snapshot: str
    facets: dict[str, list[FacetValue]] | None = None
    suggestion: str | None = None
    terms: dict[str, frozenset[str]] = field(default_factory=dict)  # field → highlighted terms
    not_required: tuple[str, ...] = ()  # words the best result lacks (matching was relaxed)
    ignored: tuple[str, ...] = ()       # words not searched: stop words, words past the cap
    typos: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word → terms it matched as
    compounds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # word → its parts
    folded: int = 0  # matching documents not listed: copies folded under another result


@dataclass(frozen=True)
class RelatedResult:
    """Documents like ``source``, best first, and the terms they were found by."""

    source: str
    hits: list[Hit]
    terms: tuple[str, ...]
    snapshot: str

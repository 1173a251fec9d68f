"""What a search may ask for: the request type and the closed lists its values come from.

These lists are the one place the service's parameter parser, its OpenAPI document and the
widget's configuration read them from.
"""
from __future__ import annotations

from dataclasses import dataclass

from corpus.text import MAX_ID_LENGTH  # noqa: F401 - ids come from the corpus; requests check them

KINDS = ("article", "bio", "quote")        # the kinds of searchable document
SORTS = ("relevance", "date", "-date")     # result orders
FACETS = ("author", "date", "kind", "lang", "site", "speaker")  # facet names in a response
OPERATORS = ("auto", "and", "or")          # how plain words combine (auto: see matching)
DATE_FACETS = ("year", "month")            # granularity of the date facet
PER_PAGE = 10                              # results a page unless asked
MAX_PER_PAGE = 50
RELATED_PER_PAGE = 5                       # related documents unless asked
MAX_RELATED = 20


@dataclass(frozen=True)
class Scope:
    """Filters fixed for a request (a widget key's): applied like the request's own, but
    never lifted, not even for a facet's own counts (multi-select)."""

    sites: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchRequest:
    """One search, with its filters and paging (values already checked by the caller)."""

    q: str = ""
    kinds: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()      # quote speakers (any of); a filter like authors
    langs: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    scope: Scope | None = None          # filters a widget key fixes
    day_from: int | None = None  # YYYYMMDD, inclusive
    day_to: int | None = None
    date_by_month: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE
    snippets: bool = True
    facets: bool = True
    operator: str = "auto"
    typos: bool = True                  # typo variants of words of 5+ letters
    recency: float = 0.0                # half-life in days of a date decay on relevance; 0: off
    collapse: bool = True               # one result per near-duplicate group
    group: str = ""                     # only this near-duplicate group (its id), unfolded
    pinned: tuple[str, ...] = ()        # ids listed first, in this order (see ``pinning``)
    hidden: tuple[str, ...] = ()        # ids never listed nor counted


@dataclass(frozen=True)
class RelatedRequest:
    """Documents like one document (values already checked by the caller)."""

    doc_id: str
    kinds: tuple[str, ...] = ("article",)
    langs: tuple[str, ...] = ()
    per_page: int = RELATED_PER_PAGE

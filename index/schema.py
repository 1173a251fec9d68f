"""The Whoosh schema for the three kinds of document, and the default field boosts.

One index holds articles, bios and quotes; ``kind`` tells them apart. Text fields share one
per-language analyzer (see ``analysis``). A quote's words and a bio's text go in ``body``, the
quote's speaker and the bio's author in ``person``, so one query form ranks every kind.
Facet and sort fields are precomputed at index time (``year``, ``month``, ``day``) because
Whoosh's date-range facets cost ~0.6 s a query here while sortable columns cost milliseconds.
"""
from __future__ import annotations

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, FieldType, Schema
from whoosh.formats import Existence

from index.analysis import PerLanguageAnalyzer, plain_analyzer

# Fields searched by a plain query, with their default boosts (BM25F weights). An operator
# overrides them with SEARCH_BOOSTS="title=3,dek=2,..." without touching code.
DEFAULT_BOOSTS: dict[str, float] = {
    "title": 3.0,
    "dek": 2.0,
    "headings": 1.5,
    "person": 2.0,   # quote speaker, bio author
    "body": 1.0,     # article body, quote text, bio text
    "byline": 0.5,   # article authors as words
    "tags": 1.0,
}
TEXT_FIELDS = tuple(DEFAULT_BOOSTS)
# Fields with posting arrays (``store.arrays``): the scored ones, and the unstemmed words of
# titles, deks, headings and names that pick a query's language and read its names (read
# from Whoosh's blocks, a term look-up in every segment, they were most of what a query
# with new words cost more than a repeated one: ~4 ms of CPU at 8x FakeNewsNet)
ARRAY_FIELDS = (*TEXT_FIELDS, "spell")
# Field names a user may write as field:value in a query, mapped to index fields.
QUERY_FIELD_ALIASES = {
    "title": "title", "dek": "dek", "headings": "headings", "heading": "headings",
    "body": "body", "text": "body", "speaker": "person", "person": "person",
    "byline": "byline", "tags": "tags", "tag": "tags", "author": "author",
    "kind": "kind", "lang": "lang", "id": "id", "year": "year", "month": "month",
    "speaker_role": "role", "role": "role",
}


def build_schema() -> Schema:
    """Return the index schema."""
    text = PerLanguageAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True),
        lang=ID(stored=True),
        title=TEXT(analyzer=text, stored=True, phrase=True),
        dek=TEXT(analyzer=text, stored=True, phrase=True),
        headings=TEXT(analyzer=text, stored=True, phrase=True),
        body=TEXT(analyzer=text, stored=True, phrase=True),
        person=TEXT(analyzer=text, stored=True, phrase=True),
        byline=TEXT(analyzer=text, phrase=True),
        tags=TEXT(analyzer=text, phrase=True),
        role=TEXT(analyzer=plain_analyzer(), stored=True, phrase=False),
        # Unstemmed words of titles, deks, headings and names: did-you-mean and completion.
        spell=FieldType(Existence(), plain_analyzer(), scorable=False),
        author=KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        speaker=ID,  # a quote's resolved speaker, whole: the speaker facet and filter
        article_id=ID(stored=True),
        site=ID(stored=True),  # the site it was published on: the site facet and filter
        url=STORED,
        date=STORED,
        day=NUMERIC(int, bits=32, sortable=True, signed=False),  # YYYYMMDD, 0 when unknown
        year=ID,
        month=ID,  # "YYYY-MM"
        extra=STORED,  # kind-specific stored values: tags, article_count, article_title…
        # An article's near-duplicate group (neardup.group_key); 0 for quotes and bios.
        group=COLUMN(NumericColumn("q", default=0)),
        # A document's place in the corpus, in a shard of a sharded index (see ``order``).
        seq=COLUMN(NumericColumn("q", default=0)),
    )


def parse_schema() -> Schema:
    """Return the schema queries are parsed with: the index's fields that a query may name,
    with text unstemmed (``read.expand`` turns each word into every language's terms)."""
    full = build_schema()
    names = set(QUERY_FIELD_ALIASES.values()) | {"day"}
    return Schema(**{name: TEXT(analyzer=plain_analyzer(), phrase=True)
                     if name in TEXT_FIELDS or name == "role" else full[name]
                     for name in sorted(names)})

"""Parse what a reader typed into a Whoosh query, and the query nodes we add to Whoosh's.

The text is first tidied (``syntax.tidy``: malformed syntax becomes words), then Whoosh's
parser gives the structure (words, "phrases", AND/OR/NOT, +word/-word, prefix*, field:value).
``expand.Expander`` then rewrites it for the index. Two node types of our own carry what
Whoosh has no query for:

    FieldedTerm   one word in every weighted field, scored as one BM25F term, with the
                  index terms it stands for exactly and its typo and prefix variants
    Relaxed       the plain words of a query, of which enough must match (see ``matching``),
                  beside the parts that stay required (phrases, +word, field:value)
"""
from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable

from whoosh import query as Q
from whoosh.qparser import (AndGroup, BoostPlugin, EveryPlugin, FieldAliasPlugin, MultifieldParser,
                            OrGroup, PlusMinusPlugin, RangePlugin, SingleQuotePlugin)

from index.analysis import fold
from index.errors import QueryTooLong
from index.read.syntax import plain_words, tidy
from index.schema import QUERY_FIELD_ALIASES, TEXT_FIELDS, parse_schema

MAX_QUERY_CHARS = 10_000  # a hard cap; the service sets its own (SEARCH_MAX_QUERY_LENGTH)
PHRASE_BONUS = {"person": 4.0, "title": 2.0}
PAIR_BOOST = 0.5  # two neighbouring query words adjacent: their score again, at this weight
# where adjacent neighbouring words count as together. Not the body: Whoosh reads the positions
# of every candidate there, which doubled /search p95 on FakeNewsNet (539 ms vs 268 ms, load 17);
# in titles the same reader set lost 0.006 nDCG@10 (0.701 -> 0.695) and p95 is unchanged.
PAIR_FIELDS = ("title",)


_PARSE_SCHEMA = parse_schema()
_ALIASES: dict[str, list[str]] = {}
for alias, target in QUERY_FIELD_ALIASES.items():
    if alias != target:
        _ALIASES.setdefault(target, []).append(alias)
_PLAIN = re.compile(r"^[\w\s'’-]+$")


def parse(text: str, boosts: dict[str, float], operator: str = "and") -> Q.Query:
    """Parse ``text`` into a Whoosh query over the boosted text fields; never refuse it.

    The result is shared (parsing costs about as much as running a plain query, and the
    same queries come back): treat it as read-only, as ``Expander`` does.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}")
    return _parse(text, tuple(sorted(boosts.items())), operator)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, boost_items: tuple[tuple[str, float], ...], operator: str) -> Q.Query:
    parser = _parser(boost_items, operator, threading.get_ident())
    tidied = tidy(text)
    try:
        return parser.parse(tidied)
    except Exception:  # noqa: BLE001 - whoosh raises assorted errors; words always parse
        return parser.parse(plain_words(tidied))


@functools.lru_cache(maxsize=64)
def _parser(boost_items: tuple[tuple[str, float], ...], operator: str, thread: int):
    """Return a Whoosh parser for these boosts (one a thread: building one costs more than
    parsing with it)."""
    boosts = dict(boost_items)
    parser = MultifieldParser([f for f in TEXT_FIELDS if boosts.get(f, 0) > 0], _PARSE_SCHEMA,
                              fieldboosts=boosts, group=OrGroup if operator == "or" else AndGroup)
    for plugin in (SingleQuotePlugin, RangePlugin, BoostPlugin, EveryPlugin):
        parser.remove_plugin_class(plugin)  # 'quoted words' are words; no ranges, ^, *:*
    parser.add_plugin(FieldAliasPlugin(_ALIASES))
    # +word / -word only at the start of a word: "COVID-19" and "e-mail" stay words.
    parser.add_plugin(PlusMinusPlugin(plusexpr=r"(?:^|(?<=[\s(]))\+(?=\S)",
                                      minusexpr=r"(?:^|(?<=[\s(]))-(?=\S)"))
    return parser


def explicit_and(text: str) -> bool:
    """Return True if the reader wrote AND between words (then every word is required)."""
    return " AND " in f" {tidy(text)} "


class FieldedTerm(Q.Query):
    """One query word sought in several weighted fields, scored as one BM25F term.

    ``texts`` are the index terms the word stands for (its stems in each language),
    ``variants`` (typos) and ``completions`` (of the word being typed) further terms it may
    match at a lower weight, each with its weight factor; ``weights`` are the field boosts and
    ``word`` the word as typed; ``joined`` those of the variants that are the word written
    as one with its neighbour ("face book" → "facebook"): a document holding one holds the
    word as typed (no typo), though it scores as a variant. For Whoosh's own matchers it
    behaves as the equivalent OR.
    """

    def __init__(self, texts: tuple[str, ...], weights: dict[str, float], boost: float = 1.0,
                 variants: tuple[tuple[str, float], ...] = (),
                 completions: tuple[tuple[str, float], ...] = (), word: str = "",
                 joined: tuple[str, ...] = ()):
        self.texts = texts
        self.weights = weights
        self.boost = boost
        self.variants = variants
        self.completions = completions
        self.word = word
        self.joined = joined

    def _key(self) -> tuple:
        return (self.texts, tuple(sorted(self.weights.items())), self.boost, self.variants,
                self.completions, self.joined)

    def __repr__(self) -> str:
        return f"FieldedTerm({self.texts!r}, {self.weights!r}, variants={self.variants!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldedTerm) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def equivalent(self) -> Q.Query:
        """Return the plain Whoosh query matching the same documents."""
        texts = self.texts + tuple(t for t, _ in self.variants + self.completions)
        return Q.Or([Q.Term(name, t, boost=w) for name, w in self.weights.items()
                     for t in texts])

    def matcher(self, searcher, context=None):
        return self.equivalent().matcher(searcher, context)

    def terms(self, phrases=False):
        return self.equivalent().terms(phrases)


class Relaxed(Q.Query):
    """Plain words of which enough must match, and parts that must all match.

    ``words`` are the word queries (``FieldedTerm`` or a synonym group), ``required`` the
    rest of a conjunction; ``strict`` requires every word too (``op=and``).
    """

    def __init__(self, words: list[Q.Query], required: list[Q.Query], strict: bool = False,
                 question: bool = False, names: frozenset[str] = frozenset()):
        self.words = words
        self.required = required
        self.strict = strict
        self.question = question  # a word held only in passing does not rank (``scoring``)
        self.names = names  # words typed as names: past TIER_WORDS, they rank (``matching``)

    def __repr__(self) -> str:
        return f"Relaxed({self.words!r}, required={self.required!r}, strict={self.strict})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Relaxed) and other.words == self.words
                and other.required == self.required and other.strict == self.strict
                and other.question == self.question and other.names == self.names)

    def __hash__(self) -> int:
        return hash((tuple(self.words), tuple(self.required), self.strict, self.question,
                     self.names))

    def named(self) -> tuple[bool, ...]:
        """Return, per word, whether the reader typed it as a name (``syntax.names``)."""
        return tuple(getattr(w, "word", "") in self.names for w in self.words)

    def equivalent(self) -> Q.Query:
        """Return the strict Whoosh form (every part required)."""
        return Q.And(self.words + self.required)

    def matcher(self, searcher, context=None):
        return self.equivalent().matcher(searcher, context)

    def terms(self, phrases=False):
        return self.equivalent().terms(phrases)


def words_in_fields(q: Q.Query) -> bool:
    """True for the parser's form of plain words: Or(Term(f1, w1), Term(f2, w1), …)."""
    return isinstance(q, Q.Or) and all(
        type(s) is Q.Term and s.fieldname in TEXT_FIELDS and s.boost > 0 for s in q.subqueries)


class Nearness(Q.Or):
    """The nearness bonus of a query (see ``phrase_bonus``): its holders get its score, and
    rank above the documents holding as many of the query's words apart (``matching``)."""


def phrase_bonus(text: str, is_stop: Callable[[str], bool] = lambda w: False,
                 typos: set[str] | frozenset[str] = frozenset()) -> Q.Query | None:
    """Return an optional nearness bonus for a plain 2-5 word query: the exact phrase on names
    and titles, and each pair of neighbouring words (stop words left out, as the index leaves
    them out of positions) adjacent in a title (``PAIR_FIELDS``), as Lucene-based engines add
    a phrase boost: "wind farm" ranks articles about wind farms above a "family farm" that
    will "wind up". A word read as another (``typos``: "hilary" read as "hillary") is no part
    of it: the few documents holding "Hilary Clinton" as typed are not the words together
    (in the 4x FakeNewsNet of ``bench.scale`` they took the first places)."""
    if not _PLAIN.match(text):
        return None
    typos = {fold(w.lower()) for w in typos}
    words = [fold(w) for w in text.lower().split()]
    if not 2 <= len(words) <= 5:
        return None
    phrases = [] if typos & set(words) else \
        [Q.Phrase(f, words, boost=b) for f, b in PHRASE_BONUS.items()]
    content = [w for w in words if not is_stop(w)]
    phrases += [Q.Phrase(name, list(pair), boost=PAIR_BOOST) for name in PAIR_FIELDS
                for pair in dict.fromkeys(zip(content, content[1:])) if not typos & set(pair)]
    return Q.Or(phrases) if phrases else None


class SynonymGroup(Q.Or):
    """The forms of one synonym group: in relaxed matching, one word."""

    def __init__(self, subqueries, word: str = "", boost: float = 1.0) -> None:
        super().__init__(subqueries, boost=boost)
        self.word = word

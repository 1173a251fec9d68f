"""Parse a user's query and expand it for per-language stems, boosts and limits.

Whoosh's parser gives the structure (words, "phrases", AND/OR/NOT, prefix*, field:value);
``expand`` then rewrites every text term into the index terms it may stand for in each
language present (see ``analysis.query_terms``), drops stop words, turns prefixes into a
bounded OR of real terms, and adds an exact-phrase bonus on names and titles so that a
person's name brings their bio and quotes up.
"""
from __future__ import annotations

import fnmatch
import functools
import re

from whoosh import query as Q
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.qparser import (AndGroup, FieldAliasPlugin, MultifieldParser, OrGroup,
                            PlusMinusPlugin)

from .analysis import STEMMERS, fold, is_stopword, plain_analyzer, query_terms, stem_of
from .errors import Deadline, QueryError, QueryTooLong
from .schema import QUERY_FIELD_ALIASES, TEXT_FIELDS

MAX_QUERY_CHARS = 10_000  # a hard cap; the service sets its own (SEARCH_MAX_QUERY_LENGTH)
MAX_EXPANSION = 2000  # index terms a prefix or wildcard may stand for
MAX_CLAUSES = 400     # terms in the expanded query
PHRASE_BONUS = {"person": 4.0, "title": 2.0}


def _parse_schema() -> Schema:
    """A schema with the query-visible fields, text analysed without stemming."""
    fields = {name: TEXT(analyzer=plain_analyzer(), phrase=True) for name in TEXT_FIELDS}
    fields.update(author=KEYWORD(commas=True, lowercase=False), kind=ID, lang=ID, id=ID,
                  year=ID, month=ID, role=TEXT(analyzer=plain_analyzer()),
                  day=NUMERIC(int, bits=32, signed=False))
    return Schema(**fields)


_PARSE_SCHEMA = _parse_schema()
_ALIASES: dict[str, list[str]] = {}
for alias, target in QUERY_FIELD_ALIASES.items():
    if alias != target:
        _ALIASES.setdefault(target, []).append(alias)
_PLAIN = re.compile(r"^[\w\s'’-]+$")


def parse(text: str, boosts: dict[str, float], operator: str = "and") -> Q.Query:
    """Parse ``text`` into a Whoosh query over the boosted text fields.

    The result is shared (parsing costs about as much as running a plain query, and the
    same queries come back): treat it as read-only, as ``Expander`` does.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"query is {len(text)} characters; the limit is {MAX_QUERY_CHARS}")
    return _parse(text, tuple(sorted(boosts.items())), operator)


@functools.lru_cache(maxsize=4096)
def _parse(text: str, boost_items: tuple[tuple[str, float], ...], operator: str) -> Q.Query:
    boosts = dict(boost_items)
    group = AndGroup if operator == "and" else OrGroup
    parser = MultifieldParser([f for f in TEXT_FIELDS if boosts.get(f, 0) > 0], _PARSE_SCHEMA,
                              fieldboosts=boosts, group=group)
    parser.add_plugin(FieldAliasPlugin(_ALIASES))
    # +word / -word only at the start of a word: "COVID-19" and "e-mail" stay words.
    parser.add_plugin(PlusMinusPlugin(plusexpr=r"(?:^|(?<=\s))\+(?=\S)",
                                      minusexpr=r"(?:^|(?<=\s))-(?=\S)"))
    try:
        return parser.parse(text)
    except Exception as exc:  # whoosh raises assorted errors for odd input
        raise QueryError(f"cannot parse the query: {exc}") from None


class Expander:
    """Rewrite a parsed query for the index: stems per language, bounded expansions."""

    def __init__(self, reader, langs: tuple[str, ...], deadline: Deadline) -> None:
        self.reader = reader
        self.langs = tuple(lang for lang in langs if lang in STEMMERS) or ("en",)
        self.deadline = deadline
        self.clauses = 0
        self.terms: dict[str, set[str]] = {}  # field → index terms, for highlighting

    def _count(self, n: int) -> None:
        self.clauses += n
        if self.clauses > MAX_CLAUSES:
            raise QueryError(f"the query expands to over {MAX_CLAUSES} terms; use fewer words "
                             "or longer prefixes")

    def _note(self, fieldname: str, texts) -> None:
        self.terms.setdefault(fieldname, set()).update(texts)

    def expand(self, q: Q.Query) -> Q.Query | None:
        """Return the rewritten query, or None when nothing searchable is left."""
        self.deadline.check()
        if isinstance(q, Q.Term) and q.fieldname in TEXT_FIELDS:
            return self._term(q)
        if isinstance(q, Q.Phrase) and q.fieldname in TEXT_FIELDS:
            return self._phrase(q)
        if isinstance(q, (Q.Prefix, Q.Wildcard)) and q.fieldname in TEXT_FIELDS:
            return self._multiterm(q)
        if isinstance(q, Q.FuzzyTerm):
            return self._term(Q.Term(q.fieldname, q.text, boost=q.boost))
        if isinstance(q, Q.Term) and q.fieldname == "role":
            self._count(1)
            return Q.Term("role", q.text.lower(), boost=q.boost)
        if isinstance(q, Q.Or) and _words_in_fields(q):
            groups: dict[str, list[Q.Term]] = {}
            for sub in q.subqueries:  # the parser's OR of (field, word) terms, by word
                groups.setdefault(sub.text, []).append(sub)
            subs = [t for t in (self._fielded(g) for g in groups.values()) if t is not None]
            if not subs:
                return None
            return subs[0] if len(subs) == 1 and q.boost == 1 else Q.Or(subs, boost=q.boost)
        if isinstance(q, Q.Not):
            inner = self.expand(q.query)
            return None if inner is None else Q.Not(inner)
        if isinstance(q, Q.BinaryQuery):  # AndNot, AndMaybe, Require, Otherwise
            a, b = self.expand(q.a), self.expand(q.b)
            if a is None:
                return None if isinstance(q, (Q.AndNot, Q.AndMaybe)) else b
            return a if b is None else type(q)(a, b)
        if isinstance(q, Q.CompoundQuery):
            subs = [s for s in (self.expand(s) for s in q.subqueries) if s is not None]
            if not subs:
                return None
            return subs[0] if len(subs) == 1 and q.boost == 1 else type(q)(subs, boost=q.boost)
        if isinstance(q, Q.NullQuery.__class__):
            return None
        self._count(1)
        return q

    def _term(self, q: Q.Term) -> Q.Query | None:
        word = q.text
        if is_stopword(word, self.langs):
            return None
        texts = sorted(query_terms(word, self.langs))
        self._count(len(texts))
        self._note(q.fieldname, texts)
        if len(texts) == 1:
            return Q.Term(q.fieldname, texts[0], boost=q.boost)
        return Q.Or([Q.Term(q.fieldname, t) for t in texts], boost=q.boost)

    def _fielded(self, group: list[Q.Term]) -> Q.Query | None:
        word = group[0].text
        if is_stopword(word, self.langs):
            return None
        texts = tuple(sorted(query_terms(word, self.langs)))
        weights: dict[str, float] = {}
        for t in group:
            weights[t.fieldname] = weights.get(t.fieldname, 0.0) + t.boost
        self._count(len(texts) * len(weights))
        for name in weights:
            self._note(name, texts)
        return FieldedTerm(texts, weights)

    def _phrase(self, q: Q.Phrase) -> Q.Query | None:
        variants = set()
        for lang in self.langs:
            stems = [s for s in (stem_of(w.lower(), lang) for w in q.words) if s]
            if stems:
                variants.add(tuple(stems))
        variants.add(tuple(fold(w.lower()) for w in q.words))
        self._count(sum(len(v) for v in variants))
        for v in variants:
            self._note(q.fieldname, v)
        phrases = [Q.Phrase(q.fieldname, list(v), slop=q.slop) if len(v) > 1
                   else Q.Term(q.fieldname, v[0]) for v in sorted(variants)]
        return phrases[0] if len(phrases) == 1 else Q.Or(phrases, boost=q.boost)

    def _multiterm(self, q: Q.Query) -> Q.Query | None:
        pattern = fold(q.text.lower())
        literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
        if isinstance(q, Q.Wildcard) and not literal:
            raise QueryError("a wildcard needs at least one letter before * or ?")
        matcher = None if isinstance(q, Q.Prefix) else re.compile(fnmatch.translate(pattern))
        found: list[str] = []
        for n, term in enumerate(self.reader.expand_prefix(q.fieldname, literal)):
            if n % 512 == 0:
                self.deadline.check()
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            if matcher is None or matcher.match(text):
                found.append(text)
                if len(found) > MAX_EXPANSION:
                    raise QueryError(f"{q.text!r} matches too many words; type more letters")
        if not found:
            return Q.NullQuery
        self._count(len(found) // 8 + 1)  # expansions are cheap per term but not free
        self._note(q.fieldname, found)
        return Q.Or([Q.Term(q.fieldname, t) for t in found], boost=q.boost)


class FieldedTerm(Q.Query):
    """One query word sought in several weighted fields, scored as one BM25F term.

    ``texts`` are the index terms the word stands for (its stems in each language);
    ``weights`` the field boosts. The evaluator (``scoring``) scores it; for Whoosh's own
    matchers it behaves as the equivalent OR of terms.
    """

    def __init__(self, texts: tuple[str, ...], weights: dict[str, float], boost: float = 1.0):
        self.texts = texts
        self.weights = weights
        self.boost = boost

    def __repr__(self) -> str:
        return f"FieldedTerm({self.texts!r}, {self.weights!r}, boost={self.boost!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, FieldedTerm) and other.texts == self.texts
                and other.weights == self.weights and other.boost == self.boost)

    def __hash__(self) -> int:
        return hash((self.texts, tuple(sorted(self.weights.items())), self.boost))

    def equivalent(self) -> Q.Query:
        """Return the plain Whoosh query matching the same documents."""
        return Q.Or([Q.Term(name, t, boost=w) for name, w in self.weights.items()
                     for t in self.texts])

    def matcher(self, searcher, context=None):
        return self.equivalent().matcher(searcher, context)

    def terms(self, phrases=False):
        return self.equivalent().terms(phrases)


def _words_in_fields(q: Q.Or) -> bool:
    """True for the parser's form of plain words: Or(Term(f1, w1), Term(f2, w1), …)."""
    return all(type(s) is Q.Term and s.fieldname in TEXT_FIELDS and s.boost > 0
               for s in q.subqueries)


def phrase_bonus(text: str) -> Q.Query | None:
    """Return an optional exact-phrase query on names and titles for a plain 2-5 word query."""
    if not _PLAIN.match(text):
        return None
    words = [fold(w) for w in text.lower().split()]
    if not 2 <= len(words) <= 5:
        return None
    return Q.Or([Q.Phrase(f, words, boost=b) for f, b in PHRASE_BONUS.items()])

"""Rewrite a parsed query for the index: stems per language, typo and prefix variants,
bounded expansions, and the plain words of a conjunction gathered for relaxed matching.

Each text word becomes the index terms it may stand for in each language present (see
``analysis.query_terms``); stop words are dropped (they are not indexed) and remembered, so
the response can say they were not searched. A word of 5+ letters (no digits) also matches
index terms one edit away, 9+ letters two, when those are clearly more common than the word
itself (a rare correct word keeps its exact matches first: see ``matching``); the letters
counted are those of the index term compared (a stem), and a change of the first letter
counts as two edits. The last word
of the query also matches as a prefix. Prefixes are bounded to the most frequent terms;
nothing here refuses a query.
"""
from __future__ import annotations

from collections.abc import Callable

from whoosh import query as Q

from .analysis import STEMMERS, fold, is_stopword, query_terms, stem_of
from .errors import Deadline
from .query import FieldedTerm, Relaxed, words_in_fields
from .schema import TEXT_FIELDS
from .vocabulary import Vocabulary

MAX_WORDS = 32            # plain words searched; the rest of a very long query is ignored
MAX_TERMS = 3000          # (field, index term) pairs a whole query may look up
MAX_EXPANSION = 300       # index terms an explicit prefix* may stand for (most frequent)
TYPO_MIN_CHARS = (5, 9)   # letters a word needs for one typo, for two
TYPO_VARIANTS = 4         # typo variants kept per word, nearest and most frequent first
TYPO_RATIO = 4            # a variant must be this much more frequent than the word itself
TYPO_WEIGHT = 0.5         # a typo variant's frequency counts at this weight
PREFIX_MIN_CHARS = 3      # letters the last word needs to match as a prefix
PREFIX_VARIANTS = 20
PREFIX_WEIGHT = 0.7
PREFIX_MAX_WORDS = 4      # a longer query's last word is taken as typed in full


class Expander:
    """Rewrite a parsed query for the index (see the module's docstring)."""

    def __init__(self, reader, langs: tuple[str, ...], deadline: Deadline,
                 vocabulary: Callable[[], tuple[Vocabulary, Vocabulary]] | None = None,
                 prefix_word: str | None = None,
                 synonyms: dict[str, tuple[tuple[str, ...], ...]] | None = None) -> None:
        self.reader = reader
        self.langs = tuple(lang for lang in langs if lang in STEMMERS) or ("en",)
        self.deadline = deadline
        self.vocabulary = vocabulary  # None: no typo tolerance, no completion
        self.prefix_word = prefix_word
        self.synonyms = synonyms or {}  # marker word → the forms it stands for
        self.words = 0
        self.cost = 0  # (field, term) pairs so far; words past MAX_TERMS are ignored
        self.terms: dict[str, set[str]] = {}  # field → index terms, for highlighting
        self.ignored: list[str] = []          # stop words and words past MAX_WORDS
        self.typos: dict[str, list[str]] = {}  # word → the variants it may match

    def _note(self, fieldname: str, texts) -> None:
        self.terms.setdefault(fieldname, set()).update(texts)

    def _afford(self, cost: int) -> bool:
        """Spend ``cost`` of the query's look-up budget; False (nothing spent) if too much."""
        if self.cost + cost > MAX_TERMS:
            return False
        self.cost += cost
        return True

    def expand_top(self, q: Q.Query, relax: bool, strict: bool) -> Q.Query | None:
        """Expand the whole query; with ``relax``, gather a conjunction's plain words into
        a ``Relaxed`` node (``strict``: all of them still required)."""
        if relax and isinstance(q, Q.AndNot) and _conjunction(q.a):
            a = self.expand_top(q.a, relax, strict)
            b = self.expand(q.b)
            return a if a is None or b is None else Q.AndNot(a, b)
        if not relax or not _conjunction(q):
            return self.expand(q)
        parts = q.subqueries if isinstance(q, Q.And) else [q]
        words, required = [], []
        for part in parts:
            expanded = self.expand(part)
            if expanded is None:
                continue
            is_word = isinstance(expanded, (FieldedTerm, SynonymGroup))
            (words if is_word else required).append(expanded)
        if not words:
            return Q.And(required) if len(required) > 1 else (required[0] if required else None)
        return Relaxed(words, required, strict)

    def expand(self, q: Q.Query) -> Q.Query | None:
        """Return the rewritten query, or None when nothing searchable is left."""
        self.deadline.check()
        if isinstance(q, Q.Term) and q.fieldname in TEXT_FIELDS:
            return self._fielded([q])
        if isinstance(q, Q.Phrase) and q.fieldname in TEXT_FIELDS:
            return self._phrase(q)
        if isinstance(q, (Q.Prefix, Q.Wildcard)):
            return self._prefix(q)
        if isinstance(q, Q.FuzzyTerm):
            return self._fielded([Q.Term(q.fieldname, q.text, boost=q.boost)])
        if isinstance(q, Q.Term) and q.fieldname == "role":
            return Q.Term("role", q.text.lower(), boost=q.boost)
        if words_in_fields(q):
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
        if q is Q.NullQuery:
            return None
        return q  # field:value on kind, lang, id, author, year, month: exact terms

    def _fielded(self, group: list[Q.Term]) -> Q.Query | None:
        word = group[0].text
        if word in self.synonyms:
            return self._synonym(word, group)
        if is_stopword(word, self.langs) or self.words >= MAX_WORDS:
            self.ignored.append(word)
            return None
        texts = tuple(sorted(query_terms(word, self.langs)))
        weights: dict[str, float] = {}
        for t in group:
            weights[t.fieldname] = weights.get(t.fieldname, 0.0) + t.boost
        if not self._afford(len(texts) * len(weights)):
            self.ignored.append(word)
            return None
        self.words += 1
        typos, completions = self._variants(word, texts) if len(weights) > 1 else ((), ())
        if not self._afford((len(typos) + len(completions)) * len(weights)):
            typos, completions = (), ()
        for name in weights:
            self._note(name, texts + tuple(v for v, _ in typos + completions))
        return FieldedTerm(texts, weights, variants=typos, completions=completions, word=word)

    def _synonym(self, marker: str, group: list[Q.Term]) -> Q.Query | None:
        """Return one word unit matching any form of a synonym group."""
        forms = []
        for form in self.synonyms[marker]:
            if len(form) == 1:
                found = self._fielded([Q.Term(t.fieldname, form[0], boost=t.boost)
                                       for t in group])
            else:
                found = self.expand(Q.Or([Q.Phrase(t.fieldname, list(form), boost=t.boost)
                                          for t in group]))
            if found is not None:
                forms.append(found)
        if not forms:
            return None
        return SynonymGroup(forms, word=" ".join(self.synonyms[marker][0]))

    def _variants(self, word: str, texts: tuple[str, ...]
                  ) -> tuple[tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
        """Return the typo variants and the completions of a plain ``word``, with weights."""
        if self.vocabulary is None or any(c.isdigit() for c in word):
            return (), ()
        vocab, whole = self.vocabulary()
        found: dict[str, float] = {}
        if len(word) >= TYPO_MIN_CHARS[0]:
            seen = max(vocab.frequency(t) for t in texts)
            for text in texts:  # the word's stems: the edits allowed follow their length
                if len(text) < TYPO_MIN_CHARS[0]:
                    continue
                edits = 2 if len(text) >= TYPO_MIN_CHARS[1] else 1
                for variant, _ in vocab.near(text, edits, TYPO_VARIANTS):
                    if variant not in texts and vocab.frequency(variant) >= TYPO_RATIO * seen:
                        found.setdefault(variant, TYPO_WEIGHT)
            # the whole word among whole words ("electons" → "elections"), then its stems
            # in each language ("elect"): inflected forms a stem-to-stem edit misses
            plain = fold(word.lower())
            seen_whole = whole.frequency(plain)
            edits = 2 if len(plain) >= TYPO_MIN_CHARS[1] else 1
            for variant, _ in whole.near(plain, edits, TYPO_VARIANTS):
                if whole.frequency(variant) >= TYPO_RATIO * max(seen_whole, 1):
                    for stem in query_terms(variant, self.langs):
                        if stem not in texts and vocab.frequency(stem):
                            found.setdefault(stem, TYPO_WEIGHT)
            if found:
                self.typos[word] = sorted(found)
        completions: dict[str, float] = {}
        if word == self.prefix_word and len(word) >= PREFIX_MIN_CHARS \
                and self.words <= PREFIX_MAX_WORDS:
            for variant in vocab.with_prefix(fold(word), PREFIX_VARIANTS):
                if variant not in texts and variant not in found:
                    completions[variant] = PREFIX_WEIGHT
        return tuple(sorted(found.items())), tuple(sorted(completions.items()))

    def _phrase(self, q: Q.Phrase) -> Q.Query | None:
        variants = set()
        for lang in self.langs:
            stems = [s for s in (stem_of(w.lower(), lang) for w in q.words) if s]
            if stems:
                variants.add(tuple(stems))
        variants.add(tuple(fold(w.lower()) for w in q.words))
        for v in variants:
            self._note(q.fieldname, v)
        phrases = [Q.Phrase(q.fieldname, list(v), slop=q.slop) if len(v) > 1
                   else Q.Term(q.fieldname, v[0]) for v in sorted(variants)]
        return phrases[0] if len(phrases) == 1 else Q.Or(phrases, boost=q.boost)

    def _prefix(self, q: Q.Query) -> Q.Query | None:
        """An explicit prefix: the most frequent terms starting with it, in a text field;
        on other fields (id, kind, author…) the exact value, never a scan."""
        literal = fold(q.text.lower()).rstrip("*?")
        if q.fieldname not in TEXT_FIELDS:
            return Q.Term(q.fieldname, q.text.rstrip("*?"), boost=q.boost)
        if not literal:
            return None
        found = [literal] if self.reader.doc_frequency(q.fieldname, literal) else []
        if self.vocabulary is not None:
            found += self.vocabulary()[0].with_prefix(literal, MAX_EXPANSION)
        else:
            for n, term in enumerate(self.reader.expand_prefix(q.fieldname, literal)):
                if n >= MAX_EXPANSION:
                    break
                found.append(term.decode("utf-8") if isinstance(term, bytes) else term)
        found = list(dict.fromkeys(found))
        if not found:
            return None
        if not self._afford(len(found)):
            self.ignored.append(q.text + "*")
            return None
        self._note(q.fieldname, found)
        return Q.Or([Q.Term(q.fieldname, t) for t in found], boost=q.boost)


class SynonymGroup(Q.Or):
    """The forms of one synonym group: in relaxed matching, one word."""

    def __init__(self, subqueries, word: str = "", boost: float = 1.0) -> None:
        super().__init__(subqueries, boost=boost)
        self.word = word


def _conjunction(q: Q.Query) -> bool:
    """True for an AND of parts, or a single plain word (what relaxed matching applies to)."""
    return isinstance(q, Q.And) or words_in_fields(q)

"""Rewrite a parsed query for the index: stems per language, typo and prefix variants,
bounded expansions, and the plain words of a conjunction gathered for relaxed matching.

Each text word becomes the index terms it may stand for in each language present
(``analysis.query_terms``); stop words are dropped (not indexed) and remembered, so the response
can say so. A word of 5+ letters (no digits) also matches index terms one edit away, 9+ letters
two, when those are clearly more common than the word (a rare correct word keeps its exact
matches first: ``matching``); the letters counted are the compared term's (a stem), a changed
first letter counts as two edits (``variants``). A word is read in the context of its neighbours
("Hilary Clinton" → "hillary"), two neighbours also match the word they make (``neighbours``), a
rare German compound its parts, a German question's final participle its verb's other forms
(``compounds``; one word of several forms: ``word_groups``). The last word also matches as a
prefix. Phrases, prefixes: ``forms``. Never refused.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as Q

from index.analysis import STEMMERS, fold, query_terms
from index.errors import Deadline
from index.read.compounds import LANG, parts_of
from index.read.forms import phrase_query, prefix_query
from index.read.language import in_language, is_frame, is_query_stop, stem_languages
from index.read.neighbours import in_context, joins
from index.read.query import FieldedTerm, Relaxed, SynonymGroup, words_in_fields
from index.read.variants import common_count, completions, finished, read_word
from index.read.vocabulary import Vocabulary
from index.read.word_groups import compound_group, synonym_group, with_compounds
from index.schema import TEXT_FIELDS

MAX_WORDS = 32            # plain words searched; the rest of a very long query is ignored
MAX_TERMS = 3000          # (field, index term) pairs a whole query may look up
PREFIX_MAX_WORDS = 4      # a longer query's last word is taken as typed in full
ACRONYM_BOOST = 2.0       # a word typed in capitals among others (``syntax.acronyms``)


@dataclass
class ExpansionLog:
    """What an expansion found, for the response: the terms to highlight, the words not
    searched, the typo variants used, the compounds read into parts (a correctly typed
    word: no typo); and the look-up budget spent so far."""

    terms: dict[str, set[str]] = field(default_factory=dict)  # field → index terms
    ignored: list[str] = field(default_factory=list)          # stop words, words past caps
    typos: dict[str, list[str]] = field(default_factory=dict)  # word → its typo variants
    compounds: dict[str, list[str]] = field(default_factory=dict)  # word → its parts (no typo)
    read_as: dict[str, str] = field(default_factory=dict)  # typed word → the word it reads as
    joined: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    # ^ (index terms, fields) of two neighbouring words written as one: the words together
    cost: int = 0  # (field, term) pairs looked up

    def note(self, fieldname: str, texts) -> None:
        """Remember ``texts`` as terms of ``fieldname`` to highlight."""
        self.terms.setdefault(fieldname, set()).update(texts)

    def note_all(self, fieldnames, texts) -> None:
        """Remember ``texts`` as terms of each of ``fieldnames`` to highlight."""
        for name in fieldnames:
            self.note(name, texts)

    def afford(self, cost: int) -> bool:
        """Spend ``cost`` of the query's look-up budget; False (nothing spent) if too much."""
        if self.cost + cost > MAX_TERMS:
            return False
        self.cost += cost
        return True


class Expander:
    """Rewrite a parsed query for the index (see the module's docstring)."""

    def __init__(self, reader, langs: tuple[str, ...], deadline: Deadline,
                 vocabulary: Callable[[], tuple[Vocabulary, Vocabulary]] | None = None,
                 prefix_word: str | None = None,
                 synonyms: dict[str, tuple[tuple[str, ...], ...]] | None = None,
                 stops: tuple[str, ...] | None = None, postings=None,
                 held: Callable[[str], dict[str, int]] | None = None,
                 minor: tuple[str, ...] = (), acronyms: frozenset[str] = frozenset(),
                 question: bool = False, names: frozenset[str] = frozenset(),
                 verbs: dict[str, frozenset[str]] | None = None,
                 frames: frozenset[str] = frozenset()) -> None:
        self.reader = reader
        self.postings = postings  # the snapshot's PostingLists (None: decoded each time)
        self.langs = tuple(lang for lang in langs if lang in STEMMERS) or ("en",)
        # the languages whose stop words are dropped (see ``language``): all by default
        self.stops = tuple(lang for lang in stops if lang in STEMMERS) if stops else self.langs
        self.held = held  # a word → the documents of each language holding it (``language``)
        self.minor = minor  # languages of few documents: their stems only where they hold a word
        self.acronyms = acronyms  # words typed in capitals among words that are not
        self.question = question  # the query asks a question (``language.is_question``)
        self.names = names  # words typed as names (``syntax.names``): past TIER_WORDS, they rank
        self.verbs = verbs or {}  # a participle → its verb's other forms (``compounds.verb_forms``)
        self.frames = frames  # a question's words that only frame it (``language.question_frames``)
        self.deadline = deadline
        self.vocabulary = vocabulary  # None: no typo tolerance, no completion
        self.prefix_word = prefix_word
        self.synonyms = synonyms or {}  # marker word → the forms it stands for
        self.words = 0
        self.log = ExpansionLog()
        self.stop = ""  # the stop word just dropped, if the last word was one
        self.after_stop: dict[str, str] = {}  # a word → the stop word typed before it

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
            if self._acronym(expanded):
                expanded = FieldedTerm(expanded.texts, expanded.weights, ACRONYM_BOOST,
                                       expanded.variants, expanded.completions, expanded.word,
                                       expanded.joined)
            is_word = isinstance(expanded, (FieldedTerm, SynonymGroup))
            (words if is_word else required).append(expanded)
        framing = [w for w in words if self._framing(w)]
        if framing and len(framing) < len(words):  # "what hapened to demi lovato"
            words = [w for w in words if w not in framing]
            self.frames = self.frames | {fold(w.word.lower()) for w in framing}
            self.log.ignored.extend(w.word for w in framing)
        if not words:
            return Q.And(required) if len(required) > 1 else (required[0] if required else None)
        return Relaxed(self._joins(words), required, strict, self.question, self.names)

    def unsearched(self, word: str) -> bool:
        """Return True if ``word`` is not searched: a stop word of the query's language, or
        a word that only frames its question."""
        return is_query_stop(word, self.stops) or fold(word.lower()) in self.frames

    def _framing(self, term) -> bool:
        """True for a word of a question read as the verb that frames it, misspelt
        ("hapened" read as "happen", "pasiert" whose one variant is "passiert"): it is not
        searched either, when other words are left."""
        if not self.question or term.__class__ is not FieldedTerm:
            return False
        typos = self.log.typos.get(term.word, ())
        read = self.log.read_as.get(term.word) or (typos[0] if len(typos) == 1 else "")
        return is_frame(fold(read), self.stops)

    def _acronym(self, term) -> bool:
        """True for a word typed in capitals among others that are not (``acronyms``), which
        few documents hold ("grève SNCF"): the reader names something; it scores at
        ``ACRONYM_BOOST``."""
        if term.__class__ is not FieldedTerm or term.word not in self.acronyms \
                or self.vocabulary is None:
            return False
        held = max(self.vocabulary()[0].frequency(t) for t in term.texts)
        return 0 < held < common_count(self.reader.doc_count())

    def _joins(self, words: list) -> list:
        """Read each word in the context of its neighbours, and let two neighbours also
        match the one word they make (see ``neighbours``)."""
        if self.vocabulary is None:
            return words
        vocab, whole = self.vocabulary()
        words = in_context(words, self.reader, vocab, whole, self.langs, self.log, self.postings)
        return joins(words, vocab, whole, self.langs, self.log, self.after_stop)

    def expand(self, q: Q.Query) -> Q.Query | None:
        """Return the rewritten query, or None when nothing searchable is left."""
        self.deadline.check()
        if isinstance(q, Q.Term) and q.fieldname in TEXT_FIELDS:
            return self._fielded([q])
        if isinstance(q, Q.Phrase) and q.fieldname in TEXT_FIELDS:
            return phrase_query(self, q)
        if isinstance(q, (Q.Prefix, Q.Wildcard)):
            return prefix_query(self, q)
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
            return synonym_group(self, word, group)
        if self.unsearched(word) or self.words >= MAX_WORDS:
            self.log.ignored.append(word)
            self.stop = word
            return None
        if self.stop:  # "you tube": the two may be one word (``neighbours.joins``)
            self.after_stop[word], self.stop = self.stop, ""
        langs = stem_languages(word, self.stops, self.langs, self.held, self.minor)
        texts = tuple(sorted(query_terms(word, langs) | self.verbs.get(word, frozenset())))
        weights: dict[str, float] = {}
        for t in group:
            weights[t.fieldname] = weights.get(t.fieldname, 0.0) + t.boost
        if not self.log.afford(len(texts) * len(weights)):
            self.log.ignored.append(word)
            return None
        self.words += 1
        texts, typos, completions = self._variants(word, texts) if len(weights) > 1 \
            else (texts, (), ())
        if not self.log.afford((len(typos) + len(completions)) * len(weights)):
            typos, completions = (), ()
        for name in weights:
            self.log.note(name, texts + tuple(v for v, _ in typos + completions))
        term = FieldedTerm(texts, weights, variants=typos, completions=completions, word=word)
        parts = None if typos or completions or self.vocabulary is None or len(weights) < 2 \
            else parts_of(word, texts, self.vocabulary()[0], self.langs)
        if parts is not None:
            return compound_group(self, term, parts)
        return with_compounds(self, term) if LANG in self.stops and len(weights) > 1 else term

    def _variants(self, word: str, texts: tuple[str, ...]) -> tuple[
            tuple[str, ...], tuple[tuple[str, float], ...], tuple[tuple[str, float], ...]]:
        """Return the index terms a plain ``word`` is searched as (its correction's, when it
        reads as a typo), its typo variants and its completions, with weights."""
        if self.vocabulary is None or any(c.isdigit() for c in word):
            return texts, (), ()
        vocab, whole = self.vocabulary()
        documents = self.reader.doc_count()
        reading = read_word(word, texts, vocab, whole, self.langs, documents)
        if self.held is not None and len(self.stops) == 1 and len(self.langs) > 1:
            reading = in_language(word, texts, reading, self.held, self.stops[0])
        if reading.corrected:
            self.log.typos[word] = list(reading.texts)
            self.log.read_as[word] = reading.corrected
        elif reading.typos:
            self.log.typos[word] = sorted(reading.typos)
        done = word != self.prefix_word or self.words > PREFIX_MAX_WORDS
        taken = set(reading.typos) | set(reading.texts)
        more = {} if done else completions(word, texts, vocab, taken, documents)
        if more and finished(word, whole, vocab, texts, tuple(more)):
            reading.typos.update(more)  # a whole word typed no more: its completions are typos
            more = {}
        return (reading.texts, tuple(sorted(reading.typos.items())),
                tuple(sorted(more.items())))


def _conjunction(q: Q.Query) -> bool:
    """True for an AND of parts, or a single plain word (what relaxed matching applies to)."""
    return isinstance(q, Q.And) or words_in_fields(q)

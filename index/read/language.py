"""One language per query: which language's stop words and stems a query is read with.

An index holding several languages used to read every query in all of them: "die" (a German
stop word) was dropped from "how did hugh hefner die", "bin laden son killed" was searched as
"laden killed" ("bin": German, "son": French). Now the query's words vote: each is a stop
word in some of the index's languages. A language other than the index's main one (most
documents) needs ``MIN_VOTES`` votes and more than the main one, which takes the query with
more votes than any other; failing that (no stop word, or a tie), letters only one language
writes (``LETTERS``) decide, then the documents holding the words (``held_shares``: "Kerosin
Pfalz", "Wahl in Bayern" are German because German documents hold ``HELD_SHARE`` of the
words; a word no title holds is counted in the bodies, by its stem in each language:
"Jamaika Sondierung"; or most of them, for a language one of the query's stop words is of:
"victoire de Hollande"), then the main language. Only that language's stop words are dropped, and a German
query's words also match their compounds (``compounds``).

Stems follow the query's language too (``stem_languages``): a language of few documents (less
than ``MINOR_SHARE``) adds its stems to a word of another language's query only where its
documents are most of those holding the word as typed (``MINOR_HELD``): on FakeNewsNet (29
German documents of 63,000) an English "farmer" is no German "farm", "jenner" no "jenn"; at 8x
FakeNewsNet, one German document among the 2,377 holding "time" made every "time" German "tim"
too (the Tims). The languages of a real share keep adding their stems (a French "président"
finds English articles): restricting them too lost on free-news-demo. Every language's stems
are still searched: a French question finds the English article ("président" → "presid");
restricting another language's stems to that language's documents ("farmer" → German "farm"
only in German documents) is not done yet.

>>> query_language(["how", "did", "hugh", "hefner", "die"], ("en", "de", "fr"))
'en'
>>> query_language(["bin", "laden", "son", "killed"], ("en", "de", "fr"))
'en'
>>> query_language(["warum", "regnet", "kerosin", "auf", "die", "pfalz"], ("en", "de", "fr"))
'de'
>>> query_language(["élections", "légis"], ("en", "de", "fr"))
'fr'
"""
from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

import numpy as np

from index.analysis import fold, is_stopword, query_terms
from index.read import sets
from index.read.variants import Reading
from index.store.whoosh_postings import postings

MIN_VOTES = 2  # stop words a language other than the main one needs to take a query
HELD_SHARE = 0.8  # share of the holders of a query's words a language needs to take it
MINOR_SHARE = 0.05  # a language of fewer documents adds stems only to words they hold,
MINOR_HELD = 0.5    # when its documents are more than this share of the word's holders
HELD_FIELD = "spell"  # the unstemmed words of titles, deks, headings and names
LETTERS = {"de": frozenset("äöüß"), "fr": frozenset("éèêàçôîûëïœ")}
# a question's own words the Snowball lists leave out (English's has how, when, why, did):
# not searched in a query of that language, as its stop words ("wann wurde der Bundestag
# gewählt" is about the Bundestag, not every page saying "wurde")
QUESTION_WORDS = {"de": frozenset({"wann", "warum", "wieso", "weshalb", "weswegen", "wer",
                                   "wen", "wem", "wessen", "wurde", "wurden", "worden"}),
                  "fr": frozenset({"quand", "pourquoi", "comment", "ou", "quel", "quelle",
                                   "quels", "quelles", "combien"})}

# the verb of a question asking what happened: not searched in a question with other words
# ("que se passe-t-il au Mali": the French Mali articles do not say "passe", English pages
# quoting French do, and ranked above them; "what happened to demi lovato")
QUESTION_FRAMES = {"en": frozenset({"happen", "happens", "happened", "happening"}),
                   "de": frozenset({"passiert", "passierte", "geschehen", "geschah"}),
                   "fr": frozenset({"passe", "passee", "arrive"})}

ELIDED = {"qu": "que"}  # a French question opening with an elided word: "qu'est-il arrivé"

QUESTION_STARTS = {"en": frozenset({"what", "how", "why", "when", "where", "who", "which", "whose",
                                    "did", "does", "do", "is", "are", "was", "were", "can",
                                    "could", "will", "would", "should", "has", "have"}),
                   "de": frozenset({"wie", "was", "wo", "woher", "wohin", "ist", "sind", "hat"}),
                   "fr": frozenset({"qui", "que", "quoi", "est"})}


def is_query_stop(word: str, langs: tuple[str, ...]) -> bool:
    """Return True if ``word`` is not searched in a query read in ``langs``: a stop word, or
    a question word (``QUESTION_WORDS``) of one of them."""
    plain = fold(word.lower())
    return is_stopword(word, langs) or any(plain in QUESTION_WORDS.get(lang, ()) for lang in langs)


def is_question(words: list[str], langs: tuple[str, ...]) -> bool:
    """Return True if ``words`` ask a question in one of ``langs``: the first is a question
    word or an auxiliary that opens one ("did obama ban…", "wann wurde…", "qui a gagné…").

    >>> is_question(["did", "obama", "ban"], ("en",)), is_question(["obama", "ban"], ("en",))
    (True, False)
    >>> is_question(["qu'est", "il", "arrivé", "à", "chirac"], ("fr",))
    True
    """
    first = fold(words[0].lower()) if len(words) > 2 else ""
    first = ELIDED.get(first.replace("\u2019", "'").split("'")[0], first)
    return any(first in QUESTION_STARTS.get(lang, ()) or first in QUESTION_WORDS.get(lang, ())
               for lang in langs)


def is_frame(word: str, langs: tuple[str, ...]) -> bool:
    """Return True if ``word`` (folded, lowercase) frames a question in one of ``langs``."""
    return any(word in QUESTION_FRAMES.get(lang, ()) for lang in langs)


def question_frames(words: list[str], langs: tuple[str, ...]) -> frozenset[str]:
    """Return the words of ``words`` (folded) that only frame a question in one of ``langs``
    (``QUESTION_FRAMES``), when they ask one and other words are left to search.

    >>> sorted(question_frames(["what", "happened", "to", "demi", "lovato"], ("en",)))
    ['happened']
    >>> sorted(question_frames(["what", "happened", "to"], ("en",)))
    []
    """
    if not is_question(words, langs):
        return frozenset()
    plain = [fold(w.lower()) for w in words]
    frames = {w for w in plain if is_frame(w, langs)}
    rest = [w for w, p in zip(words, plain) if p not in frames and not is_query_stop(w, langs)]
    return frozenset(frames) if rest else frozenset()


def query_language(words: list[str], langs: tuple[str, ...],
                   held: Callable[[str], dict[str, int]] | None = None) -> str:
    """Return the language a query of ``words`` is read in (its stop words), among the
    index's ``langs`` (most documents first); ``held``: a word → the documents of each
    language holding it (see ``holders``)."""
    main = langs[0] if langs else "en"
    if len(langs) < 2:
        return main
    votes = {lang: sum(is_query_stop(w, (lang,)) for w in words) for lang in langs}
    best = max(langs, key=lambda lang: (votes[lang], lang == main))
    if best != main and votes[best] >= MIN_VOTES and votes[best] > votes[main]:
        return best
    if votes[main] and votes[main] > max(votes[lang] for lang in langs if lang != main):
        return main
    letters = set("".join(words))
    marked = [lang for lang in langs if LETTERS.get(lang, frozenset()) & letters]
    if len(marked) == 1:
        return marked[0]
    if held is None:
        return main
    shares, voters = held_shares([w for w in words if not is_query_stop(w, langs)], langs, held)
    if not voters:
        return main
    best = max(langs, key=lambda lang: shares[lang])
    # most holders, and a stop word of its own: "victoire de Hollande" (English pages name
    # Hollande more often; read as English, "de" was searched and "victoire de Serena
    # Williams" came first)
    if shares[best] >= HELD_SHARE * voters or (
            votes[best] and all(shares[best] > shares[lang] for lang in langs if lang != best)):
        return best
    return main


def stem_languages(word: str, query: tuple[str, ...], langs: tuple[str, ...],
                   held: Callable[[str], dict[str, int]] | None,
                   minor: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Return the languages whose stems ``word`` is searched as: the ``query``'s and the
    other major ones, and each ``minor`` one whose documents are most of those holding the
    word as typed (all of ``langs`` without ``held``)."""
    restricted = [lang for lang in langs if lang in minor and lang not in query]
    if held is None or not restricted:
        return langs
    kept = tuple(lang for lang in langs if lang not in restricted)
    searched = query_terms(word, kept)
    # a minor language whose stems the others already search changes nothing: no look-up
    restricted = [lang for lang in restricted if query_terms(word, (lang,)) - searched]
    if not restricted:
        return langs
    found = held(word)
    holding = sum(found.values())
    return tuple(lang for lang in langs
                 if lang not in restricted or found.get(lang, 0) > MINOR_HELD * holding)


def in_language(word: str, texts: tuple[str, ...], reading: Reading,
                held: Callable[..., dict[str, int]], lang: str) -> Reading:
    """Return ``reading`` (how ``word``, standing for ``texts``, is searched) kept to the
    query's language ``lang`` when that language's documents hold the word: a word typed with
    accents is no typo ("grève", one French body, is no "grave"), and a typo or correction must
    be held by that language's documents too (German "Sondierung" is no English "soldier")."""
    if not (reading.typos or reading.corrected) or not held(word, True).get(lang):
        return reading  # a word its language does not hold: any correction may do
    if fold(word) != word or (reading.corrected and not held(reading.corrected, True).get(lang)):
        return Reading(texts)
    typos = {t: w for t, w in reading.typos.items() if held(t, True).get(lang)}
    return Reading(reading.texts, typos, reading.corrected)


def minor_languages(reader, langs: tuple[str, ...]) -> tuple[str, ...]:
    """Return those of ``langs`` that fewer than ``MINOR_SHARE`` of the documents are in;
    kept per reader (a snapshot's): looking each language up in every segment on every query
    cost 0.45 ms a search at 4x FakeNewsNet."""
    known = _MINOR.setdefault(reader, {})
    found = known.get(langs)
    if found is None:
        total = reader.doc_count_all()
        found = known[langs] = tuple(lang for lang in langs
                                     if reader.doc_frequency("lang", lang) < MINOR_SHARE * total)
    return found


_MINOR: WeakKeyDictionary = WeakKeyDictionary()  # reader → langs → minor languages


def held_shares(words: list[str], langs: tuple[str, ...],
                held: Callable[[str], dict[str, int]]) -> tuple[dict[str, float], int]:
    """Return each language's votes and how many of ``words`` voted: each word held anywhere
    splits one vote by its holders' languages."""
    shares = dict.fromkeys(langs, 0.0)
    voters = 0
    for word in words:
        by_lang = held(word, True)
        total = sum(by_lang.values())
        if total:
            voters += 1
            for lang, n in by_lang.items():
                shares[lang] += n / total
    return shares, voters


def holders(reader, langs: tuple[str, ...], lists=None,
            columns=None) -> Callable[[str], dict[str, int]]:
    """Return a function: a word → how many documents of each of ``langs`` hold it as typed
    in a title, dek, heading or name (one posting list a word; ``stemmed``: else in the bodies,
    by its stem in each language). ``lists``: the snapshot's ``PostingLists``;
    ``columns``: its ``FacetColumns`` (each document's language; else the lang postings)."""
    def get(field: str, text: str) -> np.ndarray:
        return (lists.get(reader, field, text) if lists is not None
                else postings(reader, field, text))[0]

    def in_lang(docs: np.ndarray, lang: str) -> int:
        if columns is None:
            return int(np.isin(docs, get("lang", lang), assume_unique=True).sum())
        values = columns.values["lang"]
        return int(np.count_nonzero(columns.codes["lang"][docs] == values.index(lang))) \
            if lang in values else 0

    seen: dict[tuple[str, bool], dict[str, int]] = {}

    def count(word: str, stemmed: bool = False) -> dict[str, int]:
        key = (fold(word.lower()), stemmed)
        if key not in seen:
            docs = get(HELD_FIELD, key[0])
            seen[key] = {lang: in_lang(docs, lang) for lang in langs} if len(docs) else {}
            if stemmed and not len(docs):  # no title holds it: the bodies, in each language
                found = {lang: in_lang(sets.union([get("body", t) for t in
                                                   sorted(query_terms(word, (lang,)))]), lang)
                         for lang in langs}
                seen[key] = {lang: n for lang, n in found.items() if n}
        return seen[key]
    return count

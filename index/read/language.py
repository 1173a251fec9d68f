"""One language per query: which language's stop words and stems a query is read with.

An index holding several languages used to read every query in all of them: "die" (a German
stop word) was dropped from "how did hugh hefner die", "bin laden son killed" was searched as
"laden killed" ("bin": German, "son": French). Now the query's words vote: each is a stop
word in some of the index's languages. A language other than the index's main one (most
documents) needs ``MIN_VOTES`` votes and more than the main one; failing votes, letters only
one language writes (``LETTERS``) decide; with no evidence at all (names, a few nouns), the
main language. Only that language's stop words are dropped. Every language's stems are still
searched: a French question finds the English article ("président" → "presid"); restricting
another language's stems to that language's documents ("farmer" → German "farm" only in
German documents) is not done yet.

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

from index.analysis import is_stopword

MIN_VOTES = 2  # stop words a language other than the main one needs to take a query
LETTERS = {"de": frozenset("äöüß"), "fr": frozenset("éèêàçôîûëïœ")}


def query_language(words: list[str], langs: tuple[str, ...]) -> str:
    """Return the language a query of ``words`` is read in (its stop words), among the
    index's ``langs`` (most documents first)."""
    main = langs[0] if langs else "en"
    if len(langs) < 2:
        return main
    votes = {lang: sum(is_stopword(w, (lang,)) for w in words) for lang in langs}
    best = max(langs, key=lambda lang: (votes[lang], lang == main))
    if best != main and votes[best] >= MIN_VOTES and votes[best] > votes[main]:
        return best
    if votes[main] and votes[main] >= votes[best]:
        return main
    letters = set("".join(words))
    marked = [lang for lang in langs if LETTERS.get(lang, frozenset()) & letters]
    return marked[0] if len(marked) == 1 else main

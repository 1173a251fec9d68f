"""The forms of a query's explicit syntax: a "phrase" as the index-term sequences it stands
for in each language, and a prefix* as the most frequent terms it completes to (bounded, never
a scan). Used by ``expand.Expander``; ``expander`` is one (its languages, vocabularies, reader
and log).
"""
from __future__ import annotations

from whoosh import query as Q

from index.analysis import fold, stem_of
from index.read.vocabulary import Vocabulary
from index.schema import TEXT_FIELDS

MAX_EXPANSION = 300  # index terms an explicit prefix* may stand for (most frequent)


def phrase_query(expander, q: Q.Phrase) -> Q.Query | None:
    """Return an explicit phrase as the index-term sequences it stands for (see
    ``phrase_forms``), noted for highlighting."""
    variants = phrase_forms(q.words, expander.langs)
    for v in variants:
        expander.log.note(q.fieldname, v)
    phrases = [Q.Phrase(q.fieldname, list(v), slop=q.slop) if len(v) > 1
               else Q.Term(q.fieldname, v[0]) for v in sorted(variants)]
    return phrases[0] if len(phrases) == 1 else Q.Or(phrases, boost=q.boost)


def prefix_query(expander, q: Q.Query) -> Q.Query | None:
    """An explicit prefix: the most frequent terms starting with it, in a text field;
    on other fields (id, kind, author…) the exact value, never a scan."""
    literal = fold(q.text.lower()).rstrip("*?")
    if q.fieldname not in TEXT_FIELDS:
        return Q.Term(q.fieldname, q.text.rstrip("*?"), boost=q.boost)
    if not literal:
        return None
    vocab = expander.vocabulary()[0] if expander.vocabulary is not None else None
    found = prefix_terms(expander.reader, q.fieldname, literal, vocab, MAX_EXPANSION)
    if not found:
        return None
    if not expander.log.afford(len(found)):
        expander.log.ignored.append(q.text + "*")
        return None
    expander.log.note(q.fieldname, found)
    return Q.Or([Q.Term(q.fieldname, t) for t in found], boost=q.boost)


def phrase_forms(words, langs: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Return the index-term sequences a phrase stands for: its stems in each language (stop
    words left out, as the index leaves them) and its words unstemmed."""
    forms = set()
    for lang in langs:
        stems = [s for s in (stem_of(w.lower(), lang) for w in words) if s]
        if stems:
            forms.add(tuple(stems))
    forms.add(tuple(fold(w.lower()) for w in words))
    return forms


def prefix_terms(reader, fieldname: str, literal: str, vocab: Vocabulary | None,
                 limit: int) -> list[str]:
    """Return the terms of ``fieldname`` an explicit ``literal*`` stands for: the literal
    itself if indexed, then the most frequent completions (the first ones in term order
    when there is no vocabulary), ``limit`` at most."""
    found = [literal] if reader.doc_frequency(fieldname, literal) else []
    if vocab is not None:
        found += vocab.with_prefix(literal, limit)
    else:
        for n, term in enumerate(reader.expand_prefix(fieldname, literal)):
            if n >= limit:
                break
            found.append(term.decode("utf-8") if isinstance(term, bytes) else term)
    return list(dict.fromkeys(found))

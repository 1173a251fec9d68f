"""One word of a query standing for several forms, each a query of its own: a synonym group
(``synonyms``: the editor's forms of one word or phrase) and a word with its German compounds
(``compounds``: its parts written apart, as a phrase, or the compounds it is a part of). In
relaxed matching each counts as the one word typed (``query.SynonymGroup``). ``expander`` is
the query's ``expand.Expander``: each form is expanded as the word is."""
from __future__ import annotations

from whoosh import query as Q

from index.analysis import fold
from index.read.compounds import PART_WEIGHT, compounds_among, compounds_of
from index.read.query import FieldedTerm, SynonymGroup


def synonym_group(expander, marker: str, group: list[Q.Term]) -> Q.Query | None:
    """Return one word unit matching any form of the synonym group ``marker`` stands for,
    each form sought in the fields (and with the boosts) of ``group``."""
    forms = []
    for form in expander.synonyms[marker]:
        if len(form) == 1:
            found = expander._fielded([Q.Term(t.fieldname, form[0], boost=t.boost)
                                       for t in group])
        else:
            found = expander.expand(Q.Or([Q.Phrase(t.fieldname, list(form), boost=t.boost)
                                          for t in group]))
        if found is not None:
            forms.append(found)
    if not forms:
        return None
    return SynonymGroup(forms, word=" ".join(expander.synonyms[marker][0]))


def compound_group(expander, term: FieldedTerm, parts: tuple[str, str]) -> Q.Query:
    """Return one word unit matching ``term`` or its compound ``parts`` as a phrase in the
    same fields, the phrase at ``compounds.PART_WEIGHT`` (see ``compounds``)."""
    phrase = expander.expand(Q.Or([Q.Phrase(name, list(parts), boost=boost)
                                   for name, boost in term.weights.items()], boost=PART_WEIGHT))
    if phrase is None:
        return term
    expander.log.compounds[term.word] = list(parts)
    return SynonymGroup([term, phrase], word=term.word)


def with_compounds(expander, term: FieldedTerm) -> FieldedTerm:
    """Return ``term`` also matching the compounds its word is a part of, below the word as
    typed (a German query's: see ``compounds.compounds_of``); so do its completions that are
    such compounds ("Sondierung": "Sondierungsgespräche" is no unfinished "Sondierung")."""
    if expander.vocabulary is None or any(c.isdigit() for c in term.word):
        return term
    vocab, whole = expander.vocabulary()
    grown = compounds_among(fold(term.word), [t for t, _ in term.completions], vocab)
    found = compounds_of(term.word, term.texts, vocab, whole, expander.langs)
    found = [t for t in found if t not in {v for v, _ in term.variants + term.completions}]
    if not expander.log.afford(len(found) * len(term.weights)) or not found and not grown:
        return term
    expander.log.note_all(term.weights, found)
    expander.log.compounds[term.word] = grown + found
    return FieldedTerm(term.texts, term.weights, term.boost, term.variants + tuple(
        (t, PART_WEIGHT) for t in grown + found), tuple(
        c for c in term.completions if c[0] not in grown), term.word, term.joined)

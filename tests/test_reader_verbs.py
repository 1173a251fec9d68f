"""A German question ending in a past participle (issue 22): the participle also stands for
its verb's other forms (``compounds.verb_forms``), which Snowball stems apart ("gewählt" →
gewahlt; "wählten" → wahlt; "wählen", "Wahl" → wahl). On free-news-demo; ``bench/reader``
measures the rule on the judged reader set (docs/benchmarks.md, part 9)."""
from __future__ import annotations

from index.read.compounds import verb_forms
from tests.test_reader_ranking import search, titles


def test_a_question_finds_the_election_by_its_participle(freenews_search):
    """"wann wurde der Bundestag gewählt": the Von der Leyen page ("… gewählt" in its title)
    was first; the page about the 2017 Bundestag election ("Die Wahl zum 19. deutschen
    Bundestag", "wählten") now is."""
    result = search(freenews_search, "wann wurde der Bundestag gewählt", 3)
    assert titles(result)[0].startswith("Die Wahl zum 19. deutschen Bundestag"), titles(result)
    assert {"wahl", "wahlt"} <= result.terms["title"]


def test_only_a_lowercase_participle_after_an_auxiliary():
    """A capitalised word is a German noun ("Gericht" is no form of "richten"); without an
    auxiliary, or in an English query, nothing is added."""
    assert verb_forms("wann wurde der Bundestag gewählt", ("de",)) == {
        "gewählt": frozenset({"wahl", "wahlt"})}
    assert verb_forms("wann wurde das Gericht", ("de",)) == {}
    assert verb_forms("Bundestag gewählt", ("de",)) == {}
    assert verb_forms("wann wurde der Bundestag gewählt", ("en",)) == {}
    assert verb_forms("wer hat die Wahl gewonnen", ("de",)) == {}  # a strong verb: -en

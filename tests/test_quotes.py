"""Quote extraction and speaker resolution, pattern by pattern, in English, German and French.

Each case is a short article (paragraphs) written for this test and the quotes expected from
it as (text, speaker, role, mention). Cases on real articles are in test_quotes_real.py.
"""
from __future__ import annotations

import pytest

from corpus.quotes import find_quotes


def found(*paragraphs: str) -> list[tuple[str, str, str, str]]:
    return [(q.text, q.speaker, q.role, q.mention) for q in find_quotes(list(paragraphs))]


def speakers(*paragraphs: str) -> list[str]:
    return [q.speaker for q in find_quotes(list(paragraphs))]


# -- where the attribution stands ------------------------------------------------------------
@pytest.mark.parametrize("para, expected", [
    ("“We will open the bridge in May,” said Mayor Jane Doe.",
     ("We will open the bridge in May", "Jane Doe", "Mayor", "Mayor Jane Doe")),
    ("„Wir öffnen die Brücke im Mai“, sagte Bürgermeisterin Anna Weber.",
     ("Wir öffnen die Brücke im Mai", "Anna Weber", "Bürgermeisterin", "Bürgermeisterin Anna Weber")),
    ("« Nous ouvrirons le pont en mai », a déclaré la maire Claire Dubois.",
     ("Nous ouvrirons le pont en mai", "Claire Dubois", "maire", "la maire Claire Dubois")),
])
def test_cue_then_speaker_after_the_quote(para, expected):
    assert found(para) == [expected]


@pytest.mark.parametrize("para, speaker", [
    ("“We will open the bridge in May,” Jane Doe said on Monday.", "Jane Doe"),
    ("„Wir öffnen die Brücke im Mai“, so Anna Weber.", "Anna Weber"),
    ("»Wir öffnen die Brücke im Mai«, Anna Weber sagte am Montag.", "Anna Weber"),
    ("« Nous ouvrirons le pont en mai », selon Claire Dubois.", "Claire Dubois"),
])
def test_speaker_then_cue_after_the_quote(para, speaker):
    assert speakers(para) == [speaker]


@pytest.mark.parametrize("para, expected", [
    ("Jane Doe told reporters: “We will not raise taxes this year.”",
     ("We will not raise taxes this year.", "Jane Doe")),
    ("Anna Weber sagte am Montag: „Wir erhöhen die Steuern nicht.“",
     ("Wir erhöhen die Steuern nicht.", "Anna Weber")),
    ("Claire Dubois a déclaré : « Nous n’augmenterons pas les impôts. »",
     ("Nous n’augmenterons pas les impôts.", "Claire Dubois")),
    ("Dagegen meinte Anna Weber, „die Steuern bleiben, wie sie sind“.",
     ("die Steuern bleiben, wie sie sind", "Anna Weber")),
])
def test_speaker_and_cue_before_the_quote(para, expected):
    assert [(t, s) for t, s, _, _ in found(para)] == [expected]


def test_a_long_apposition_names_the_role():
    para = ("“The figures are clear,” Harry J. Kazianis, director of defense studies at the "
            "Center for the National Interest, said on Monday.")
    assert found(para) == [("The figures are clear", "Harry J. Kazianis",
                            "director of defense studies", "Harry J. Kazianis")]


@pytest.mark.parametrize("cue", ["told reporters", "wrote", "added", "asked", "explained",
                                 "argued", "warned", "noted", "insisted", "tweeted", "posted"])
def test_cues_beyond_said(cue):
    assert speakers(f"“The plan will cost far more than we were told,” Jane Doe {cue}.") == ["Jane Doe"]


@pytest.mark.parametrize("para, speaker", [
    ("“We cannot wait any longer for the money,” the council said in a statement.", ""),  # no council named: unresolved
    ("In a statement, Jane Doe said the plan was “a waste of public money.”", "Jane Doe"),
    ("According to Jane Doe, the harbour will reopen next week after the repairs.", "Jane Doe"),
    ("Laut Anna Weber wird der Hafen nächste Woche nach den Reparaturen wieder geöffnet.", "Anna Weber"),
    ("Selon Claire Dubois, le port rouvrira la semaine prochaine après les travaux.", "Claire Dubois"),
])
def test_statements_and_according_to(para, speaker):
    assert speakers(para) == [speaker]


def test_partly_quoted_clause_is_the_quote():
    got = found("Jane Doe said the tax breaks “do nothing to boost the economy.”")
    assert got == [("the tax breaks “do nothing to boost the economy.”", "Jane Doe", "", "Jane Doe")]


# -- quotes over several paragraphs and quote paragraphs that follow ----------------------------
@pytest.mark.parametrize("paras, speaker", [
    (["Jane Doe spoke first.", "“We will rebuild the school.",
      "“It will take two years and cost a lot of money,” she said."], "Jane Doe"),
    (["Anna Weber sprach zuerst.", "„Wir bauen die Schule neu.",
      "„Es wird zwei Jahre dauern und viel Geld kosten“, sagte sie."], "Anna Weber"),
    (["Claire Dubois a parlé la première.", "« Nous reconstruirons l’école.",
      "« Cela prendra deux ans et coûtera cher », a-t-elle déclaré."], "Claire Dubois"),
])
def test_a_quote_over_several_paragraphs_is_one_quote(paras, speaker):
    quotes = find_quotes(paras)
    assert len(quotes) == 1 and quotes[0].speaker == speaker
    first, last = paras[1][1:].split()[0], paras[2].split()[3]
    assert quotes[0].text.startswith(first) and last in quotes[0].text  # both paragraphs


@pytest.mark.parametrize("paras, speaker", [
    (["“We will rebuild the school,” Mayor Jane Doe said.",
      "“It will take two years and it will cost a great deal.”"], "Jane Doe"),
    (["„Wir bauen die Schule neu“, sagte Bürgermeisterin Anna Weber.",
      "„Es wird zwei Jahre dauern und viel Geld kosten.“"], "Anna Weber"),
    (["« Nous reconstruirons l’école », a déclaré Claire Dubois.",
      "« Cela prendra deux ans et coûtera cher. »"], "Claire Dubois"),
])
def test_a_quote_paragraph_after_an_attributed_one_keeps_its_speaker(paras, speaker):
    assert speakers(*paras) == [speaker, speaker]


def test_a_quote_paragraph_after_narration_is_not_attributed():
    assert speakers("“We will rebuild the school,” Mayor Jane Doe said.",
                    "The council meets again on Friday.",
                    "“It will take two years and it will cost a great deal.”") == ["Jane Doe"]


# -- speaker resolution ------------------------------------------------------------------------
@pytest.mark.parametrize("paras, speaker, mention", [
    (["Jane Doe opened the meeting.", "“We have waited long enough for this,” she said."],
     "Jane Doe", "she"),
    (["Anna Weber eröffnete die Sitzung.", "„Wir haben lange genug gewartet“, sagte sie."],
     "Anna Weber", "sie"),
    (["Claire Dubois a ouvert la séance.", "« Nous avons assez attendu », a-t-elle déclaré."],
     "Claire Dubois", "elle"),
])
def test_a_pronoun_is_the_last_person_named(paras, speaker, mention):
    [(_, who, _, said)] = found(*paras)
    assert (who, said) == (speaker, mention)


@pytest.mark.parametrize("paras, speaker", [
    (["Hillary Clinton met Donald Trump on stage.", "“I will not be bullied,” she said."],
     "Hillary Clinton"),
    (["Donald Trump met Hillary Clinton on stage.", "“I will win this,” he said."],
     "Donald Trump"),
    (["Angela Merkel traf Gerhard Schröder in Berlin.", "„Das ist mein Weg“, sagte er."],
     "Gerhard Schröder"),
    (["Marie Dupont a rencontré Jean Martin à Paris.", "« C’est mon choix », a-t-elle dit."],
     "Marie Dupont"),
])
def test_a_pronoun_skips_people_of_the_other_gender(paras, speaker):
    assert speakers(*paras) == [speaker]


@pytest.mark.parametrize("paras, speaker, role, mention", [
    (["Premier Doug Ford spoke on Monday.", "“We are not backing down,” the premier told reporters."],
     "Doug Ford", "Premier", "the premier"),
    (["Ministerin Julia Braun kam am Montag.", "„Wir bleiben dabei“, sagte die Ministerin."],
     "Julia Braun", "Ministerin", "die Ministerin"),
    (["La ministre Sophie Martin est arrivée lundi.", "« Nous tiendrons bon », a affirmé la ministre."],
     "Sophie Martin", "ministre", "la ministre"),
])
def test_a_description_is_the_person_introduced_with_that_role(paras, speaker, role, mention):
    assert found(*paras)[0][1:] == (speaker, role, mention)


@pytest.mark.parametrize("paras", [
    ["Tom Berg runs the port.", "“The channel is clear,” Berg said."],
    ["Tom Berg leitet den Hafen.", "„Die Fahrrinne ist frei“, sagte Berg."],
    ["Tom Berg dirige le port.", "« Le chenal est dégagé », a déclaré Berg."],
])
def test_a_surname_is_the_full_name_given_earlier(paras):
    [(_, speaker, _, mention)] = found(*paras)
    assert (speaker, mention) == ("Tom Berg", "Berg")


def test_one_person_one_speaker_under_the_fullest_name():
    got = found("“We will win this state easily,” Trump said.",
                "Donald Trump held a rally in Ohio on Friday.",
                "“Nobody builds walls like me,” President Trump added.")
    assert [(s, r, m) for _, s, r, m in got] == [("Donald Trump", "", "Trump"),
                                                 ("Donald Trump", "President", "President Trump")]


def test_a_role_word_speaker_stays_apart_from_a_name():
    got = found("Officials said the bridge would “stay closed for weeks to come.”")
    assert got and all((s, m) == ("unnamed source", "Officials") for _, s, _, m in got)


# -- precision: what is not a quote -----------------------------------------------------------
@pytest.mark.parametrize("para", [
    "The so-called “green deal” was on the agenda again.",
    "Der sogenannte „Green Deal“ stand wieder auf der Tagesordnung.",
    "Le « pacte vert » était de nouveau à l’ordre du jour.",
    # a new sentence after the quote is not its attribution
    "Russia insisted that Pyongyang “stop its dangerous escapades.” The agency said nothing.",
])
def test_scare_quotes_and_titles_are_not_quotes(para):
    assert all("agency" not in s for s in speakers(para))
    assert not [q for q in find_quotes([para]) if "green" in q.text.lower()
                or "pacte" in q.text or "escapades" in q.text and q.speaker != "Russia"]


def test_a_span_in_a_relative_clause_is_not_the_cues():
    para = ("The agency announced that it had arrested a man who was charged with "
            "“establishing an intelligence operation” that planned the attack.")
    assert find_quotes([para]) == []


@pytest.mark.parametrize("para, speaker", [
    ("“We will rebuild the school,” Jane Doe said. “It will take two years.”", "Jane Doe"),
    ("„Wir bauen die Schule neu“, sagte Anna Weber. „Es wird zwei Jahre dauern.“", "Anna Weber"),
    ("« Nous reconstruirons l’école », a déclaré Claire Dubois. « Cela prendra deux ans. »",
     "Claire Dubois"),
])
def test_spans_of_one_attribution_are_one_quote(para, speaker):
    [quote] = find_quotes([para])
    assert quote.speaker == speaker and " … " in quote.text


@pytest.mark.parametrize("paras, speaker", [
    (["Jane Doe spoke to the council on Monday. She said:", "“We will rebuild the school.”"],
     "Jane Doe"),
    (["Trump attacked Clinton over Iraq and Libya, saying, “She is trigger-happy and unstable.”"],
     "Trump"),
])
def test_introduced_quotes_and_participle_cues(paras, speaker):
    assert speakers(*paras) == [speaker]


def test_a_cue_closing_the_sentence_of_a_quote_inside_it():
    got = found("Jane Doe spoke first.",
                "“The bank should pay back every penny” to its customers, she said.")
    assert got == [("“The bank should pay back every penny” to its customers", "Jane Doe", "",
                     "she")]


"""Role words, name parts and the split of an attribution into (name, role).

Shared by the quote finder and the speaker resolver: which words are roles or titles
("Premier", "Kulturdezernentin", "porte-parole"), which are honorifics, pronouns, sentence
words that are never names, and the gender they hint at. Gender of a first name comes from
``gender_guesser``'s dictionary of about 40,000 first names across European languages
(loaded once per process, on first use).
"""
from __future__ import annotations

import re
from functools import lru_cache

MAX_SPEAKER_WORDS = 10
MAX_THING_WORDS = 4  # "an NCRI statement": a speaker that is not a person stays short
_OF = {"of", "for", "des", "du", "de", "d'", "der"}
_ADVERBS = {"also", "then", "later", "once", "previously", "recently", "just", "again", "too"}
CLAUSE_CUT = re.compile(
    r",|\s(?:in|on|at|during|published|who|when|after|before|last|yesterday|today|earlier|"
    r"told|to|am|im|au|en|el|dans|lors|hier|heute|gestern|ayer|while|as|auf|bei|gegenüber|"
    r"vor|mit|nach|für|über|zum|zur|dass|sur|avec|pour|devant|que|of the|once|speaking)\s",
    re.IGNORECASE,
)
DETERMINERS = {"the", "a", "an", "der", "die", "das", "le", "la", "les", "l'", "el", "los",
                "un", "une", "ein", "eine", "his", "her", "their", "its"}
_PARTICLES = {"van", "von", "de", "da", "del", "der", "di", "du", "la", "le", "bin", "al", "ten",
              "ter", "y", "dos", "das", "zu"}
ROLE_WORDS = {
    "minister", "president", "prime", "mayor", "secretary", "chief", "director", "professor",
    "prof", "dr", "dr.", "senator", "sen.", "governor", "gov.", "spokesperson", "spokesman",
    "spokeswoman", "coach", "ceo", "chairman", "chairwoman", "chair", "head", "leader",
    "deputy", "ambassador", "judge", "general", "gen.", "captain", "officer", "commissioner",
    "councillor", "councilor", "chancellor", "king", "queen", "prince", "princess", "pope",
    "bishop", "representative", "rep.", "manager", "founder", "editor", "economist",
    "analyst", "engineer", "mr.", "mrs.", "ms.", "sir", "foreign", "justice", "attorney",
    "inspector", "superintendent", "sheriff", "vice", "executive", "officials", "official",
    "bürgermeister", "bürgermeisterin", "ministerin", "präsident", "präsidentin",
    "professorin", "trainer", "trainerin", "sprecher", "sprecherin", "kanzler", "kanzlerin",
    "maire", "ministre", "président", "présidente", "professeur", "professeure",
    "entraîneur", "porte-parole", "alcalde", "alcaldesa", "ministra", "ministro",
    "presidente", "presidenta", "portavoz", "entrenador", "entrenadora", "profesor",
    "profesora", "concejal", "concejala", "stadträtin", "stadtrat", "adjointe", "adjoint",
    "diplomat", "unterhändler", "vertreter", "vertreterin", "pdg", "député", "députée",
    "premier", "nominee", "candidate", "speaker", "chairman", "lawyer", "attorney",
    "prosecutor", "candidat", "candidate", "porte-parole", "spokesperson", "aide",
    "strategist", "adviser", "advisor", "staffer", "activist", "campaign", "ruling",
    "democrat", "republican", "gop", "businessman", "businesswoman", "congressman",
    "congresswoman", "lawmaker", "commission", "union", "governor", "senator",
    "stürmer", "torwart", "kapitän", "kapitänin", "striker", "goalkeeper", "midfielder",
    "defender", "attaquant", "gardien", "capitaine",
}

ROYAL_TITLES = {"prince", "princess", "queen", "king", "duke", "duchess"}

# People spoken of by what they are to someone, and groups: descriptions, never a name.
PERSON_NOUNS = {"doctor", "physician", "wife", "husband", "son", "daughter", "mother", "father",
                "brother", "sister", "niece", "nephew", "friend", "neighbor", "neighbour",
                "witness", "resident", "voter", "critic", "supporter", "expert"}
GROUPS = {"protesters", "demonstrators", "voters", "critics", "supporters", "analysts",
          "experts", "residents", "witnesses", "relatives", "neighbors", "neighbours"}
ROLE_WORDS |= PERSON_NOUNS | GROUPS

# German job titles are capitalised compounds ("Kulturdezernentin", "Landesgeschäftsführer"):
# recognised by their last part.
ROLE_SUFFIXES = (
    "dezernent", "dezernentin", "sprecher", "sprecherin", "leiter", "leiterin", "direktor",
    "direktorin", "meister", "meisterin", "führer", "führerin", "vorsitzende", "vorsitzender",
    "minister", "ministerin", "präsident", "präsidentin", "stadtrat", "stadträtin", "referent",
    "referentin", "kämmerer", "kämmerin", "chef", "chefin", "trainer", "trainerin",
    "professor", "professorin", "wirt", "wirtin", "bewohner", "bewohnerin", "anwohner",
    "anwohnerin", "abgeordnete", "abgeordneter", "senator", "senatorin", "kandidat",
    "kandidatin",
)


@lru_cache(maxsize=16384)
def is_role_word(word: str) -> bool:
    """Return True if ``word`` names a role or title rather than a person.

    >>> is_role_word("Kulturdezernentin"), is_role_word("Mayor"), is_role_word("Vincent")
    (True, True, False)
    """
    bare = word.lower().strip(".,").rsplit("-", 1)[-1]  # "Unions-Kanzlerkandidatin"
    return bare in ROLE_WORDS or bare + "." in HONORIFICS or (len(bare) > 5 and bare.endswith(ROLE_SUFFIXES))


HONORIFICS = {"mr.", "mrs.", "ms.", "mr", "mrs", "ms", "dr.", "dr", "herr", "frau", "m.", "mme", "mme.",
              "monsieur", "madame", "sir", "dame", "sr.", "sra."}
FEMALE_WORDS = {"mrs.", "ms.", "mrs", "ms", "frau", "mme", "mme.", "madame", "dame", "sra.",
                "spokeswoman", "chairwoman", "congresswoman", "businesswoman", "queen",
                "princess", "présidente", "ministra", "presidenta", "alcaldesa", "directrice",
                "porte-parole", "actress", "wife", "mother", "daughter", "sister", "grandmother"}
FEMALE_WORDS.discard("porte-parole")  # both genders in French
MALE_WORDS = {"mr.", "mr", "herr", "m.", "monsieur", "sir", "spokesman", "chairman",
              "congressman", "businessman", "king", "prince", "président", "ministro",
              "presidente", "alcalde", "directeur", "husband", "father", "son", "brother",
              "grandfather", "pope"}
# Pronouns that can stand for the speaker, and the gender they need ("" either, "org" any
# person or organisation).
PRONOUN_GENDER = {"he": "m", "she": "f", "er": "m", "il": "m", "elle": "f", "sie": "",
                  "they": "org", "we": "org", "ils": "org", "elles": "org", "wir": "org",
                  "nous": "org", "él": "m", "ella": "f", "ellos": "org", "it": "org", "es": "org",
                  "i": "self", "je": "self", "ich": "self", "yo": "self"}  # "I said": the author
PRONOUNS = set(PRONOUN_GENDER)
# Capitalised words that start sentences or name times, never a person's first word.
FUNCTION_WORDS = set("""
    the a an and but or so yet if when while after before as at in on of for to from by with
    this that these those it its he she they we i you his her their our my your there here
    what who why how where which also then still now just even not no yes all some many most
    more one two three last next new former however meanwhile instead because although though
    since until during about against among between under over into like according per
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december jan feb mar apr jun jul aug sep sept
    oct nov dec
    der die das ein eine und aber oder wenn als auch noch nach vor mit von für im am zum zur
    bei doch denn so laut dass es er sie wir ich man diese dieser dieses montag dienstag
    mittwoch donnerstag freitag samstag sonntag januar februar märz juni juli oktober dezember
    le la les un une et mais ou si quand après avant avec pour dans sur selon il elle ils
    elles nous je on ce cette ces lundi mardi mercredi jeudi vendredi samedi dimanche
    janvier février mars avril mai juin juillet août septembre octobre novembre décembre
    el los las y pero según
    dagegen dies dann weiter außerdem zudem jedoch angesichts gegenüber darüber dazu
    daraufhin später zuvor anschließend ebenso deshalb trotzdem demnach dabei damit danach
    rückblickend ainsi puis ensuite enfin pourtant both read see watch click
    follow share said says asked added following despite amid
""".split())
_ORG_WORDS = set("""
    party committee council service agency department ministry office university college
    institute foundation association union commission court house senate congress parliament
    campaign times post news journal press network group inc corp corporation company bank
    fund center centre board bureau administration government police army navy church club
    league nations states republicans democrats team organization organisation network
    partei ministerium regierung verband gericht stadt rat ag gmbh
    parti ministère gouvernement conseil tribunal assemblée ville syndicat
""".split())


@lru_cache(maxsize=16384)
def is_org(name: str) -> bool:
    """Return True if ``name`` names an organisation rather than a person.

    >>> is_org("Oversight Committee"), is_org("New York Post"), is_org("Doug Ford")
    (True, True, False)
    """
    return any(w.lower().strip(".,") in _ORG_WORDS for w in name.split())


@lru_cache(maxsize=1)
def _detector():
    import gender_guesser.detector as detector  # a 0.3 s dictionary load, once per process
    return detector.Detector(case_sensitive=False)


@lru_cache(maxsize=65536)
def first_name_gender(word: str) -> str:
    """Return "m", "f" or "" for a first name.

    >>> first_name_gender("Hillary"), first_name_gender("Donald"), first_name_gender("Xq")
    ('f', 'm', '')
    """
    if len(word) < 2 or not word.isalpha():
        return ""
    guess = _detector().get_gender(word)
    return {"male": "m", "mostly_male": "m", "female": "f", "mostly_female": "f"}.get(guess, "")


# The single words at which CLAUSE_CUT cuts (it also cuts at "of the").
_CUTS = set(CLAUSE_CUT.pattern.split("(?:", 1)[1].split(")", 1)[0].split("|")) - {"of the"}


def _plain_name_word(word: str) -> bool:
    low = word.lower()
    return word[:1].isupper() and word.isalpha() and not is_role_word(word) and \
        low not in _CUTS and low not in _PARTICLES and low not in DETERMINERS and low not in HONORIFICS


def _thing(words: list[str], most: int) -> tuple[str, str] | None:
    """Return an organisation or a document as a speaker ("NCRI statement"), or None for a
    description that starts in lower case ("offizieller Vertreter der Türkei")."""
    while words and words[0].lower() in _OF:
        words = words[1:]  # "of Boston University"
    if not words or not words[0][:1].isupper() or len(words) > most or any(
            w.islower() and w not in _OF and w not in _PARTICLES or not w.isalpha() and any(
                c.isdigit() or c == "%" for c in w) for w in words[:-1]):
        return None  # "PolitiFact rated 22% of Democratic": a clause, not a name
    return (" ".join(words), "")


@lru_cache(maxsize=16384)
def split_speaker(who: str) -> tuple[str, str] | None:
    """Split an attribution into (speaker, role); None when it names nobody.

    >>> split_speaker("Danish Prime Minister Lars Løkke Rasmussen")
    ('Lars Løkke Rasmussen', 'Danish Prime Minister')
    >>> split_speaker("an NCRI statement published on January 9")
    ('NCRI statement', '')
    >>> split_speaker("Jane Doe, the mayor of Springfield")
    ('Jane Doe', 'mayor of Springfield')
    >>> split_speaker("die Fraktionsvorsitzende der Grünen, Meike Harms")
    ('Meike Harms', 'Fraktionsvorsitzende der Grünen')
    """
    words = who.split()
    who = " ".join(words)
    if "," not in who and 2 <= len(words) <= 4 and all(_plain_name_word(w) for w in words) \
            and not any(first_name_gender(w) for w in words[1:-1]):
        return (who, "")  # most groups: "Donald Trump", "White House", no role, no cut
    appositive = ""
    if ", " in who:
        who, appositive = who.split(", ", 1)
        head = who.split()
        while head and head[0].lower() in DETERMINERS:
            head = head[1:]
        app = CLAUSE_CUT.split(f" {appositive} ", maxsplit=1)[0].split()
        if (head and (any(is_role_word(w) for w in head) or all(w.islower() for w in head))
                and 2 <= len(app) <= 4 and all(w[:1].isupper() and not is_role_word(w) for w in app)):
            return (" ".join(app), " ".join(head))  # "the mayor of Springfield, Jane Doe"
    words = who.split()
    while words and words[0].lower() in DETERMINERS:
        words = words[1:]  # before the clause cut, which would take "el" for a preposition
    words = CLAUSE_CUT.split(f" {' '.join(words)} ", maxsplit=1)[0].split()
    while len(words) > 1 and words[-1].islower() and (
            words[-1].endswith("ly") or words[-1] in _ADVERBS):
        words = words[:-1]  # "Burke previously said"
    if not words or len(words) > MAX_SPEAKER_WORDS:
        return None
    if len(words) == 1 and words[0].lower() in PRONOUNS:
        return ("", "")  # a pronoun: the caller resolves it to the last speaker
    name: list[str] = []
    for word in reversed(words):
        bare = word.lower().strip(".,")
        role_word = is_role_word(word)
        if role_word and name:
            break
        if word[:1].isupper() and not role_word:
            name.insert(0, word)
        elif bare in _PARTICLES and name:
            name.insert(0, word)
        else:
            break
    while name and name[0].lower() in _PARTICLES:
        name.pop(0)
    # "Bundeskanzler Gerhard Schröder", "Verdienst von Julie K. Brown": capitalised words
    # before a known first name are a role (or no part of the name), not the name.
    first = 0 if name and is_org(name[-1]) else next(  # not "New | York Times"
        (i for i, w in enumerate(name) if len(name) - i >= 2 and first_name_gender(w)), 0)
    if first:
        kept = [w for w in name[:first] if w.lower() not in _PARTICLES]
        words = words[: len(words) - len(name)] + kept + name[first:]
        name = name[first:]
    if not name or not words[-1][:1].isupper():
        # No trailing proper name: an organisation or a document speaks ("an NCRI statement").
        return _thing(words, MAX_THING_WORDS)
    role = " ".join(words[: len(words) - len(name)])
    if role.split()[-1:] and role.split()[-1].lower() in _OF:
        head = role.split()[:-1]
        person = split_speaker(" ".join(head)) if len(head) >= 2 else None
        if person and " " in person[0] and first_name_gender(person[0].split()[0]):
            # "Representative Charles B. Rangel of New York"
            return (person[0], " ".join(filter(None, (person[1], role.split()[-1], " ".join(name)))))
        # "the University of California", "Chef der Federal Reserve Bank of New York"
        return _thing(words, MAX_THING_WORDS + 2)
    if appositive and not role:
        app = CLAUSE_CUT.split(f" {appositive} ", maxsplit=1)[0].split()
        while app and app[0].lower() in DETERMINERS:
            app = app[1:]
        role = " ".join(app)
    role = " ".join(w for w in role.strip(" ,").split() if w.lower() not in HONORIFICS)
    role_words = role.split()
    plain = len(role_words) <= 3 and all(w.isalpha() and w.islower() and w not in FUNCTION_WORDS
                                         for w in role_words)  # "marine biologist"
    if not plain and not any(is_role_word(w) or w[:1].isupper() for w in role_words):
        role = ""  # "experience with Stone said": words before the name, not a role
    if len(name) == 1 and role.split()[-1:] and role.split()[-1].lower() in ROYAL_TITLES:
        title = role.split()[-1]  # "Prince Harry": a royal is named with the title
        return (f"{title.capitalize()} {name[0]}", " ".join(role.split()[:-1]))
    return (" ".join(name), role)

"""Attributed quotations: find quoted spans in paragraphs and who said them.

The model: a paragraph holds quoted spans (“…”, „…“, «…», "…"). A span is a quote when an
attribution stands next to it, in one of the forms newsrooms use in English, German, French
and Spanish:

    “…,” said Danish Prime Minister Lars Løkke Rasmussen.      (verb, then speaker)
    “…,” Anders Samuelsen said.                                (speaker, then verb)
    Jane Doe said, “…”                                         (speaker and verb before)
    According to Jane Doe, the budget …                        (indirect: the sentence)

A span with no attribution of its own that directly follows an attributed one keeps its
speaker (a continued quotation); "he said" goes to the last named speaker, and a surname alone to the full name given
earlier in the article. Speakers are split
into a name and a role: "Danish Prime Minister Lars Løkke Rasmussen" → ("Lars Løkke
Rasmussen", "Danish Prime Minister").

>>> [(q.speaker, q.role) for q in find_quotes(['“We will act now,” said Mayor Jane Doe.'])]
[('Jane Doe', 'Mayor')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MIN_WORDS = 3  # shorter spans are scare quotes or titles, not quotations
MAX_SPEAKER_WORDS = 10
MAX_THING_WORDS = 4  # "an NCRI statement": a speaker that is not a person stays short
_ADVERBS = {"also", "then", "later", "once", "previously", "recently", "just", "again", "too"}

_VERBS = set("""
    said says say told tells added adds asked explained explains stated states noted notes
    wrote writes replied warned warns insisted argued argues continued declared announced
    recalled admitted tweeted claimed claims observed concluded remarked answered stressed
    sagte sagt erklärte erklärt betonte betont meinte meint schrieb warnte ergänzte
    kritisierte
    déclare affirme explique ajoute souligne estime indique précise
    dijo afirmó explicó declaró añadió aseguró señaló indicó comentó subrayó advirtió dice
    afirma explica asegura señala
""".split())
_VERB_PAIRS = {("fügte", "hinzu")} | {("a", v) for v in (
    "déclaré", "dit", "affirmé", "expliqué", "ajouté", "souligné", "estimé", "indiqué", "précisé")}
_QUOTE = re.compile(
    r"“(?P<a>[^“”]{2,3000}?)”|„(?P<b>[^„“”]{2,3000}?)[“”]|«\s?(?P<c>[^«»]{2,3000}?)\s?»"
    r'|"(?P<d>[^"\n]{2,3000}?)"'
)
_WHO = r"[^.!?;:“”„«»\"]{1,160}?"
_WHO_PREFIX = re.compile(r"^[^.!?;:“”„«»\"]{1,160}")
_INDIRECT = re.compile(
    rf"\b(?:[Aa]ccording to|[Ss]elon|[Ss]egún|[Ll]aut)\s+(?P<who>{_WHO})\s*(?:[,.;]|$)"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ“„«\"])")
_CLAUSE_CUT = re.compile(
    r",|\s(?:in|on|at|during|published|who|when|after|before|last|yesterday|today|earlier|"
    r"told|to|am|im|au|en|el|dans|lors|hier|heute|gestern|ayer|while|as)\s",
    re.IGNORECASE,
)
_DETERMINERS = {"the", "a", "an", "der", "die", "das", "le", "la", "les", "l'", "el", "los",
                "un", "une", "ein", "eine", "his", "her", "their", "its"}
_PARTICLES = {"van", "von", "de", "da", "del", "der", "di", "du", "la", "le", "bin", "al", "ten",
              "ter", "y", "dos", "das", "zu"}
_PRONOUNS = {"he", "she", "they", "il", "elle", "ils", "elles", "er", "sie", "él", "ella",
             "ellos", "we", "i", "wir", "nous", "je", "ich"}
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
}


# German job titles are capitalised compounds ("Kulturdezernentin", "Landesgeschäftsführer"):
# recognised by their last part.
ROLE_SUFFIXES = (
    "dezernent", "dezernentin", "sprecher", "sprecherin", "leiter", "leiterin", "direktor",
    "direktorin", "meister", "meisterin", "führer", "führerin", "vorsitzende", "vorsitzender",
    "minister", "ministerin", "präsident", "präsidentin", "stadtrat", "stadträtin", "referent",
    "referentin", "kämmerer", "kämmerin", "chef", "chefin", "trainer", "trainerin",
    "professor", "professorin", "wirt", "wirtin", "bewohner", "bewohnerin", "anwohner",
    "anwohnerin", "abgeordnete", "abgeordneter", "senator", "senatorin",
)


def is_role_word(word: str) -> bool:
    """Return True if ``word`` names a role or title rather than a person.

    >>> is_role_word("Kulturdezernentin"), is_role_word("Mayor"), is_role_word("Vincent")
    (True, True, False)
    """
    bare = word.lower().strip(".,")
    return bare in ROLE_WORDS or (len(bare) > 5 and bare.endswith(ROLE_SUFFIXES))


@dataclass(slots=True)
class FoundQuote:
    """A quotation found in text: the words, who said them, and their role."""

    text: str
    speaker: str
    role: str


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
    who = " ".join(who.split())
    appositive = ""
    if ", " in who:
        who, appositive = who.split(", ", 1)
        head = who.split()
        while head and head[0].lower() in _DETERMINERS:
            head = head[1:]
        app = _CLAUSE_CUT.split(f" {appositive} ", maxsplit=1)[0].split()
        if (head and any(is_role_word(w) for w in head) and 2 <= len(app) <= 4
                and all(w[:1].isupper() and not is_role_word(w) for w in app)):
            return (" ".join(app), " ".join(head))  # "the mayor of Springfield, Jane Doe"
    who = _CLAUSE_CUT.split(f" {who} ", maxsplit=1)[0].strip()
    words = who.split()
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    while len(words) > 1 and words[-1].islower() and (
            words[-1].endswith("ly") or words[-1] in _ADVERBS):
        words = words[:-1]  # "Burke previously said"
    if not words or len(words) > MAX_SPEAKER_WORDS:
        return None
    if len(words) == 1 and words[0].lower() in _PRONOUNS:
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
    if not name or not words[-1][:1].isupper():
        # No trailing proper name: an organisation or a document speaks ("an NCRI statement").
        if not any(w[:1].isupper() for w in words) or len(words) > MAX_THING_WORDS:
            return None
        return (" ".join(words), "")
    role = " ".join(words[: len(words) - len(name)])
    if appositive and not role:
        app = _CLAUSE_CUT.split(f" {appositive} ", maxsplit=1)[0].split()
        while app and app[0].lower() in _DETERMINERS:
            app = app[1:]
        role = " ".join(app)
    role = role.strip(" ,")
    role_words = role.split()
    if not any(is_role_word(w) or w[:1].isupper() for w in role_words):
        role = ""  # "experience with Stone said": words before the name, not a role
    return (" ".join(name), role)


def _full_name(split: tuple[str, str], found: list[FoundQuote]) -> tuple[str, str]:
    """Expand a surname ("Berg said") to the full name given earlier ("Tomas Berg")."""
    name, role = split
    if " " in name or role:
        return split
    for q in reversed(found):
        if q.speaker.endswith(" " + name):
            return (q.speaker, q.role)
    return split


def _words(text: str) -> int:
    return len(text.split())


def _clean_quote(text: str) -> str:
    return " ".join(text.split()).strip(" ,")


def find_quotes(paragraphs: list[str]) -> list[FoundQuote]:
    """Return the attributed quotations in ``paragraphs``, in reading order."""
    found: list[FoundQuote] = []
    last: tuple[str, str] | None = None  # last named (speaker, role), for pronouns
    prev_open: tuple[str, str] | None = None  # speaker a following span may continue
    for para in paragraphs:
        spans = list(_QUOTE.finditer(para))
        if not spans:
            prev_open = None
            _indirect(para, found)
            continue
        cursor = 0
        for i, m in enumerate(spans):
            text = _clean_quote(next(g for g in m.groups() if g is not None))
            nxt = spans[i + 1].start() if i + 1 < len(spans) else len(para)
            before = para[cursor:m.start()]
            who, consumed = _attribution(before, para[m.end():nxt])
            cursor = m.end() + consumed
            continued = prev_open if before.strip() == "" else None
            prev_open = None
            split = split_speaker(who) if who is not None else continued
            if split == ("", ""):
                split = last
            if split is None:
                continue
            if who is not None:
                split = _full_name(split, found)
                last = split
            if para[cursor:nxt].strip(" .") == "":
                prev_open = split
            if _words(text) >= MIN_WORDS:
                found.append(FoundQuote(text, *split))
    return found


def _verb_len(words: list[str], i: int) -> int:
    """Return how many words at ``words[i]`` form a speech verb (0, 1 or 2)."""
    word = words[i].lower().strip(",.;:").removesuffix("-t-il").removesuffix("-t-elle")
    if word in _VERBS:
        return 1
    if i + 1 < len(words) and (word, words[i + 1].lower().strip(",.;:")) in _VERB_PAIRS:
        return 2
    return 0


def _attribution(before: str, after: str) -> tuple[str | None, int]:
    """Return (who, characters of ``after`` consumed) for one quoted span."""
    sentence = _SENTENCE_END.split(after, maxsplit=1)[0]
    head = sentence.lstrip(" ,")
    skipped = len(sentence) - len(head)
    words = head.split(" ", MAX_SPEAKER_WORDS + 2)[: MAX_SPEAKER_WORDS + 2]
    if words and words[0]:
        n = _verb_len(words, 0) or (1 if words[0] == "so" else 0)
        if n:  # “…,” said X.
            rest = head.split(" ", n)[n] if len(words) > n else ""
            m = _WHO_PREFIX.match(rest)
            if m:
                consumed = skipped + len(head) - len(rest) + m.end()
                return m.group(), consumed + (1 if sentence[consumed:consumed + 1] in ".!?;:" else 0)
        for i in range(1, min(len(words), MAX_SPEAKER_WORDS + 1)):
            n = _verb_len(words, i)
            if n:  # “…,” X said.
                who = " ".join(words[:i])
                if _WHO_PREFIX.fullmatch(who):
                    consumed = skipped + len(" ".join(words[: i + n]))
                    return who, consumed + (1 if sentence[consumed:consumed + 1] in ".!?;:," else 0)
                break
    tail = _SENTENCE_END.split(before)[-1].rstrip().rstrip(",:").rstrip()
    words = tail.rsplit(" ", MAX_SPEAKER_WORDS + 2)
    for n in (1, 2):  # X said, “…”
        if len(words) > n and _verb_len(words, len(words) - n) == n:
            who = " ".join(words[: len(words) - n]).rsplit(",", 1)[-1]
            m = _WHO_PREFIX.fullmatch(who.strip())
            return (m.group(), 0) if m else (None, 0)
    return None, 0


def _indirect(para: str, found: list[FoundQuote]) -> None:
    """Add "according to X, …" sentences of ``para`` as quotations of X."""
    for sentence in _SENTENCE_END.split(para):
        m = _INDIRECT.search(sentence)
        if not m:
            continue
        split = split_speaker(m.group("who"))
        if split and split[0] and split[0][:1].isupper() and _words(sentence) >= MIN_WORDS + 2:
            found.append(FoundQuote(_clean_quote(sentence), *split))

"""Attributed quotations: find quoted spans in paragraphs and who said them.

The model: a paragraph holds quoted spans (“…”, „…“, »…«, « … », "…"). A span is a quote when
an attribution stands next to it, in one of the forms newsrooms use in English, German, French
and Spanish:

    “…,” said Danish Prime Minister Lars Løkke Rasmussen.      (cue, then speaker)
    “…,” Harry Kazianis, director of defense studies, said.   (speaker, then cue)
    “…” ― Sonya Herridge                                       (a dash and a name)
    Jane Doe told CBS: “…”                                     (speaker and cue before)
    Sanders said the tax breaks “do nothing for the economy.”  (partly quoted: the whole clause)
    According to Jane Doe, the budget …                        (indirect: the sentence)
    „…“, sagte Müller. / „…“, so die Ministerin. / « … », a-t-elle déclaré. / selon X

A span with no attribution of its own keeps the speaker of the quote just before it in the same
paragraph, or of the previous paragraph when it opens its paragraph (a quotation running on);
a quotation over several paragraphs (an opening mark left open, the next paragraph opening
again) is one quote. Who the attribution names is resolved in the article by ``Cast``
(pronouns, descriptions, surnames), and each quote keeps the mention as written.

>>> [(q.speaker, q.role) for q in find_quotes(['“We will act now,” said Mayor Jane Doe.'])]
[('Jane Doe', 'Mayor')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .roles import DETERMINERS, FUNCTION_WORDS, PRONOUN_GENDER
from .roles import split_speaker  # noqa: F401  (re-exported: the split is part of this API)
from .speakers import Cast, Resolved

MIN_WORDS = 3  # shorter spans are scare quotes or titles, not quotations
MAX_CLAUSE_WORDS = 25  # words between a cue and a span quoted inside what was said
MAX_SUBJECT_WORDS = 30  # "Scott Pruitt, the Republican attorney general of Oklahoma, …, said"
_ENGLISH = set("""
    said says say told tells added adds adding asked asks explained explains stated states
    noted notes wrote writes replied replies warned warns insisted insists argued argues
    continued declared announced recalled recalls admitted tweeted tweets posted claimed
    claims observed concluded remarked answered stressed reports reported acknowledged
    conceded responded countered complained suggested predicted promised vowed urged joked
    quipped boasted charged contended emphasized cautioned testified agreed
    called calls described describes condemned criticized dismissed likened denounced
    praised accused slammed blasted mocked reads read ruled
""".split())
_VERBS = _ENGLISH | set("""
    sagte sagt erklärte erklärt betonte betont meinte meint schrieb schreibt warnte warnt
    ergänzte kritisierte fragte sagten erklärten
    déclare affirme explique ajoute souligne estime indique précise assure confie raconte
    insiste prévient rappelle lance dit
    dijo afirmó explicó declaró añadió aseguró señaló indicó comentó subrayó advirtió dice
    afirma explica asegura señala
""".split())
_VERB_PAIRS = {("fügte", "hinzu"), ("according", "to"), ("teilte", "mit"), ("in", "a")} | {
    (aux, v) for aux in ("a", "ont") for v in (
        "déclaré", "dit", "affirmé", "expliqué", "ajouté", "souligné", "estimé", "indiqué",
        "précisé", "assuré", "confié", "raconté", "insisté", "prévenu", "rappelé", "lancé")}
_WINDOW = 600  # characters around a span where its attribution may stand
_PREPOSED = {"so", "selon", "laut", "según"}  # „…“, so Müller / selon le maire
# Any cue word at all: a quick test before the word-by-word reading.
_CUE_WORDS = frozenset(_VERBS | {w for pair in _VERB_PAIRS for w in pair} | _PREPOSED
                       | {"statement", "il", "elle"}) - {"a", "ont", "in", "to", "mit", "hinzu"}
_LETTERS = re.compile(r"[^\W\d_]+")


def _has_cue(text: str) -> bool:
    return not _CUE_WORDS.isdisjoint(_LETTERS.findall(text.lower()))


_INVERTED = re.compile(r"^(?:a|ont|\w+e)-t-(?P<p>il|elle|ils|elles)$|^\w+-(?P<q>il|elle)$")
_QUOTE = re.compile(
    r"“(?P<a>[^“”]{1,3000}?)”|„(?P<b>[^„“”]{1,3000}?)[“”]|«\s?(?P<c>[^«»]{1,3000}?)\s?»"
    r'|»(?P<e>[^»«]{1,3000}?)«|"(?P<d>[^"\n]{1,3000}?)"'
)
_WHO_PREFIX = re.compile(r"^[^.!?;:“”„«»\"]{1,200}")
_DASH = re.compile(r"^[―—–]\s*(?P<who>[A-ZÀ-ÖØ-Þ][^.!?;:“”„«»\"―—–]{1,80}?)\s*(?:[.,]|$)")
_INDIRECT = re.compile(
    r"\b(?:[Aa]ccording to|[Ss]elon|[Ss]egún|[Ll]aut)\s+(?P<who>[^.!?;:“”„«»\"]{1,160}?)\s*,")
_INDIRECT_CUE = re.compile(r"ccording to|[Ss]elon|[Ss]egún|[Ll]aut|Nach Angaben")
_LAUT = re.compile(r"(?:Laut|Nach Angaben von)\s+(?P<who>(?:[A-ZÄÖÜ][\w.-]*\s+){1,4})(?=[a-zäöüß])")
# Read on masked text (see _ABBREVIATION), so "Mr. Podesta" ends no sentence.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-ÖØ-Þ“„«»\"])")
_THAT = {"that", "dass", "que", "qu'", "qu’"}
_RELATIVE = {"who", "whose", "which", "welche", "welcher", "qui", "dont", "lequel", "laquelle"}
# Adverbials that open a German or French sentence before the cue and its subject.
_OPENERS = set("""dagegen dies dann weiter außerdem zudem jedoch angesichts gegenüber darüber
    dazu daraufhin später zuvor anschließend ebenso deshalb trotzdem demnach ainsi puis
    ensuite enfin pourtant""".split())
# Periods that end no sentence ("Mr. Podesta", "George W. Bush", "McConnell, R-Ky., said")
# are masked while attributions are read, and party-state tags "(D-Wis.)" are blanked.
_ABBREVIATION = re.compile(r"\b(?:[A-Z][a-z]{0,3}|[RDI]-[A-Z][a-z]{1,4})\.(?=\s*[\w,(])")
_ABBREVIATIONS = {"Mr", "Mrs", "Ms", "Dr", "St", "Sen", "Rep", "Gov", "Lt", "Col", "Gen", "Sgt",
                  "Jr", "Sr", "Prof", "Pres", "Sec", "Atty", "Mt", "Inc", "Corp", "Co"}
_TAG = re.compile(r"\((?:[RDI]-[\w. ]{2,16}|[A-Z]{2,6})\)")
_DOT = "\ue000"


@dataclass(slots=True)
class FoundQuote:
    """A quotation found in text: the words, who said them, their role, the mention."""

    text: str
    speaker: str
    role: str
    mention: str = ""


@dataclass(slots=True)
class _Attribution:
    who: str | None = None
    consumed: int = 0  # characters after the span that the attribution used
    text: str | None = None  # the quote's text when it is more than the span (partly quoted)


def find_quotes(paragraphs: list[str]) -> list[FoundQuote]:
    """Return the attributed quotations in ``paragraphs``, in reading order."""
    cast = Cast()
    found: list[FoundQuote] = []
    carry: Resolved | None = None  # speaker a paragraph opening with a quote continues
    for text in _join_open_quotes(paragraphs):
        para = _mask(text)
        if "(" in para:
            para = _TAG.sub(lambda m: " " * len(m.group()), para)
        spans = list(_QUOTE.finditer(para))
        if not spans:
            carry = None
            _indirect(_mask(text), cast, found)
            cast.read(text)
            continue
        cursor = 0
        current: Resolved | None = None
        for i, m in enumerate(spans):
            inner = _clean(text[m.start(m.lastgroup):m.end(m.lastgroup)])
            nxt = spans[i + 1].start() if i + 1 < len(spans) else len(para)
            before = para[cursor:m.start()]
            cast.read(_unmask(before))
            att = _attribution(before, para[m.end():nxt], m.group())
            cursor = m.end() + att.consumed
            if att.who is not None:
                res = cast.resolve(_unmask(att.who))
            elif current is not None:
                res = current  # “…,” she said. “…” (until the paragraph names someone else)
            elif i == 0 and carry is not None and not before.strip():
                res = carry  # a quote paragraph after an attributed one
            else:
                res = None
            if res is None or not res.speaker:
                continue
            current = res
            said = _unmask(att.text) if att.text else inner
            if len(inner.split()) >= (1 if att.text else MIN_WORDS) and len(said.split()) >= MIN_WORDS:
                found.append(FoundQuote(said, res.speaker, res.role, res.mention))
        cast.read(_unmask(para[cursor:]))
        carry = current
    for q in found:  # one person, one speaker: the fullest name the article gives
        q.speaker = cast.canonical(q.speaker)
    return found


def _mask(text: str) -> str:
    return _ABBREVIATION.sub(_masked, text)


def _masked(m: re.Match) -> str:
    word = m.group()[:-1]
    return word + _DOT if len(word) == 1 or word in _ABBREVIATIONS or "-" in word else m.group()


def _unmask(text: str) -> str:
    return text.replace(_DOT, ".")


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,")


def _join_open_quotes(paragraphs: list[str]) -> list[str]:
    """Join a paragraph that leaves a quotation open with the next one, which reopens it."""
    out: list[str] = []
    for para in paragraphs:
        if out and para[:1] in "“„«»\"" and _left_open(out[-1]):
            out[-1] = f"{out[-1]} {para[1:].lstrip()}"
        else:
            out.append(para)
    return out


def _left_open(para: str) -> bool:
    if "„" in para:
        return para.count("„") > para.count("“") + para.count("”")
    if "«" in para:
        return para.count("«") > para.count("»")
    if "“" in para:
        return para.count("“") > para.count("”")
    return para.count('"') % 2 == 1


def _cue_len(words: list[str], i: int) -> int:
    """Return how many words at ``words[i]`` form a speech cue (0, 1 or 2)."""
    word = words[i].lower().strip(",.;:").removesuffix("-t-il").removesuffix("-t-elle")
    word = word.removesuffix("-il").removesuffix("-elle")
    if i + 1 < len(words):
        pair = (word, words[i + 1].lower().strip(",.;:"))
        if pair in _VERB_PAIRS and (pair != ("in", "a") or words[i + 2:i + 3] == ["statement"]):
            return 2
    return 1 if word in _VERBS else 0


def _attribution(before: str, after: str, span: str) -> _Attribution:
    """Return who an attribution names for one quoted span, looking after it, then before."""
    sentence = _SENTENCE_END.split(after[:_WINDOW], maxsplit=1)[0]
    head = sentence.lstrip(" ,")
    skipped = len(sentence) - len(head)
    dash = _DASH.match(head)
    if dash:
        return _Attribution(dash.group("who"), skipped + dash.end())
    words = head.split(" ")[: MAX_SUBJECT_WORDS + 2]
    # “…,” X said / “…?” he asked; after “… .” a new sentence begins.
    open_end = span[-2:-1] in (",", "?", "!", "—", "-") or after.lstrip()[:1] in (",", "—", "―")
    # “…” said X / « … » a déclaré X: a lowercase cue goes on the quote's sentence anyway.
    verb_first = words[0][:1].islower() if words and words[0] else False
    if words and words[0] and (open_end or verb_first) and _has_cue(head):
        inverted = _INVERTED.match(words[0].strip(",.;"))
        if inverted:  # « … », a-t-elle déclaré.
            n = 2 if len(words) > 1 and words[0].startswith(("a-", "ont-")) else 1
            end = skipped + len(" ".join(words[:n]))
            return _Attribution(inverted.group("p") or inverted.group("q"), end)
        n = _cue_len(words, 0) or (1 if words[0].lower() in _PREPOSED else 0)
        if n:  # “…,” said X.
            if len(words) > n and words[n - 1][-1:] not in ",;" and words[n][:1] != "“":
                rest = head.split(" ", n)[n]
                m = _WHO_PREFIX.match(rest)
                if m:
                    return _Attribution(m.group(), skipped + len(head) - len(rest) + m.end())
        for i in range(1, min(len(words), MAX_SUBJECT_WORDS + 1) if open_end else 0):
            n = _cue_len(words, i)
            if n:  # “…,” X said.
                who = " ".join(words[:i]).rstrip(",")
                if _WHO_PREFIX.fullmatch(who) and (i <= 10 or "," in who):
                    return _Attribution(who, skipped + len(" ".join(words[: i + n])))
                break
    return _before(before, span)


def _before(before: str, span: str) -> _Attribution:
    """Return the attribution in the sentence before a span: "X said: “…”" and its kin."""
    tail = _SENTENCE_END.split(before[-_WINDOW:])[-1]
    if not _has_cue(tail):
        return _Attribution()  # most spans: titles and scare quotes in narration
    indirect = _INDIRECT.match(tail.strip())
    if indirect:  # According to X, the developers engaged in a “massive … scheme”
        rest = tail.strip()[indirect.end():]
        return _Attribution(indirect.group("who"), 0, _clean(rest + span))
    words = tail.split()
    for k in range(min(len(words), MAX_SUBJECT_WORDS)):
        n = _cue_len(words, k)
        if not n or k == 0:
            continue
        between = words[k + n:]
        inverted = None if words[k].lower() in _ENGLISH else _inverted_subject(words[:k], between)
        if inverted:  # Dagegen meinte Steve Hanke, dass … / Dies erklärte Rumsfeld: „…“
            who, between = inverted
        else:
            who = _subject(" ".join(words[:k]))
        if who is None:
            return _Attribution()
        if not between or (len(between) <= 5 and between[-1][-1:] in ",:"):
            return _Attribution(who)  # Jane Doe told CBS: “…”
        if between[0].lower() in _THAT:
            between = between[1:]
        if len(between) > MAX_CLAUSE_WORDS or _RELATIVE & {w.lower() for w in between}:
            return _Attribution()  # the span sits deep in a clause of its own: not the cue's
        return _Attribution(who, 0, _clean(" ".join(between) + " " + span))
    return _Attribution()


def _inverted_subject(head: list[str], rest: list[str]) -> tuple[str, list[str]] | None:
    """Return (subject, the words after it) when a German or French sentence puts the
    subject after the cue because an adverbial opens it ("Dagegen meinte X, dass …")."""
    first = head[0].lower().strip(",")
    if not rest or first in DETERMINERS or first in PRONOUN_GENDER or (
            first not in FUNCTION_WORDS and first not in _OPENERS):
        return None
    if not (rest[0][:1].isupper() or rest[0].lower() in DETERMINERS or rest[0].lower() in PRONOUN_GENDER):
        return None
    for j, word in enumerate(rest[:12]):
        if word[-1:] in ",:" or word.lower() in _THAT:
            cut = j + 1 if word[-1:] in ",:" else j
            return " ".join(rest[:cut]).rstrip(",:"), rest[cut:]
    return None


def _subject(text: str) -> str | None:
    """Return the speaker part of the words before a cue, with an apposition if any."""
    text = text.strip()
    if not text or not _WHO_PREFIX.fullmatch(text):
        return None
    parts = [p.strip() for p in text.split(",")]
    if parts[-1]:
        return parts[-1]  # On Tuesday, Trump said / In a statement, the group said
    parts.pop()
    apposition = ""
    while len(parts) > 1 and (parts[-1][:1].islower() or parts[-1].split()[0].lower() in
                              {"the", "a", "an", "der", "die", "le", "la"}):
        apposition = parts.pop()  # Scott Pruitt, the attorney general of Oklahoma, …, said
    return f"{parts[-1]}, {apposition}" if apposition else parts[-1]


def _indirect(para: str, cast: Cast, found: list[FoundQuote]) -> None:
    """Add "according to X, …" sentences of ``para`` as quotations of X."""
    if not _INDIRECT_CUE.search(para):
        return
    for sentence in _SENTENCE_END.split(para):
        m = _LAUT.match(sentence) or _INDIRECT.search(sentence)
        if not m or len(sentence.split()) < MIN_WORDS + 2:
            continue
        res = cast.resolve(_unmask(m.group("who")))
        if res and res.speaker[:1].isupper():
            found.append(FoundQuote(_clean(_unmask(sentence)), res.speaker, res.role, res.mention))

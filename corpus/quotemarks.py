"""Quoted spans in paragraphs: the marks, masking the periods that end no sentence, and joining
a quotation that runs over several paragraphs (used by ``quotes``).

Scraped text mixes marks (“…", "…”, “…“); ``QUOTE`` finds a span of any kind. Attributions are
read on masked text: the periods of abbreviations ("Mr. Podesta", "George W. Bush", "R-Ky.")
become private marks and so does the "!" of "E! News", so they end no sentence, and party-state tags "(D-Wis.)"
are blanked with ``GAP`` (offsets hold); ``unmask`` puts them back.
"""
from __future__ import annotations

import re

from .attribution import attribution
from .roles import FUNCTION_WORDS, PRONOUN_GENDER, is_role_word

# Scraped text mixes marks: “…" and "…” and “…“ are quotes too, when no proper pair fits.
QUOTE = re.compile(
    r"“(?P<a>[^“”]{1,3000}?)”|“(?P<f>[^“”\"]{1,3000}?)[\"“](?=[\s.,;:!?)]|$)"
    r"|“(?P<h>[^“”]{1,3000}?)’’|„(?P<b>[^„“”]{1,3000}?)[“”]|«\s?(?P<c>[^«»]{1,3000}?)\s?»"
    r'|»(?P<e>[^»«]{1,3000}?)«|"(?P<d>[^"\n]{1,3000}?)"|"(?P<g>[^"“”\n]{1,3000}?)”'
)
MARKS = '“”„«»"'
_CLOSING = '”"»“'  # what a paragraph that closes a quotation ends with
_DASH_LINE = re.compile(r"[―—–]\s*[A-ZÀ-ÖØ-Þ][^“”„«»\"]{0,60}$")  # – Jane Doe / ― Ali*** (no more)
# Periods that end no sentence ("Mr. Podesta", "George W. Bush", "McConnell, R-Ky., said")
# are masked while attributions are read, and party-state tags "(D-Wis.)" are blanked.
_ABBREVIATIONS = ["Mrs", "Mr", "Ms", "Dr", "St", "Sen", "Rep", "Gov", "Lt", "Col", "Gen", "Sgt",
                  "Jr", "Sr", "Prof", "Pres", "Sec", "Atty", "Mt", "Inc", "Corp", "Co", "Del"]
_ABBREVIATION = re.compile(r"(?<![\w-])(?:[A-Z]|%s|[RDI]-[A-Z][a-z]{1,4})$" % "|".join(_ABBREVIATIONS))
_PERIOD = re.compile(r"\.(?=\s*[\w,(])")
TAG = re.compile(r"\((?:[RDI]-[\w.\ue000 ]{2,16}|[A-Z]{1,6})\)")
_DOT = "\ue000"
_BANG = "\ue002"
GAP = "\ue001"  # fills a blanked party tag, so offsets hold and it stays one "word"
# A quotation inside a quotation, in double marks too: “I’d rather live in what he calls “hell”
# than …” (the inner pair is read as single marks, so the outer quotation stays whole).
_NESTED = re.compile(r"(“[^“”]{0,3000}?)“([^“”]{1,300})”([^“”]{0,3000}?”)")
# A nickname between a first name and a surname is no quotation: Marcia "Cia" Price.
_NICKNAME = re.compile(r"(?<=[a-z] )[\"“]([A-Z][\w.’'-]{1,15})[\"”](?= [A-Z][a-z])")
_NICK = "\ue003"
_FULL_NAME = re.compile(r"\b([A-Z][a-z]+)\s+([A-Z][\w’'-]*)")
_LOWER_WORD = re.compile(r"\b[a-z]+\b")
_TURN_ROLES = {"QUESTION", "ANSWER", "UNIDENTIFIED", "MALE", "FEMALE", "AUDIENCE", "CROWD",
               "ANNOUNCER", "MODERATOR", "REPORTER", "VOICE", "PEOPLE", "CHEERING", "APPLAUSE",
               "LAUGHTER", "DATE"}
# A transcript's turn: "PENCE: Well, look, …" (a stray opening mark before it, as scraped).
TURN = re.compile(r"[\"“]?(?P<who>[A-Z][A-Z’'.-]+(?: [A-Z][A-Z’'.-]+){0,2}):\s+(?=\S)")


def transcript(paragraphs: list[str]) -> dict[str, str]:
    """Return the speaker labels of a transcript in ``paragraphs``: labels that open two turns
    or more ("WALLACE: …", "PENCE: …"), one of them a person the article names with a first
    name (Mike Pence), the others no word the article writes in lower case ("WINNER:") nor a
    role ("QUESTION:", "UNIDENTIFIED MALE:"); none unless two take turns. Each label maps to
    the full name the article gives it ("Mike Pence"), or "" when it gives none."""
    labels: dict[str, int] = {}
    for para in paragraphs:
        if para[1:2].isupper() and (m := TURN.match(para)):
            labels[m.group("who")] = labels.get(m.group("who"), 0) + 1
    labels = {who: n for who, n in labels.items() if n >= 2 and "." not in who  # WWE.COM
              and not _TURN_ROLES & set(who.split())}  # QUESTION, UNIDENTIFIED MALE
    if len(labels) < 2:
        return {}  # most articles: no transcript
    text = "\n".join(paragraphs)  # one pass for all labels: transcripts are long
    full: dict[str, str] = {}  # the first full name wins: news names a person in full first
    for first, last in _FULL_NAME.findall(text):
        if first.lower() not in FUNCTION_WORDS and not is_role_word(first):  # not "Governor Pence"
            full.setdefault(last, first)
    named = {who: f"{full[who.title().split()[0]]} {who.title()}" for who in labels
             if who.title().split()[0] in full}  # Mike Pence
    if not named:
        return {}
    lower = set(_LOWER_WORD.findall(text))
    others = {who: "" for who in labels if who not in named  # not "the winner" in lower case
              and not (who.lower() in lower if " " not in who else who.lower() in text)}
    return named | others if len(named) + len(others) >= 2 else {}


def unnest(para: str) -> str:
    """Return ``para`` with each quotation inside a quotation in single marks, and the marks
    of a nickname inside a name masked (Marcia "Cia" Price): same length, offsets hold."""
    if para.count("“") > 1:
        para = _NESTED.sub(lambda m: f"{m[1]}‘{m[2]}’{m[3]}", para)
    if '"' in para or "“" in para:
        para = _NICKNAME.sub(_nickname, para)
    return para


def _nickname(m: re.Match) -> str:
    before = m.string[:m.start()].rsplit(None, 1)[-1:]  # the word before: a first name
    return f"{_NICK}{m[1]}{_NICK}" if before and before[0][:1].isupper() else m[0]


def mask(text: str) -> str:
    """Replace the periods of abbreviations with _DOT ("Mr. Podesta", "R-Ky.", "George W. Bush"),
    and the mark of "E! News" with _BANG (it ends no sentence)."""
    if "E! " in text:
        text = text.replace("E! ", f"E{_BANG} ")
    if "." not in text:
        return text
    cut, last = [], 0
    for m in _PERIOD.finditer(text):  # a period is rare: a plain scan, then a look before it
        end = m.start()
        if _ABBREVIATION.search(text, max(0, end - 8), end):
            cut.append(text[last:end])
            last = end + 1
    return _DOT.join(cut + [text[last:]]) if cut else text


def unmask(text: str) -> str:
    return text.replace(_DOT, ".").replace(GAP, "").replace(_BANG, "!").replace(_NICK, '"')


def clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,")


def join_open_quotes(paragraphs: list[str]) -> list[str]:
    """Join a paragraph that leaves a quotation open with the next one, which reopens it, and
    a quotation with the line after it that is only a dash and a name."""
    out: list[str] = []
    for para in paragraphs:
        if out and para[:1] and para[:1] in _left_open(out[-1]) and not _new_speaker(out[-1], para) \
                and not (para[1:2].isupper() and TURN.match(para)):  # a transcript's next turn
            out[-1] = f"{out[-1]} {para[1:].lstrip()}"
        elif out and _DASH_LINE.match(para) and out[-1].rstrip()[-1:] in _CLOSING:
            out[-1] = f"{out[-1]} {para}"  # a testimonial's name on a line of its own: “…” / – Ali***
        else:
            out.append(para)
    return out


def _new_speaker(before: str, para: str) -> bool:
    """Return True if ``para``'s first quotation is attributed to a name ``before`` never
    mentions: another person speaks, so the open quotation does not run on into it."""
    m = QUOTE.search(mask(para))
    if m is None or m.start() > 0:
        return False
    who = attribution("", mask(para)[m.end():], m.group()).who
    last = (who or "").split()[-1:] if who else []
    return bool(last) and last[0][:1].isupper() and last[0].lower() not in PRONOUN_GENDER \
        and unmask(last[0]) not in before


def _left_open(para: str) -> str:
    """Return the marks that would reopen the quotation ``para`` leaves open, or "" when it
    leaves none: the kind it opened with (a stray straight mark before a blockquote is not
    continued by a “…”, and “…" is closed)."""
    if "„" in para:
        return "„" if para.count("„") > para.count("“") + para.count("”") else ""
    if "«" in para:
        return "«»" if para.count("«") > para.count("»") else ""
    if "“" in para:
        return "“" if para.count("“") > para.count("”") + para.count('"') else ""
    return '"' if para.count('"') % 2 == 1 else ""

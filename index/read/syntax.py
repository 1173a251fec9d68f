"""Read what a reader typed: keep the syntax that is well formed, the rest becomes words.

Like Elasticsearch's ``simple_query_string``, a query string is never refused. ``tidy``
keeps ``"phrases"``, ``(groups)``, ``+word``, ``-word``, ``prefix*``, ``field:value`` (known
fields only) and ``AND``/``OR``/``NOT`` between operands, and turns everything else (an
unbalanced quote or parenthesis, a stray ``? * : ~ ^ [ ] { }``, an operator at either end)
into plain word separators. A hyphen inside a word separates words, as the index's
tokenizer does ("COVID-19" is "covid" and "19" there), so each part counts as a word of its
own in relaxed matching. Its output is what the Whoosh parser sees.

>>> tidy('(the ?slip? effect)')
'(the slip effect)'
>>> tidy('what did the danish prime minister say about iran?')
'what did the danish prime minister say about iran'
>>> tidy('"unbalanced quote AND')
'unbalanced quote'
>>> tidy('title:"wind farm" -cable speaker:Berg nosuchfield:x body:[a TO z]')
'title:"wind farm" -cable speaker:Berg nosuchfield x body a TO z'
>>> tidy('COVID-19 e-mail libr* *ing ~ ^2 + - OR NOT')
'COVID 19 e mail libr* ing 2'
>>> tidy("Trump's 'climate change' plan")
"Trump's climate change plan"
"""
from __future__ import annotations

import re

from index.schema import QUERY_FIELD_ALIASES

BOOLEAN_WORDS = ("AND", "OR", "NOT")
ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")  # "SNCF", "NFL": letters only ("CCL19" is a name)
ACRONYM_MAX_WORDS = 4  # in a longer query (a sentence: SciFact's claims) capitals decide nothing
NAME_WORD = re.compile(r"[^\W\d_](?:[\w'’.\-]*\w)?")  # a word, as a name is written
MIN_PREFIX = 2  # letters before a trailing * (shorter: the * is dropped)
_TOKEN = re.compile(r"""
    (?P<phrase>"[^"]*")
  | (?P<open>\()
  | (?P<close>\))
  | (?P<sign>(?:(?<=^)|(?<=[\s(]))[+-](?=[\w"(]))
  | (?P<field>(?:(?<=^)|(?<=[\s(+-]))[A-Za-z_]+:(?=[\w"]))
  | (?P<word>\w+(?:['’.]\w+)*(?P<star>\*)?)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)


def tidy(text: str) -> str:
    """Return ``text`` with only well-formed query syntax left (see the module's doc)."""
    tokens: list[tuple[str, str]] = []  # (kind, text)
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup if m.lastgroup != "star" else "word"
        value = m.group()
        if kind == "phrase":
            inner = value[1:-1].strip()
            if inner:
                tokens.append(("phrase", f'"{inner}"'))
            continue
        if kind == "field" and value[:-1].lower() not in QUERY_FIELD_ALIASES:
            kind, value = "word", value[:-1]
        if kind == "word" and value.endswith("*") and len(value) - 1 < MIN_PREFIX:
            value = value[:-1]
        if kind == "other":
            if value == '"':
                continue
            tokens.append(("space", " "))
            continue
        tokens.append((kind, value))
    return _render(_operators(_balanced(tokens)))


def _balanced(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop parentheses without a partner, and empty groups."""
    keep = [True] * len(tokens)
    opened: list[int] = []
    for i, (kind, _) in enumerate(tokens):
        if kind == "open":
            opened.append(i)
        elif kind == "close":
            if opened:
                start = opened.pop()
                if not any(k in ("word", "phrase") for k, _ in tokens[start + 1:i]):
                    keep[start] = keep[i] = False
            else:
                keep[i] = False
    for i in opened:
        keep[i] = False
    return [t for t, k in zip(tokens, keep) if k]


def _operators(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Keep AND/OR only between operands and NOT only before one; signs and fields only
    before an operand."""
    items = [t for t in tokens if t[0] != "space"]
    out: list[tuple[str, str]] = []
    for i, (kind, value) in enumerate(items):
        after = items[i + 1] if i + 1 < len(items) else None
        operand_after = after is not None and (after[0] in ("word", "phrase", "open", "sign",
                                                             "field")
                                               and after[1] not in BOOLEAN_WORDS)
        if kind == "word" and value in BOOLEAN_WORDS:
            before = out[-1] if out else None
            operand_before = before is not None and before[0] in ("word", "phrase", "close") \
                and before[1] not in BOOLEAN_WORDS
            if value == "NOT" and operand_after and (before is None or before[1] != "NOT"):
                out.append((kind, value))
            elif value != "NOT" and operand_before and operand_after:
                out.append((kind, value))
            continue
        if kind in ("sign", "field") and not operand_after:
            continue
        out.append((kind, value))
    return out


def _render(tokens: list[tuple[str, str]]) -> str:
    out = []
    glue = False  # the previous token binds to the next one (a sign, a field, an open group)
    for kind, value in tokens:
        if out and not glue and kind != "close":
            out.append(" ")
        out.append(value)
        glue = kind in ("sign", "field", "open")
    return "".join(out).strip()


def plain_words(text: str) -> str:
    """Return only the words of ``text`` (the last resort when even tidied syntax fails)."""
    return " ".join(m.group() for m in re.finditer(r"\w+(?:['’.\-]\w+)*", text))


def names(text: str) -> frozenset[str]:
    """Return the words of ``text`` written as names (lowercased): two or more neighbours
    each a capital then lowercase ("Brad Pit Angelina Jolie divorce"), when they are half the
    words or more and some word is not one; a sentence's capital first word, a gene name, a
    claim naming "West Nile" virus and a headline in title case say nothing.

    >>> sorted(names("Brad Pit Angelina Jolie divorce")), sorted(names("Headaches are rare"))
    (['angelina', 'brad', 'jolie', 'pit'], [])
    >>> sorted(names("Gwen Stefani And Blake Shelton")), sorted(names("Deleting Raptor reduces G-CSF levels."))
    ([], [])
    """
    found = NAME_WORD.findall(text)
    named = [w[0].isupper() and any(c.islower() for c in w) and not any(c.isupper() for c in w[1:])
             for w in found]
    if all(named) or 2 * sum(named) < len(named):
        return frozenset()
    return frozenset(w.lower() for i, w in enumerate(found) if named[i] and (
        (i > 0 and named[i - 1]) or (i + 1 < len(found) and named[i + 1])))


def acronyms(text: str) -> frozenset[str]:
    """Return the words of a short ``text`` typed in capitals (lowercased) when others are
    not: "grève SNCF" names the SNCF; "NASA" alone and a long sentence's capitals say nothing.

    >>> sorted(acronyms("grève SNCF")), sorted(acronyms("SNCF")), sorted(acronyms("cats AND dogs"))
    (['sncf'], [], [])
    """
    found = [w for w in ACRONYM.findall(text) if w not in BOOLEAN_WORDS]
    if not found or len(text.split()) > ACRONYM_MAX_WORDS or not any(c.islower() for c in text):
        return frozenset()
    return frozenset(w.lower() for w in found)

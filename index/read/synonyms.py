"""Synonyms applied at query time (no reindex): a file of groups, one a line.

    # comments and blank lines are skipped
    EU, European Union                              equivalent: each finds the others
    MOIS => Ministry of Intelligence and Security   one way: MOIS finds both forms

A query's plain words that spell one side of a rule (case-insensitive, the longest match
first) become one word unit that matches any of its forms; in relaxed matching the unit
counts as one word. Words inside "phrases" and field:value are left alone.

>>> rules = Synonyms.parse(["EU, European Union", "MOIS => Ministry of Intelligence"])
>>> text, units = rules.rewrite("eu sanctions against mois")
>>> text
'zzsyn0zz sanctions against zzsyn1zz'
>>> units["zzsyn0zz"], units["zzsyn1zz"]
((('eu',), ('european', 'union')), (('mois',), ('ministry', 'of', 'intelligence')))
"""
from __future__ import annotations

import re
from pathlib import Path

MAX_RULES = 10_000
MAX_WORDS = 8  # in one form
_WORD = re.compile(r"\w+(?:['’.]\w+)*")
_PROTECTED = re.compile(r'"[^"]*"|\w+:\S+|[+-]\w\S*')  # phrases, field:value, +word, -word
_MARKER = "zzsyn{}zz"


class SynonymError(ValueError):
    """The synonyms file cannot be read; the message names the line."""


def _form(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(text))


class Synonyms:
    """Rules mapping a word sequence to the forms it also stands for."""

    def __init__(self, rules: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]) -> None:
        self.rules = rules
        self.longest = max((len(k) for k in rules), default=0)

    @classmethod
    def parse(cls, lines, source: str = "synonyms") -> Synonyms:
        """Read rules from lines of text; raise SynonymError naming the bad line."""
        rules: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for number, line in enumerate(lines, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if len(rules) >= MAX_RULES:
                raise SynonymError(f"{source}:{number}: more than {MAX_RULES} rules")
            one_way = "=>" in line
            left, _, right = line.partition("=>") if one_way else (line, "", line)
            sources = [_form(p) for p in left.split(",")]
            targets = [_form(p) for p in right.split(",")]
            forms = sources + targets
            if "=>" in right or any(not f for f in forms) or len(set(forms)) < 2:
                raise SynonymError(f"{source}:{number}: expected 'a, b' or 'a => b, c', "
                                   f"got {line[:60]!r}")
            if any(len(f) > MAX_WORDS for f in forms):
                raise SynonymError(f"{source}:{number}: a form has more than {MAX_WORDS} words")
            for form in sources:
                found = rules.setdefault(form, [form])
                found.extend(t for t in targets if t not in found)
        return cls({k: tuple(v) for k, v in rules.items()})

    @classmethod
    def load(cls, path: str) -> Synonyms:
        """Read the rules of file ``path``; raise SynonymError if it cannot be used."""
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise SynonymError(f"{path}: cannot read it ({exc.__class__.__name__})") from None
        return cls.parse(lines, path)

    def rewrite(self, text: str) -> tuple[str, dict[str, tuple[tuple[str, ...], ...]]]:
        """Return ``text`` with each matched form replaced by a marker word, and the forms
        each marker stands for."""
        if not self.rules:
            return text, {}
        units: dict[str, tuple[tuple[str, ...], ...]] = {}
        out, at = [], 0
        for protected in list(_PROTECTED.finditer(text)) + [None]:
            end = protected.start() if protected else len(text)
            out.append(self._rewrite_words(text[at:end], units))
            if protected:
                out.append(protected.group())
                at = protected.end()
        return "".join(out), units

    def _rewrite_words(self, text: str, units: dict) -> str:
        matches = list(_WORD.finditer(text))
        out, at, i = [], 0, 0
        while i < len(matches):
            for n in range(min(self.longest, len(matches) - i), 0, -1):
                form = tuple(m.group().lower() for m in matches[i:i + n])
                forms = self.rules.get(form)
                if forms is not None:
                    marker = _MARKER.format(len(units))
                    units[marker] = forms
                    out.append(text[at:matches[i].start()] + marker)
                    at, i = matches[i + n - 1].end(), i + n
                    break
            else:
                i += 1
        out.append(text[at:])
        return "".join(out)

"""Typed records of the corpus layer: the readers' Draft, then Article, Bio, Quote, Problem.

Every reader (raw text, JSON Lines, HTML, WordPress export, feed) turns one input into a
``Draft``: the fields as the input gives them, still raw (authors as a string or a list, the
date as the input writes it). ``corpus.build`` turns a draft into records. Every searchable
document is one of three kinds. Records are plain dataclasses so that the
index layer can read them without knowing how they were extracted, and ``to_dict`` gives the
JSON Lines form of ``python -m corpus --jsonl`` (``{"kind": ..., "id": ..., ...fields}``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(slots=True)
class BioBlock:
    """An "About NAME (N Articles)" block, or an author description a CMS export gives."""

    name: str
    text: str
    count: int | None = None


@dataclass(slots=True)
class Draft:
    """One input document as a reader found it, before cleaning and extraction."""

    source: str  # "path:line" (or "path" for a whole-file input such as a web page)
    title: str
    paragraphs: list[str] = field(default_factory=list)
    kind: str = "article"  # a JSON Lines record may be a "bio" (read from ``record``)
    dek: str = ""
    headings: list[str] = field(default_factory=list)
    url: str | None = None
    given_id: str | None = None
    authors: str | list[Any] = ""  # raw: cleaned and split by ``corpus.authors``
    date: Any = None  # raw: parsed by ``corpus.text.parse_date``
    tags: list[str] = field(default_factory=list)
    lang: str = ""
    site_lang: str = ""  # the site's or feed's language: what a short or mixed text falls back to
    bios: list[BioBlock] = field(default_factory=list)
    # The JSON object a JSON Lines bio draft came from (``build`` reads a bio from it); None for
    # articles, so extraction workers are not sent every raw record twice.
    record: dict[str, Any] | None = None
    excerpt: bool = False  # only a summary of the article (a feed without full content)
    page: bytes | None = None  # a whole web page, still to extract (in a worker: it is slow)
    site: str = ""  # the site it was published on (``text.site_name``); "" when unknown
    # An article with the id of one read before it: extraction drops it (and its quotes), so
    # ``build`` finds no quotes and detects no language for it (``workers.mark_repeats``).
    repeat: bool = False


class _JsonLines:
    """The JSON Lines form shared by the records."""

    __slots__ = ()
    kind: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON Lines form of the record."""
        return {"kind": self.kind, **asdict(self)}  # type: ignore[call-overload]


class _Byline(_JsonLines):
    """The authors of an article (or of the article a quote is in), as a list of names."""

    __slots__ = ()
    authors: list[str]

    @property
    def author(self) -> str:
        """Return the byline as one display string."""
        return ", ".join(self.authors)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON Lines form of the record, with the byline as ``author`` too."""
        return {**_JsonLines.to_dict(self), "author": self.author}


@dataclass(slots=True)
class Article(_Byline):
    """A news article or blog post."""

    kind: ClassVar[str] = "article"
    id: str
    title: str
    body: str
    url: str | None = None
    dek: str = ""
    headings: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    date: str | None = None  # ISO day, YYYY-MM-DD; None when the input does not give one
    lang: str = ""
    tags: list[str] = field(default_factory=list)
    source: str = ""  # "path:line" of the input the article came from
    excerpt: bool = False  # the body is only a summary (a feed entry without full content)
    site: str = ""  # the site it was published on (several sites may share one index)


@dataclass(slots=True)
class Bio(_JsonLines):
    """An author's biography; one per author across the corpus."""

    kind: ClassVar[str] = "bio"
    id: str
    author: str
    text: str
    article_count: int | None = None
    lang: str = ""
    source: str = ""
    site: str = ""  # the site of the first article naming the author


@dataclass(slots=True)
class Quote(_Byline):
    """An attributed quotation inside an article."""

    kind: ClassVar[str] = "quote"
    id: str
    text: str
    speaker: str  # resolved: the fullest name the article gives ("Donald Trump")
    speaker_role: str
    article_id: str
    article_title: str = ""
    authors: list[str] = field(default_factory=list)  # its article's
    date: str | None = None
    lang: str = ""
    url: str | None = None
    source: str = ""  # the source of the article it is quoted in
    speaker_mention: str = ""  # the attribution as written: "he", "the premier", "Trump"
    site: str = ""  # its article's


Record = Article | Bio | Quote


@dataclass(slots=True, frozen=True)
class Problem:
    """One reported input problem: where it is, why, and whether the input was skipped."""

    path: str
    line: int
    code: str  # a short kebab-case category for the summary, e.g. "malformed-json"
    reason: str
    skipped: bool = True

    def __str__(self) -> str:
        verb = "skipped" if self.skipped else "warning"
        where = f"{self.path}:{self.line}" if self.line else self.path  # 0: the file as a whole
        return f"{where}: {verb} [{self.code}]: {self.reason}"

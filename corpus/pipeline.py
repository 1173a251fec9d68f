"""The extraction run: files in, records out, every problem reported and counted.

``extract(paths)`` walks files and directories and reads each file with the reader for its
form (``files``), builds records in worker processes (language detection is
the slow part, so both cores work), drops repeated documents, merges bios per author, and
yields Article, Quote and Bio records. ``Summary`` counts what happened; every skipped input
is a ``Problem`` with path, line and reason, and nothing else is lost because of it.

Memory does not grow with the problems: they are counted by code and only a sample is
kept (``Problems``: the first ``KEEP_PER_CODE`` of each code), likewise the merges of
repeated documents (the first ``KEEP_MERGES``); a ``Summary`` given a ``log`` writes every
one of them there as it happens (``python -m corpus --problems FILE``). A file of 63 million
lines of ``{}`` is 63 million counted rejects, not 63 million objects. Drafts go to the
worker processes through a window of ``WINDOW_PER_WORKER`` batches a worker, so reading
never runs ahead of building (``workers``).
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .build import Built, build
from .files import iter_files, read_file
from .lang import detect_language
from .records import Bio, Draft, Problem, Record
from .text import site_path
from .workers import built_in_order
from .wxr import POST_TYPES

SHOWN_MERGES = 100  # merges listed in the printed summary (as_dict has the kept ones)
KEEP_MERGES = 1000  # merges kept in memory (all are counted, and written to a log)
KEEP_PER_CODE = 200  # problems of one code kept in memory (all are counted)
MERGE_ALARM_SHARE, MERGE_ALARM_MIN = 0.03, 5  # "more than a few percent" of the inputs merged


class Problems:
    """The problems of a run: every one counted by code, the first ``keep`` of each code
    kept (iterating, indexing and ``==`` see the kept ones; ``len`` counts them all), and
    every one written to ``sink`` if there is one."""

    def __init__(self, keep: int = KEEP_PER_CODE) -> None:
        self.keep = keep
        self.kept: list[Problem] = []
        self.total = 0
        self.rejects: Counter[str] = Counter()
        self.warnings: Counter[str] = Counter()
        self.sink: Callable[[str], Any] | None = None

    def append(self, problem: Problem) -> None:
        self.total += 1
        counts = self.rejects if problem.skipped else self.warnings
        counts[problem.code] += 1
        if counts[problem.code] <= self.keep:
            self.kept.append(problem)
        if self.sink is not None:
            self.sink(f"{problem}\n")

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def __len__(self) -> int:  # and truth: any problem at all
        return self.total

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.kept)

    def __getitem__(self, index):
        return self.kept[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Problems):
            other = other.kept
        return isinstance(other, list) and self.total == len(self.kept) and self.kept == other

    def __repr__(self) -> str:
        return f"Problems({self.total} counted, {self.kept!r})"


@dataclass
class Summary:
    """Counts of one extraction run, and a sample of the problems met (every one written to
    ``log`` when there is one)."""

    files: int = 0
    articles: int = 0
    bios: int = 0
    quotes: int = 0
    duplicates: int = 0
    problems: Problems = field(default_factory=Problems)
    merges: list[tuple[str, str]] = field(default_factory=list)  # (source, id it was merged into)
    seconds: float = 0.0
    log: Any = None  # a text file: every problem and every merge, as they happen

    def __post_init__(self) -> None:
        if self.log is not None:
            self.problems.sink = self.log.write

    def merged(self, source: str, kept: str) -> None:
        """Count an input merged into the document ``kept`` (the first KEEP_MERGES kept)."""
        self.duplicates += 1
        if len(self.merges) < KEEP_MERGES:
            self.merges.append((source, kept))
        if self.log is not None:
            self.log.write(f"{source}: merged [duplicate]: same document as {kept}\n")

    @property
    def merge_share(self) -> float:
        """Return the share of article inputs merged into another (0 to 1)."""
        inputs = self.articles + self.duplicates
        return self.duplicates / inputs if inputs else 0.0

    @property
    def merges_alarming(self) -> bool:
        """Return True when so many inputs were merged that ids or urls are likely wrong."""
        return self.duplicates > MERGE_ALARM_MIN and self.merge_share > MERGE_ALARM_SHARE

    @property
    def rejects(self) -> Counter[str]:
        """Return the number of skipped inputs by reason code."""
        return Counter(self.problems.rejects)

    @property
    def warnings(self) -> Counter[str]:
        """Return the number of warnings (input kept) by reason code."""
        return Counter(self.problems.warnings)

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as plain data."""
        return {"files": self.files, "articles": self.articles, "bios": self.bios,
                "quotes": self.quotes, "duplicates": self.duplicates,
                "merges": [f"{source} -> {kept}" for source, kept in self.merges],
                "rejects": dict(self.rejects), "warnings": dict(self.warnings),
                "seconds": round(self.seconds, 2)}

    def render(self) -> str:
        """Return the human-readable summary printed at the end of a run."""
        lines = [f"files read: {self.files}", f"articles:   {self.articles}",
                 f"bios:       {self.bios}", f"quotes:     {self.quotes}",
                 f"duplicates: {self.duplicates} (same url or id, kept once)"]
        lines += [f"  {source} -> {kept}" for source, kept in self.merges[:SHOWN_MERGES]]
        if self.duplicates > SHOWN_MERGES:
            lines.append(f"  … and {self.duplicates - SHOWN_MERGES} more merges")
        if self.merges_alarming:
            lines.append(f"WARNING: {self.merge_share:.0%} of the articles read were merged into "
                         "another with the same url or id: check that urls and ids really "
                         "tell the documents apart")
        lines.append(f"rejects:    {sum(self.rejects.values())}")
        lines += [f"  {code}: {n}" for code, n in sorted(self.rejects.items())]
        lines.append(f"warnings:   {sum(self.warnings.values())}")
        lines += [f"  {code}: {n}" for code, n in sorted(self.warnings.items())]
        lines.append(f"time:       {self.seconds:.1f} s")
        return "\n".join(lines)


def read_drafts(paths: Iterable[str], summary: Summary,
                fields: dict[str, tuple[str, ...]] | None = None,
                post_types: tuple[str, ...] = POST_TYPES) -> Iterator[Draft]:
    """Yield drafts from every file under ``paths``; record problems in ``summary``. A path
    given as ``SITE=PATH`` puts every document under it on that site (``text.site_path``)."""
    specs = [site_path(p) for p in paths]
    plain = [p for site, p in specs if not site]
    groups = [("", plain)] if plain else []
    groups += [(site, [p]) for site, p in specs if site]
    for site, group in groups:
        yield from _drafts(group, site, summary, fields, post_types)


def _drafts(paths: list[str], site: str, summary: Summary,
            fields: dict[str, tuple[str, ...]] | None,
            post_types: tuple[str, ...]) -> Iterator[Draft]:
    for path in iter_files(paths, summary.problems):
        summary.files += 1
        try:
            for item in read_file(path, fields, post_types):
                if isinstance(item, Problem):
                    summary.problems.append(item)
                else:
                    if site:
                        item.site = site
                    yield item
        except OSError as exc:
            summary.problems.append(Problem(path, 0, "unreadable", f"cannot read: {exc.strerror or exc}"))
        except (ValueError, RecursionError, MemoryError, EOFError) as exc:
            # A reader's bug or a file it cannot cope with stops that file, never the run.
            summary.problems.append(Problem(path, 0, "unreadable",
                                            f"cannot read: {type(exc).__name__}: {str(exc)[:200]}"))


def merge_bio(bios: dict[str, Bio], bio: Bio) -> None:
    """Merge ``bio`` into ``bios`` (one per author): highest count and fullest text win."""
    key = bio.author.casefold()
    old = bios.get(key)
    if old is None:
        bios[key] = bio
        return
    if len(bio.text) > len(old.text):
        old.text, old.source = bio.text, bio.source
    if bio.article_count is not None and (old.article_count or 0) < bio.article_count:
        old.article_count = bio.article_count


def extract(paths: Iterable[str], summary: Summary | None = None, *, workers: int = 1,
            fields: dict[str, tuple[str, ...]] | None = None,
            progress: Callable[[Summary], None] | None = None,
            post_types: tuple[str, ...] = POST_TYPES) -> Iterator[Record]:
    """Yield the records of every input under ``paths``: articles and quotes, then bios.

    ``post_types`` are the WordPress post types read from exports (``("post", "page")``
    adds pages)."""
    summary = summary if summary is not None else Summary()
    yield from assemble(built_in_order(read_drafts(paths, summary, fields, post_types), workers),
                        summary, progress)


def build_files(paths: list[str], fields: dict[str, tuple[str, ...]] | None = None,
                post_types: tuple[str, ...] = POST_TYPES) -> tuple[list[Built], Summary]:
    """Read and build every draft of ``paths`` here; return them, in order, with what was
    read (files, problems). A cluster runs this on chunks of files (``index.cluster_build``)."""
    summary = Summary()
    return [build(d) for d in read_drafts(paths, summary, fields, post_types)], summary


def assemble(built_drafts: Iterable[Built], summary: Summary,
             progress: Callable[[Summary], None] | None = None) -> Iterator[Record]:
    """Yield the records of ``built_drafts`` (in corpus order): a repeated article dropped
    with its quotes, bios merged per author and yielded last. The part of ``extract`` that
    sees the whole corpus, so it runs in one place however the drafts were built."""
    started = time.monotonic()
    seen: set[str] = set()
    bios: dict[str, Bio] = {}
    for built in built_drafts:
        summary.problems.extend(built.problems)
        for bio in built.bios:
            merge_bio(bios, bio)
        article = built.article
        if article is None:
            continue
        if article.id in seen:
            summary.merged(article.source, article.id)
            continue
        seen.add(article.id)
        summary.articles += 1
        yield article
        summary.quotes += len(built.quotes)
        yield from built.quotes
        if progress is not None:
            summary.seconds = time.monotonic() - started
            progress(summary)
    for bio in bios.values():
        bio.lang = bio.lang or detect_language(bio.text)
        summary.bios += 1
        yield bio
    summary.seconds = time.monotonic() - started

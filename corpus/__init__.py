"""Corpus layer: read raw inputs and extract searchable records (articles, bios, quotes).

Nothing here knows about the index or the web service; both build on ``extract``.
"""
from .pipeline import Summary, extract
from .records import Article, Bio, Problem, Quote, Record

__all__ = ["Article", "Bio", "Problem", "Quote", "Record", "Summary", "extract"]

"""Corpus layer: read raw inputs and extract searchable records (articles, bios, quotes).

Nothing here knows about the index or the web service; both build on ``extract``.
"""
from .objects import Head, extract_objects, identify_objects
from .pipeline import Summary, extract, merge_bio
from .records import Article, Bio, BioBlock, Draft, Problem, Quote, Record

__all__ = ["Article", "Bio", "BioBlock", "Draft", "Problem", "Quote", "Record", "Summary",
           "extract", "extract_objects", "identify_objects", "Head", "merge_bio"]

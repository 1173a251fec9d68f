"""Benchmarks of the search service: ``python -m bench`` (see bench/__main__.py)."""

"""Weak answers seen on FakeNewsNet indexes of any size, checked on an existing index.

    python -m bench.hard_queries INDEX_DIR [INDEX_DIR ...]

Each check is one query a reader types and what a right answer holds (issue 22): a misspelt
name read as the name whatever the size of the archive (the 4x corpus of ``bench.scale``
holds "Hilary Clinton" as typed in a few mixed titles, once at 1x), a misspelling some page
holds read as the word and suggested as such, a last word being typed completed although a
few pages hold it whole. Run on the 1x and 4x indexes (read only); ``tests/test_reader_*``
check the same rules on small real indexes.
"""
from __future__ import annotations

import argparse
import os

from index import SearchIndex, SearchRequest

from .common import verdict
from .table import show


def _first(result) -> str:
    return result.hits[0].document.title if result.hits else ""


CHECKS = (  # query, what a right answer holds, the check
    ("hilary clinton emails", "'hilary' read as hillary",
     lambda r: "hillary" in r.typos.get("hilary", ())),
    ("Hilary Clinton", "the first result names Hillary", lambda r: "Hillary" in _first(r)),
    ("libary?", "read as library; did you mean 'library?'",
     lambda r: "librari" in r.typos.get("libary", ()) and r.suggestion == "library?"),
    ("game of thr", "the first result is Game of Thrones",
     lambda r: "Game of Thrones" in _first(r)),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hard_queries", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dirs", nargs="+")
    args = parser.parse_args(argv)
    rows, failed = [], 0
    for index_dir in args.index_dirs:
        ix = SearchIndex(index_dir, cache_size=0, time_budget=60)
        for q, want, check in CHECKS:
            result = ix.search(SearchRequest(q=q, per_page=10, kinds=("article",),
                                             facets=False))
            ok = check(result)
            failed += not ok
            rows.append([index_dir, q, want, _first(result)[:50], verdict(ok)])
        ix.close()
    show("hard queries (issue 22): weak answers seen before, on existing indexes",
         ["index", "query", "a right answer", "first result", "result"], rows,
         note=f"load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

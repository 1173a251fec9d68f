"""``python -m service.bootstrap [PATH...]``: build the index once if there is none yet.

``make run`` calls it before starting gunicorn, so a newcomer's first run indexes the
built-in demo corpus (or ``CORPUS=PATH``) and later runs start at once. ``make run`` gives
each corpus an index folder of its own; an index folder built from other paths is never
rebuilt here (another instance may be serving it: it would switch corpus under it, and its
pushed documents would land in the other corpus): that is an error, exit status 2.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import index
from corpus import Summary
from corpus.progress import Progress

from . import create_app

SOURCE_FILE = "bootstrap-source"  # what the index was first built from


def main(argv: list[str]) -> int:
    """Build the index from ``argv`` (or SEARCH_CORPUS_PATHS) unless one exists."""
    app = create_app()
    index_dir = app.config["INDEX_DIR"]
    paths = [os.path.abspath(p) for p in argv] or app.config["CORPUS_PATHS"]
    source = Path(index_dir) / SOURCE_FILE
    built_from = source.read_text(encoding="utf-8") if source.exists() else ""
    if index.has_index(index_dir) and built_from in ("", "\n".join(paths)):
        print(f"index found in {index_dir}; to rebuild: flask --app wsgi reindex PATH...")
        return 0
    if index.has_index(index_dir):
        print(f"error: {index_dir} holds the index of {', '.join(built_from.splitlines())}, "
              f"not of {', '.join(paths)}; another instance may be serving it, so it is left "
              "as it is. Give this corpus its own SEARCH_INDEX_DIR (make run does), or "
              "rebuild that folder on purpose: flask --app wsgi reindex PATH...", file=sys.stderr)
        return 2
    print(f"building the index in {index_dir} from {', '.join(paths)} …")
    summary = Summary()
    progress = Progress()
    result = index.rebuild(index_dir, paths, summary, workers=app.config["REINDEX_WORKERS"],
                           progress=progress)
    progress.done()
    source.write_text("\n".join(paths), encoding="utf-8")
    print(summary.render())
    print(f"snapshot {result.snapshot}: {result.counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``python -m corpus PATH... [--jsonl OUT]``: run the extraction alone and print its summary."""
from __future__ import annotations

import argparse
import json
import os
import sys

from .jsonl import DEFAULT_FIELDS
from .pipeline import Summary, extract
from .progress import Progress

SHOWN_PROBLEMS = 50


def field_override(text: str) -> tuple[str, str]:
    """Parse ``dest=source`` for --field."""
    dest, sep, source = text.partition("=")
    if not sep or dest not in DEFAULT_FIELDS or not source:
        raise argparse.ArgumentTypeError(
            f"expected FIELD=SOURCE with FIELD one of {', '.join(DEFAULT_FIELDS)}")
    return dest, source


def main(argv: list[str] | None = None) -> int:
    """Run the command; return the exit status (never a traceback: bad input is reported
    by the readers, and whatever else stops the run is one line on stderr)."""
    try:
        return _run(argv)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of --jsonl - went away (| head)
        sys.stderr.close()
        return 1
    except Exception as exc:  # noqa: BLE001 - the operator gets one line, not a traceback
        print(f"python -m corpus: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _run(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpus", description=__doc__)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    parser.add_argument("--jsonl", metavar="OUT", help="write the records as JSON Lines ('-' for stdout)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="worker processes (default: the number of cores)")
    parser.add_argument("--field", type=field_override, action="append", default=[],
                        metavar="FIELD=SOURCE", help="read FIELD from SOURCE in JSON Lines input")
    parser.add_argument("--problems", metavar="FILE",
                        help="write every problem and every merge of duplicates to FILE")
    parser.add_argument("--wxr-pages", action="store_true",
                        help="read WordPress pages too, not only posts, from WordPress exports")
    args = parser.parse_args(argv)
    fields = {dest: (source,) + DEFAULT_FIELDS[dest] for dest, source in args.field}

    log = open(args.problems, "w", encoding="utf-8") if args.problems else None
    summary = Summary(log=log)  # every problem and merge goes to --problems as it happens
    progress = Progress()
    out = None
    if args.jsonl:
        out = sys.stdout if args.jsonl == "-" else open(args.jsonl, "w", encoding="utf-8")
    report = sys.stderr if args.jsonl == "-" else sys.stdout
    try:
        post_types = ("post", "page") if args.wxr_pages else ("post",)
        for record in extract(args.paths, summary, workers=args.workers, fields=fields,
                              progress=progress, post_types=post_types):
            if out is not None:
                out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
    finally:
        progress.done()
        if out is not None and out is not sys.stdout:
            out.close()
        if log is not None:
            log.close()
    for problem in summary.problems[:SHOWN_PROBLEMS]:
        print(problem, file=sys.stderr)
    if len(summary.problems) > SHOWN_PROBLEMS:
        print(f"… and {len(summary.problems) - SHOWN_PROBLEMS} more problems"
              + ("" if args.problems else " (--problems FILE lists them all)"), file=sys.stderr)
    print(summary.render(), file=report)
    return 0 if summary.files else 1


if __name__ == "__main__":
    sys.exit(main())

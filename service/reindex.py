"""The admin reindex command, ``flask --app wsgi reindex``: a thin layer over ``index``.

The HTTP admin trigger runs this same command in a subprocess, with ``--status-file`` so
that ``/admin/status`` can report progress and the outcome.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

import index
from corpus import Summary
from corpus.progress import Progress

EXIT_BUSY = 75  # EX_TEMPFAIL: try again later


def write_status(path: str | None, **fields) -> None:
    """Atomically write the job status file (if one was asked for)."""
    if not path:
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    Path(tmp).write_text(json.dumps(fields, indent=1), encoding="utf-8")
    os.replace(tmp, path)


@click.command("reindex")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--incremental", is_flag=True, help="add or replace documents by id in the live index")
@click.option("--rollback", is_flag=True, help="switch back to the previous snapshot")
@click.option("--delete", "delete_ids", multiple=True, metavar="ID",
              help="with --incremental: delete this document (and its quotes)")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="processes to use (default: SEARCH_REINDEX_WORKERS)")
@click.option("--shards", type=click.IntRange(1, index.MAX_SHARDS), default=None,
              help="write a sharded index of N shards (a full rebuild; see README, cluster)")
@click.option("--wxr-pages", is_flag=True, help="index WordPress pages too, not only posts")
@click.option("--status-file", hidden=True, default=None)
@with_appcontext
def reindex_command(paths, incremental, rollback, delete_ids, workers, shards, wxr_pages,
                    status_file):
    """Rebuild the index from PATH... (default: SEARCH_CORPUS_PATHS) and switch to it."""
    config = current_app.config
    index_dir = config["INDEX_DIR"]
    mode = "rollback" if rollback else "incremental" if incremental else "full"
    if rollback and (paths or incremental or delete_ids):
        raise click.UsageError("--rollback takes no paths and no other mode")
    if shards and (rollback or incremental):
        raise click.UsageError("--shards is for a full rebuild (an update keeps the live shards)")
    if delete_ids and not incremental:
        raise click.UsageError("--delete needs --incremental")
    if not paths and not rollback and not delete_ids:
        paths = tuple(config["CORPUS_PATHS"])
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise click.UsageError(f"no such file or directory: {', '.join(missing)}")
    started = time.time()
    write_status(status_file, state="running", mode=mode, pid=os.getpid(), started_at=started)
    summary = Summary()
    progress = Progress(sys.stderr)
    workers = workers or config["REINDEX_WORKERS"]
    post_types = ("post", "page") if wxr_pages else ("post",)
    try:
        if rollback:
            snapshot = index.rollback(index_dir)
            click.echo(f"rolled back to snapshot {snapshot}")
            write_status(status_file, state="succeeded", mode=mode, snapshot=snapshot,
                         started_at=started, finished_at=time.time())
            return
        if incremental:
            result = index.update(index_dir, paths, delete_ids, summary, workers=workers,
                                  progress=progress, post_types=post_types)
        else:
            result = index.rebuild(index_dir, paths, summary, workers=workers, progress=progress,
                                   post_types=post_types, shards=shards or 0,
                                   cluster=config["CLUSTER"])
    except index.IndexBusy as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_BUSY)  # the running job owns the status file
    except (index.NoSnapshot, index.EmptyBuild) as exc:
        write_status(status_file, state="failed", mode=mode, error=str(exc),
                     started_at=started, finished_at=time.time())
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        write_status(status_file, state="failed", mode=mode, error=f"{type(exc).__name__}: {exc}",
                     started_at=started, finished_at=time.time())
        raise
    finally:
        progress.done()
    for problem in summary.problems[:50]:
        click.echo(str(problem), err=True)
    if len(summary.problems) > 50:
        click.echo(f"… and {len(summary.problems) - 50} more problems", err=True)
    click.echo(summary.render())
    counts = ", ".join(f"{n} {kind}s" for kind, n in result.counts.items())
    click.echo(f"switched to snapshot {result.snapshot} ({counts}) in {result.seconds:.1f} s")
    write_status(status_file, state="succeeded", mode=mode, snapshot=result.snapshot,
                 counts=result.counts, summary=summary.as_dict(), started_at=started,
                 finished_at=time.time())

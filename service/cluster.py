"""``python -m service.cluster [PATH...]``: serve a sharded index from a Ray cluster (``make cluster``).

One process owns everything it starts, so one Ctrl-C stops it all:

1. starts a small Ray head in this process bound to ``--host`` (127.0.0.1: every Ray
   process then listens on 127.0.0.1 only), or, with ``--join ADDRESS``, joins a running
   cluster;
2. builds ``PATH`` (default: ``SEARCH_CORPUS_PATHS``, the demo corpus) into a sharded index
   (``--shards``, 2) on it when there is none yet, and starts ``--replicas`` replicas
   (``SEARCH_SHARD_REPLICAS``) of every shard but those each worker opens itself
   (``SEARCH_SHARDS_IN_WORKER``, default 1: shard 0), each a Ray actor holding
   ``--shards-per-replica`` shards (``SEARCH_SHARDS_PER_REPLICA``; 0: all of them);
3. runs gunicorn with ``SEARCH_CLUSTER`` set to the head's address, so every worker takes
   handles to the same replicas instead of opening the other shards itself;
4. on Ctrl-C or SIGTERM: stops gunicorn and shuts Ray down (the head it started, with its
   replicas; a joined cluster keeps running).
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import index
from index.cluster import ray_head, ray_shards

from . import create_app
from .settings import PROJECT


def build_if_missing(index_dir: str, paths: list[str], shards: int, workers: int,
                     address: str) -> None:
    """Build ``paths`` into ``shards`` shards on the cluster at ``address`` unless the live
    snapshot is already sharded."""
    if index.has_index(index_dir) and index.live_shards(index_dir) > 1:
        print(f"sharded index found in {index_dir} ({index.live_shards(index_dir)} shards)", flush=True)
        return
    print(f"building {', '.join(paths)} into {shards} shards in {index_dir} …", flush=True)
    # The operator's reindex command, in a process of its own: what a build holds (Whoosh's
    # writers, the corpus read) is not kept by this process for the life of the cluster.
    env = {**os.environ, "SEARCH_CLUSTER": address, "SEARCH_INDEX_DIR": index_dir,
           "SEARCH_REINDEX_WORKERS": str(workers)}
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "reindex",
                    "--shards", str(shards), *paths], cwd=PROJECT, env=env, check=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", help="corpus to build when there is no index")
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--replicas", type=int, default=None,
                        help="replicas of each shard (default: SEARCH_SHARD_REPLICAS, 2)")
    parser.add_argument("--shards-per-replica", type=int, default=None,
                        help="shards one replica process holds (default: "
                             "SEARCH_SHARDS_PER_REPLICA, 0: all)")
    parser.add_argument("--join", metavar="ADDRESS", default="",
                        help="join the Ray cluster at ADDRESS instead of starting one here")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address the Ray head started here binds (default 127.0.0.1: "
                             "this machine only; another address: other nodes may join)")
    parser.add_argument("--bind", default=f"127.0.0.1:{os.environ.get('PORT', '8000')}")
    args = parser.parse_args(argv)
    app = create_app()
    index_dir = app.config["INDEX_DIR"]
    replicas = args.replicas or app.config["SHARD_REPLICAS"]
    per = app.config["SHARDS_PER_REPLICA"] if args.shards_per_replica is None \
        else args.shards_per_replica
    paths = [os.path.abspath(p) for p in args.paths] or app.config["CORPUS_PATHS"]
    started = time.perf_counter()
    if args.join:
        ray_head.connect(args.join, index_dir)
        address = args.join
    else:
        address = ray_head.start_local(index_dir, host=args.host)
    print(f"Ray at {address} in {time.perf_counter() - started:.1f} s", flush=True)
    gunicorn = None
    try:
        build_if_missing(index_dir, paths, args.shards, app.config["REINDEX_WORKERS"], address)
        shards = index.live_shards(index_dir)
        local = ray_shards.in_worker(shards, app.config["SHARDS_IN_WORKER"])
        ray_shards.deploy(index_dir, shards, replicas, per=per, local=local)
        print(f"{shards} shards: {local} opened in each worker, {replicas} replicas of the "
              f"others deployed ({per or shards - local} shards a replica process)", flush=True)
        env = {**os.environ, "SEARCH_CLUSTER": address, "SEARCH_INDEX_DIR": index_dir,
               "SEARCH_SHARD_REPLICAS": str(replicas), "SEARCH_SHARDS_PER_REPLICA": str(per)}
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--config", "service/gunicorn_conf.py",
             "--bind", args.bind, "wsgi:app"], cwd=PROJECT, env=env)
        signal.signal(signal.SIGTERM, _interrupt)
        return gunicorn.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.terminate()
            gunicorn.wait(30)
        if not args.join:  # the head dies with this process, and its deployments with it
            (Path(index_dir) / ray_head.ADDRESS_FILE).unlink(missing_ok=True)
        ray_head.stop()
        print("cluster stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())

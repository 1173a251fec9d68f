"""gunicorn settings: workers from the cores, bounded timeouts, access log to stdout.

No ``preload_app``: each worker opens the index after the fork (Whoosh file handles and
searchers must not be shared across processes). Requests are read whole by each worker's
event loop before a thread serves them (``service/worker.py``), so slow clients cannot
starve search. Each instance keeps its control socket and its metrics files in a private
folder of its own, removed when it exits.
"""
import atexit
import gc
import multiprocessing
import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "service.worker.BufferedThreadWorker"
# Search is CPU-bound Python: more threads add no throughput under the GIL, and each thread
# holds its own Whoosh searcher (its own file maps and caches). One per worker by default.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 30           # a worker stuck past this is killed and replaced
graceful_timeout = 10
keepalive = 5
# No recycling by default: a worker's memory is flat (facet columns and length arrays per
# snapshot, closed with it), and a fresh worker starts with a cold response cache. At 2,000
# cached req/s, recycling every 20,000 requests put p99 at 470 ms. Set it to recycle anyway.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
limit_request_line = 8190
limit_request_fields = 50
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
preload_app = False

# This instance's private folder (0700): its control socket and, unless the operator names a
# folder of their own, the prometheus_client multiprocess files. gunicorn's default control
# socket ($XDG_RUNTIME_DIR/gunicorn.ctl) is shared by every instance of a user. The folder is
# made once per master (the config is read again on a reload) and removed on exit.
_run_dir = os.environ.get("GUNICORN_RUN_DIR") or tempfile.mkdtemp(prefix="search-gunicorn-")
os.environ["GUNICORN_RUN_DIR"] = _run_dir
control_socket = os.path.join(_run_dir, "gunicorn.ctl")
_own_metrics = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.path.join(_run_dir, "metrics")
_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"]
os.makedirs(_metrics_dir, exist_ok=True)


def on_starting(server):
    """Start with empty metric files; name this master as the owner of the push applier
    (it stops when the master is gone, whichever worker started it); load the compiled
    search loops the workers will share."""
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)
    os.environ["SEARCH_INSTANCE_PID"] = str(os.getpid())
    # The compiled search loops, loaded once here for a large index: the workers share them
    # (no index is opened: only its meta read)
    import index
    from service.settings import BY_NAME
    index.preload_compiled(os.environ.get("SEARCH_INDEX_DIR") or BY_NAME["INDEX_DIR"].default)


def on_exit(server):
    """Remove this instance's folder (control socket, metric files)."""
    shutil.rmtree(_run_dir, ignore_errors=True)


def _remove_run_dir(owner: int = os.getpid()) -> None:
    # Also when the master stops before on_exit (an app that fails to load); never in a
    # worker, a fork that runs exit handlers too.
    if os.getpid() == owner:
        shutil.rmtree(_run_dir, ignore_errors=True)


atexit.register(_remove_run_dir)


def post_worker_init(worker):
    """Open the index before this worker accepts its first connection: opening a snapshot
    (facet columns, field lengths) and the did-you-mean index takes about a second on
    FakeNewsNet, which would otherwise land on the first requests' latency."""
    app = worker.wsgi
    if getattr(app, "config", {}).get("ADMIN_TOKEN"):  # pushes are on: their applier runs
        from service import push
        push.start(app)
    search_index = getattr(app, "extensions", {}).get("search_index")
    if search_index is not None and search_index.warm():
        # The snapshot's columns are hundreds of thousands of long-lived objects; a full
        # collection scanning them paused a worker 30-120 ms. Freezing keeps them out of it
        # (they are still freed by reference counting when the snapshot is closed).
        gc.freeze()


def child_exit(server, worker):
    """Let prometheus_client drop a dead worker's live gauges."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)

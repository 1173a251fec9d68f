"""Prometheus metrics: request counts and latencies by endpoint and status, index size,
zero-result queries.

Under gunicorn each worker is a process; prometheus_client's multiprocess mode (enabled by
``PROMETHEUS_MULTIPROC_DIR``, which ``gunicorn_conf.py`` sets) adds their counts up at
scrape time. Metric objects are module-level, like loggers: created once per process.
"""
from __future__ import annotations

import os

from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge,
                               Histogram, generate_latest)
from prometheus_client import multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

REQUESTS = Counter("search_http_requests_total", "HTTP requests", ["endpoint", "method", "status"])
LATENCY = Histogram("search_http_request_seconds", "HTTP request latency", ["endpoint"],
                    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5))
ZERO_RESULTS = Counter("search_zero_result_queries_total", "searches with a query and no result")
ANALYTICS_DROPPED = Counter("search_analytics_rows_dropped_total",
                            "analytics rows dropped because the unwritten batch was full")
ANALYTICS_CAPPED = Counter("search_analytics_rows_capped_total",
                           "oldest analytics searches deleted to keep the database under its cap")
EVENTS_REFUSED = Counter("search_events_refused_total",
                         "click reports refused", ["reason"])
INDEX_BYTES = Gauge("search_index_size_bytes", "size of the live snapshot on disk",
                    multiprocess_mode="max")
INDEX_DOCS = Gauge("search_index_documents", "documents in the live snapshot", ["kind"],
                   multiprocess_mode="max")


# Label values come from fixed sets only: every distinct value is a series kept for the life
# of the process (and a file in multiprocess mode), so a client inventing methods (curl -X
# XAAA) or paths must not be able to add any. Endpoints are the app's own URL rules.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"


def observe(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    """Record one finished request; unknown methods, unrouted paths and odd statuses are ``other``."""
    endpoint = endpoint or OTHER
    method = method if method in METHODS else OTHER
    code = str(status) if 100 <= status <= 599 else OTHER
    REQUESTS.labels(endpoint, method, code).inc()
    LATENCY.labels(endpoint).observe(seconds)


class PushCollector:
    """The push queue's figures, read from the index directory at scrape time (they are
    the same whichever worker answers, so they are not summed over workers)."""

    GAUGES = (("pending", "search_push_pending_batches", "push batches accepted, not yet applied"),
              ("pending_bytes", "search_push_pending_bytes", "bytes of the pending push batches"),
              ("oldest_pending_seconds", "search_push_oldest_pending_seconds",
               "age of the oldest pending push batch (0: none pending)"),
              ("applied", "search_push_journal_batches", "batch files in the applied journal"),
              ("quarantined", "search_push_quarantined_batches",
               "push batches set aside because they could not be read or applied"),
              ("applier_up", "search_push_applier_up", "1 while the push applier runs"))
    COUNTERS = (("applied_batches", "search_push_applied_batches",
                 "push batches applied into a snapshot"),
                ("failed_applies", "search_push_failed_applies",
                 "attempts to apply push batches that failed (the batches stay pending)"))

    def __init__(self, stats: dict) -> None:
        self.stats = stats

    def collect(self):
        for key, name, doc in self.GAUGES:
            if key in self.stats:
                yield GaugeMetricFamily(name, doc, value=self.stats[key])
        for key, name, doc in self.COUNTERS:
            if key in self.stats:
                yield CounterMetricFamily(name, doc, value=self.stats[key])


def exposition(health: dict | None, pushes: dict | None = None) -> tuple[bytes, str]:
    """Return the metrics page (all workers' values in multiprocess mode; ``pushes``: the
    push queue's figures, see ``PushCollector``)."""
    if health is not None:
        INDEX_BYTES.set(health.get("size_bytes", 0))
        for kind, n in health.get("counts", {}).items():
            INDEX_DOCS.labels(kind).set(n)
    extra = b""
    if pushes:
        registry = CollectorRegistry()
        registry.register(PushCollector(pushes))
        extra = generate_latest(registry)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry) + extra, CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY
    return generate_latest(REGISTRY) + extra, CONTENT_TYPE_LATEST

"""Metrics for Prometheus (prometheus-client): requests per route and status, the queue, failed messages.

Per request, one histogram, ``literacy_http_request_duration_seconds{method, route, status}``: its
``_count`` is the number of requests, its ``_sum`` their time. ``route`` is the URL rule
(``/modules/<module_slug>``), ``<unmatched>`` for a path no route matched, so the number of series stays
bounded whatever people ask for.

At scrape time, one query and one queue call (nothing is counted per request):

- ``literacy_outbox_messages{status}``: outbox rows waiting (``queued``), being sent (``sending``) and
  ``failed`` (given up after ``LITERACY_MAIL_MAX_ATTEMPTS``; they stay until someone acts);
- ``literacy_queue_pending``: tasks waiting in Huey's queue;
- ``literacy_database_up``, ``literacy_queue_up``: 1 when that query or call worked, 0 when it failed.

gunicorn runs several worker processes, each with its own counts. With ``PROMETHEUS_MULTIPROC_DIR`` set
(an empty folder, wiped at start by ``literacy.gunicorn_config``), prometheus-client's multiprocess mode
writes every process's counts to files there and a scrape, answered by any worker, adds them all up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from flask import Flask
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import text

from ..extensions import db
from . import readiness

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "<unmatched>"
OUTBOX_STATUSES = ("queued", "sending", "failed")

#: per request; kept out of prometheus-client's global registry, so a scrape chooses what it shows
REQUESTS = Histogram(
    "literacy_http_request_duration_seconds",
    "Time to answer a request, by method, route (the URL rule) and status; _count is the number of requests.",
    ["method", "route", "status"],
    registry=None,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)


def observe(method: str, route: str | None, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route or UNMATCHED, str(status)).observe(seconds)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_VARIABLE) or None


def outbox_counts() -> dict[str, int]:
    """Outbox rows by status, for the waiting, sending and failed ones (one indexed query)."""
    statement = text(
        "SELECT status, COUNT(*) FROM outbox_message WHERE status IN ('queued', 'sending', 'failed') GROUP BY status"
    )
    with db.engine.connect() as connection:
        found = {status: int(count) for status, count in connection.execute(statement)}
    return {status: found.get(status, 0) for status in OUTBOX_STATUSES}


class SiteCollector:
    """What a scrape reads from the database and the queue, at that moment."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        with self.app.app_context():
            try:
                counts: dict[str, int] | None = outbox_counts()
            except Exception as error:  # noqa: BLE001 - a scrape still answers; the gauge says the database is down
                self.app.logger.warning("metrics: the outbox could not be counted: %s", readiness.summary(error))
                counts = None
            try:
                pending: int | None = readiness.queue_pending(self.app)
            except Exception as error:  # noqa: BLE001 - as above
                self.app.logger.warning("metrics: the queue could not be counted: %s", readiness.summary(error))
                pending = None
        yield GaugeMetricFamily("literacy_database_up", "1 when the database answered this scrape's query.",
                                value=int(counts is not None))
        yield GaugeMetricFamily("literacy_queue_up", "1 when the task queue answered this scrape.",
                                value=int(pending is not None))
        if counts is not None:
            outbox = GaugeMetricFamily(
                "literacy_outbox_messages", "Outbox messages waiting (queued), being sent, and failed.",
                labels=["status"],
            )
            for status, count in counts.items():
                outbox.add_metric([status], count)
            yield outbox
        if pending is not None:
            yield GaugeMetricFamily("literacy_queue_pending", "Tasks waiting in the task queue.", value=pending)


def registry_for(app: Flask) -> CollectorRegistry:
    """A scrape's registry: every process's request counts in multiprocess mode, else this process's
    (with its CPU, memory and garbage-collector figures), and the site's gauges."""
    registry = CollectorRegistry()
    directory = multiprocess_dir()
    if directory:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(REQUESTS)
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)
    registry.register(SiteCollector(app))
    return registry


def exposition(app: Flask) -> bytes:
    """The text a scrape gets."""
    return generate_latest(registry_for(app))


def prepare_directory() -> None:
    """Remove the counts files from ``PROMETHEUS_MULTIPROC_DIR`` before any worker starts (an earlier
    run's files would be added to this run's counts); create it if missing. Nothing without the variable."""
    directory = multiprocess_dir()
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for child in path.glob("*.db"):  # only prometheus-client's files, whatever else the folder holds
        if child.is_file():
            child.unlink()


def process_exited(pid: int) -> None:
    """A worker is gone: its live gauges are dropped (its counters and histograms stay in the totals)."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)

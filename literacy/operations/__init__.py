"""What the people who run the site need: health and readiness probes, a log line per request, metrics
(docs/operations.md, "Health and readiness", "Logs", "Metrics")."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The request log's hooks and the probes' layer in front of the site (before the secret-key guard
    and the proxy headers wrap the application, so both apply to the probes too)."""
    from . import probes, request_log

    request_log.init_app(app)
    probes.init_app(app)

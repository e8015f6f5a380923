"""``/healthz``, ``/readyz`` and ``/metrics``: answered in front of the site, for probes and scrapers.

A small WSGI layer between the proxy headers (``security.trust_proxies``) and Flask answers these three
paths itself, so none of them

- opens a session or sets a cookie, counts against a rate limit, or writes a request log line (a probe
  every few seconds would drown the log);
- is refused by the ``Host`` check (``LITERACY_TRUSTED_HOSTS``): a probe or Prometheus on the machine
  sends ``Host: 127.0.0.1:8000``, and these answers hold no link or host name a forged ``Host`` could
  poison. Every other path is still refused under a host that is not trusted.

``/healthz``: the process answers (no database, no queue): ``{"status": "ok"}``.
``/readyz``: ``{"status": "ok"}``, or 503 ``{"status": "unavailable"}`` with the reason in the log
(``readiness``). Only GET and HEAD; no versions, host names or errors in any body.

``/metrics``: Prometheus's text format 0.0.4 (which every Prometheus reads). With
``LITERACY_METRICS_TOKEN`` set, only for ``Authorization: Bearer <token>`` (compared in constant time),
401 otherwise. Without a token, only for a request made from the loopback address directly (no
``X-Forwarded-For``, ``Forwarded`` or ``X-Real-IP``, so not one relayed by a proxy on the same machine),
and 404 for anyone else, as if there were no such page.

Without a secret key the guard in front of this layer refuses these paths too (``secret_key.guard``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from werkzeug.wrappers import Response

from . import metrics, readiness
from .request_log import HEADER, sane_id

HEALTH, READY, METRICS = "/healthz", "/readyz", "/metrics"
PATHS = frozenset({HEALTH, READY, METRICS})
RELAYED = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
PLAIN_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _status(word: str, code: int = 200) -> Response:
    return Response(json.dumps({"status": word}), code, mimetype="application/json", headers=PLAIN_HEADERS)


def is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").strip()).is_loopback
    except ValueError:
        return False


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).digest()


def bearer_matches(authorization: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>``; constant time, length included."""
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(_digest(given.strip()), _digest(token))


def metrics_answer(environ: dict[str, Any], token: str | None) -> int:
    """200 to send the metrics, 401 for a missing or wrong token, 404 when there is no token to ask for."""
    if token:
        return 200 if bearer_matches(environ.get("HTTP_AUTHORIZATION"), token) else 401
    direct = not any(environ.get(header) for header in RELAYED)
    return 200 if direct and is_loopback(environ.get("REMOTE_ADDR")) else 404


def readiness_response(app: Flask, environ: dict[str, Any]) -> Response:
    with app.app_context():
        problems = readiness.problems(app)
    if not problems:
        return _status("ok")
    app.logger.warning(
        "not ready: %s", "; ".join(problems),
        extra={"request_id": sane_id(environ.get("HTTP_X_REQUEST_ID")), "fields": {"probe": READY}},
    )
    return _status("unavailable", 503)


def metrics_response(app: Flask, environ: dict[str, Any]) -> Response:
    answer = metrics_answer(environ, str(app.config.get("METRICS_TOKEN") or "").strip() or None)
    if answer == 401:
        headers = PLAIN_HEADERS | {"WWW-Authenticate": "Bearer"}
        return Response("Unauthorized\n", 401, mimetype="text/plain", headers=headers)
    if answer == 404:
        return Response("Not Found\n", 404, mimetype="text/plain", headers=PLAIN_HEADERS)
    return Response(metrics.exposition(app), 200, content_type=CONTENT_TYPE_PLAIN_0_0_4, headers=PLAIN_HEADERS)


def answer(app: Flask, environ: dict[str, Any]) -> Response:
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        headers = PLAIN_HEADERS | {"Allow": "GET, HEAD"}
        return Response("Method Not Allowed\n", 405, mimetype="text/plain", headers=headers)
    path = environ.get("PATH_INFO")
    if path == HEALTH:
        return _status("ok")
    if path == READY:
        return readiness_response(app, environ)
    return metrics_response(app, environ)


def init_app(app: Flask) -> None:
    """Put the layer in front of the site (call before ``secret_key.guard`` and the proxy headers wrap it)."""
    site = app.wsgi_app

    def wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") not in PATHS:
            return site(environ, start_response)
        response = answer(app, environ)
        incoming = sane_id(environ.get("HTTP_X_REQUEST_ID"))
        if incoming:
            response.headers[HEADER] = incoming
        return response(environ, start_response)

    app.wsgi_app = wsgi_app  # type: ignore[method-assign]

"""gunicorn settings for literacy: ``gunicorn -c python:literacy.gunicorn_config 'literacy.wsgi:app'``.

Everything else (``--workers``, ``--bind``, ...) is still given on the command line or in
``WEB_CONCURRENCY``; this module only adds what the site needs from its server:

- :func:`on_starting` refuses to start several workers while the rate limits are counted in memory
  (``literacy.rate_limits``): gunicorn prints ``Error: Refusing to start ...`` and exits with status 1
  before any worker starts.
- With ``PROMETHEUS_MULTIPROC_DIR`` set (``literacy.operations.metrics``), :func:`on_starting` removes the
  counts files an earlier run left there, and :func:`child_exit` tells prometheus-client that a worker is
  gone, so ``/metrics`` adds up the workers' request counts correctly.
- gunicorn reads none of the proxy headers itself. By default it believes ``X-Forwarded-Proto`` from
  127.0.0.1 and from any Unix socket peer, which would make a request "secure" even with
  ``LITERACY_TRUSTED_PROXIES=0``; the application reads those headers, as that setting says
  (``literacy.security.trust_proxies``), so there is one rule for them.

The workers count is read when gunicorn starts; workers added later by signals (``TTIN``) are not checked.
"""

from __future__ import annotations

from typing import Any

from flask.helpers import get_debug_flag

# gunicorn reads every module-level name that is one of its settings (``config`` is one), hence the aliases.
from literacy import config as _settings
from literacy import rate_limits as _rate_limits

secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""  # none (gunicorn reads this setting as a comma-separated string)

_rate_limits.server_checks_workers()


def on_starting(server: Any) -> None:
    """gunicorn's hook in the master process, after the settings are final and before any worker starts."""
    storage_uri = _settings.load("")["RATELIMIT_STORAGE_URI"]  # the environment, as create_app() reads it
    _rate_limits.check(storage_uri, int(server.cfg.workers), debug=get_debug_flag())
    from literacy.operations import metrics  # here, not at the top: the master needs it only with this hook

    metrics.prepare_directory()


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's hook in the master process when a worker has exited (prometheus-client's multiprocess mode)."""
    from literacy.operations import metrics

    metrics.process_exited(worker.pid)

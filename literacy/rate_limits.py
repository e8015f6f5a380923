"""Where the rate limits are counted, and the refusal to count them in each worker separately.

Flask-Limiter keeps its counts in the storage ``LITERACY_RATELIMIT_STORAGE_URL`` names. The default,
``memory://``, lives inside one process: a server with four worker processes keeps four separate counts,
so an attacker gets four times the sign-in attempts (and a person's failures in one worker are not
seen by the next). Production with several workers must use a shared storage, such as Redis.

Whether a server runs several processes can only be known where the server says so:

- ``literacy.gunicorn_config`` (``gunicorn -c python:literacy.gunicorn_config``) reads gunicorn's own
  ``workers`` setting before any worker starts and refuses to start (:func:`check`);
- otherwise ``literacy.wsgi`` trusts ``WEB_CONCURRENCY``, the variable gunicorn (and platforms that run
  it) take the number of workers from, and refuses when it is above 1;
- otherwise (another server, ``--workers`` given on gunicorn's command line without the config module)
  the count is unknown, and ``literacy.wsgi`` logs a warning at start (:func:`check_at_start`).

None of this applies with ``--debug``: the development server is one process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask

SHARED_EXAMPLE = "redis://127.0.0.1:6379/0"

#: set in a gunicorn process by ``literacy.gunicorn_config``, whose hook checks the workers before any starts
_server_checks_workers = False


class UnsharedLimitStorage(RuntimeError):
    """Several workers would each keep their own sign-in counts (gunicorn prints it as ``Error: ...``)."""


def is_shared(storage_uri: str | None) -> bool:
    """Whether every process that uses this storage sees the same counts (everything but ``memory://``)."""
    return not (storage_uri or "memory://").strip().lower().startswith("memory://")


def refusal(workers: int, source: str) -> str:
    return (
        f"Refusing to start {workers} workers ({source}) with LITERACY_RATELIMIT_STORAGE_URL=memory:// "
        f"(the default): each worker would count failed sign-ins on its own, so the sign-in limits would be "
        f"{workers} times as high. Set LITERACY_RATELIMIT_STORAGE_URL to a storage every worker shares, "
        f"such as {SHARED_EXAMPLE}, or run a single worker."
    )


WARNING = (
    "LITERACY_RATELIMIT_STORAGE_URL is memory:// (the default), so the sign-in limits are counted inside "
    "each server process. This server did not say how many processes it runs: if it runs more than one, "
    "every process keeps its own count and the limits are multiplied by their number. Set "
    f"LITERACY_RATELIMIT_STORAGE_URL to a shared storage such as {SHARED_EXAMPLE}, or start gunicorn with "
    "-c python:literacy.gunicorn_config, which checks its number of workers."
)


def check(storage_uri: str | None, workers: int, debug: bool, source: str = "gunicorn's workers setting") -> None:
    """Raise :class:`UnsharedLimitStorage` for several workers with per-process storage outside debug."""
    if workers > 1 and not debug and not is_shared(storage_uri):
        raise UnsharedLimitStorage(refusal(workers, source))


def server_checks_workers() -> None:
    """Say that the server checks its number of workers itself (``literacy.gunicorn_config`` calls this).

    The flag lives in this process and in the workers gunicorn forks from it, so ``literacy.wsgi`` stays
    quiet there whether gunicorn loads the app before forking (``preload_app``) or in each worker.
    """
    global _server_checks_workers
    _server_checks_workers = True


def _web_concurrency(environ: Mapping[str, str]) -> int | None:
    value = (environ.get("WEB_CONCURRENCY") or "").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def check_at_start(app: Flask, environ: Mapping[str, str] | None = None) -> None:
    """What ``literacy.wsgi`` does once per process: refuse a known count of several workers, or warn.

    Nothing is said when the storage is shared, in debug, or when gunicorn's config module checks.
    """
    storage_uri = app.config.get("RATELIMIT_STORAGE_URI")
    if app.debug or is_shared(storage_uri) or _server_checks_workers:
        return
    workers = _web_concurrency(os.environ if environ is None else environ)
    if workers is None:
        app.logger.warning(WARNING)
        return
    check(storage_uri, workers, app.debug, source=f"WEB_CONCURRENCY={workers}")

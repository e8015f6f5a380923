"""Whether this instance can serve: the database answers at the code's migration head, the queue answers.

Two cheap calls, nothing cached but the code's own heads: ``SELECT version_num FROM alembic_version``
(which is also the "database reachable" check) and the queue's pending count (one ``LLEN`` on Redis, a
``COUNT`` on the SQLite queue), with a one-second timeout on Redis so a probe never hangs a worker.
:func:`problems` says what is wrong in words for the log; the probe's answer only says "unavailable".
"""

from __future__ import annotations

import functools
from typing import Any

import redis
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import text

from ..config import PACKAGE_ROOT
from ..extensions import db
from ..notifications import queue

MIGRATIONS = PACKAGE_ROOT / "migrations"
#: how long the queue's probe waits for Redis to connect or answer, in seconds
QUEUE_TIMEOUT = 1.0


@functools.cache
def code_heads(directory: str = str(MIGRATIONS)) -> frozenset[str]:
    """The migration heads this code brings (read once per process: the files do not change under it)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def summary(error: BaseException) -> str:
    """An error's class and the first line of its message (a driver's, not SQLAlchemy's SQL and parameters)."""
    original = getattr(error, "orig", None) or error
    first = str(original).strip().splitlines()[0][:200] if str(original).strip() else ""
    return f"{type(original).__name__}: {first}" if first else type(original).__name__


def database_revisions() -> frozenset[str]:
    """The revisions the database is at (raises when it cannot be reached)."""
    with db.engine.connect() as connection:
        return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def database_problem() -> str | None:
    try:
        revisions = database_revisions()
    except Exception as error:  # noqa: BLE001 - any failure means not ready; its reason goes to the log
        return f"database: {summary(error)}"
    heads = code_heads()
    if revisions != heads:
        return (
            f"database: at revision {', '.join(sorted(revisions)) or 'none'}, the code's head is "
            f"{', '.join(sorted(heads))} (run flask db upgrade, or this code is older than the database)"
        )
    return None


@functools.cache
def _probe_storage(url: str) -> Any:
    """A storage like the queue's for ``url``, with short timeouts on Redis; kept, so its pool is reused."""
    configured = queue.build(url)
    options = dict(configured.storage_kwargs)
    if "url" in options:  # Redis: its own connection pool, which fails in a second instead of hanging
        options["connection_pool"] = redis.ConnectionPool.from_url(
            options.pop("url"), socket_timeout=QUEUE_TIMEOUT, socket_connect_timeout=QUEUE_TIMEOUT
        )
    return configured.storage_class(configured.name, **options)


def pending_in(url: str) -> int:
    """Tasks waiting in the queue at ``url`` (raises when it cannot be reached)."""
    return int(_probe_storage(url).queue_size())


def queue_pending(app: Flask) -> int:
    """Tasks waiting in the app's queue. Under tests without a real queue, Huey runs tasks at once in
    memory, and that is what is counted."""
    if queue.huey.immediate:
        return int(queue.huey.storage.queue_size())
    return pending_in(app.config["QUEUE_URL"])


def queue_problem(app: Flask) -> str | None:
    try:
        queue_pending(app)
    except Exception as error:  # noqa: BLE001 - as for the database
        return f"queue: {summary(error)}"
    return None


def problems(app: Flask) -> list[str]:
    """Why this instance is not ready, in words for the log; empty when it is. Call in an app context."""
    return [problem for problem in (database_problem(), queue_problem(app)) if problem]

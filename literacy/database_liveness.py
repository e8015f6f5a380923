"""When the database goes away and comes back: pooled connections checked for free, outages logged.

The pool hands out a connection only after a check that sends nothing to the server (so it costs no round
trip, unlike SQLAlchemy's ``pool_pre_ping``, which on PostgreSQL was a ``BEGIN`` and a ``SELECT 1`` on every
request): a PostgreSQL backend that was terminated, or a server that shut down, closed its end of the socket,
so the idle socket is readable (or psycopg already knows the connection is broken); a SQLite connection that
was closed refuses to tell its change count. Such a connection is thrown away and the pool opens another
(``DisconnectionError``), so the first request after the database came back works. A connection that dies
silently mid-request (a network that drops packets) fails that request: SQLAlchemy then invalidates the
whole pool, and TCP keepalives (``config.engine_options``) find a dead peer in well under a minute.

While the database cannot be reached every request fails with an error page; one warning line per
``QUIET_SECONDS`` says so (``database unavailable``), and an info line says when a connection works again.
"""

from __future__ import annotations

import logging
import select
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

log = logging.getLogger("literacy.database")

#: at most one "database unavailable" line per process in this many seconds (an outage fails every request)
QUIET_SECONDS = 10.0


class _Outage:
    """This process's view of the database: whether the last connection attempt failed, and when it logged."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.logged_at = 0.0
        self.failures = 0

    def failed(self, error: BaseException) -> None:
        with self.lock:
            self.down = True
            self.failures += 1
            now = time.monotonic()
            if now - self.logged_at < QUIET_SECONDS:
                return
            self.logged_at, count, self.failures = now, self.failures, 0
        reason = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
        log.warning("database unavailable (%d failure(s) since the last line): %s", count, reason)

    def reached(self) -> None:
        if not self.down:  # the usual case: no lock taken
            return
        with self.lock:
            was, self.down, self.logged_at, self.failures = self.down, False, 0.0, 0
        if was:
            log.info("database reachable again")


outage = _Outage()


def is_alive(dbapi_connection: Any) -> bool:
    """Whether a pooled connection can still be used, found without a round trip to the server."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        try:
            dbapi_connection.total_changes  # noqa: B018 - raises ProgrammingError once the connection is closed
        except sqlite3.ProgrammingError:
            return False
        return True
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        return False
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:  # another driver: nothing known to check
        return True
    try:
        socket = pgconn.socket
    except Exception:  # noqa: BLE001 - psycopg raises when the connection has no socket any more
        return False
    # An idle connection is sent nothing (the site never LISTENs): what arrived is the server's goodbye
    # ("terminating connection due to administrator command") and the end of the stream.
    return not _readable(socket)


def _readable(socket: int) -> bool:
    """Whether something (or the end of the stream) waits on ``socket``, without waiting: ``poll`` where there
    is one (``select`` cannot watch descriptors above 1023, which a busy process may hand out)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(socket, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    readable, _, _ = select.select([socket], [], [], 0)
    return bool(readable)


@event.listens_for(Pool, "checkout")
def _check_on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:  # type: ignore[no-untyped-def]
    if not is_alive(dbapi_connection):
        raise DisconnectionError("the pooled connection was closed by the database")  # the pool opens another


@event.listens_for(Pool, "connect")
def _connected(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    outage.reached()


@event.listens_for(Engine, "handle_error")
def _log_outage(context) -> None:  # type: ignore[no-untyped-def]
    """A connection that could not be opened, or one lost mid-statement, means the database is unavailable."""
    if context.is_disconnect or context.connection is None:
        outage.failed(context.original_exception)

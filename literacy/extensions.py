"""Flask extensions, created unbound here and bound to an app in ``create_app``; SQLite's connection rules.

Concurrency on SQLite (docs/architecture.md, "Concurrency"): the database runs in WAL mode (readers never
wait for the writer) with a busy timeout. A transaction starts as a writer (``BEGIN IMMEDIATE``: it takes
the one write lock at once, others queue for it for up to the busy timeout, and everything it reads and
writes happens under that lock) when

- it runs in a request whose method is not GET, HEAD or OPTIONS (forms post; posts write), or
- it begins inside :func:`writing` (commands, jobs and tests that call services outside a request).

Every other transaction is a reader, concurrent with everything: its reads take no lock, and should it write
after all (a page that records a visit), the driver begins a transaction at that first write, which waits for
the lock too. What it read before was not under the lock, so such a write must stand on its own: an UPDATE
with its condition in the WHERE clause, or an INSERT in a savepoint that accepts a unique violation.
PostgreSQL needs no write lock (its row locks and unique indexes do the work) but reads the same way: a
reader's connection is in autocommit until its first write (:func:`_postgresql_begin`), so a page that only
reads sends no ``BEGIN`` and no ``ROLLBACK``, two round trips of its 3-11; under READ COMMITTED each statement
sees what is committed when it starts, in a transaction or not, so the reads are the same (requests only:
commands and jobs keep psycopg's usual transactions).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from flask import has_request_context, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool


class Base(DeclarativeBase):
    # Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _reading_requests_are_not_limited() -> bool:
    """Every limit the site sets counts POSTs (sign-in, password reset, preview; tests/test_rate_limit_storage.py
    checks that none counts reads), so a page that only reads skips the limiter's work: finding and testing the
    limits of the route cost as much as a tenth of a lesson page."""
    return request.method in READING_METHODS


# How long a SQLite writer waits for the write lock before "database is locked": far longer than any request
# holds it, so under load writers queue instead of failing.
SQLITE_BUSY_TIMEOUT_MS = 30_000
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writer: ContextVar[bool] = ContextVar("literacy_writer", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside the block start as writers on SQLite (``BEGIN IMMEDIATE``).

    For code that writes outside a request (commands, jobs, tests calling services in threads): enter it
    before the first query of the transaction, since a transaction already begun keeps its kind.
    """
    token = _writer.set(True)
    try:
        yield
    finally:
        _writer.reset(token)


def is_writer() -> bool:
    """Whether a transaction beginning now starts as a writer (see the module's docstring)."""
    if _writer.get():
        return True
    return has_request_context() and request.method not in READING_METHODS


class Taken(Exception):
    """A unique constraint refused the rows: another request took the name (or slug) a moment ago."""


@contextmanager
def claiming() -> Iterator[None]:
    """Add the rows that claim a unique name inside this block: it runs in a savepoint and flushes, so a
    unique violation (a check-then-insert that lost a race) undoes only the block and raises :class:`Taken`,
    which the view turns into the form's normal error. The rest of the transaction stays usable."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as error:
        raise Taken(str(error.orig)) from error


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    """SQLite ignores foreign keys (and so ON DELETE CASCADE) unless asked on every connection.

    Also WAL mode (kept in the database file, so set only once) and the busy timeout.
    """
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if mode not in ("wal", "memory"):  # an in-memory database has no journal file to change
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection: Connection) -> None:
    """Start a SQLite transaction as a writer or as a reader.

    A writer takes the write lock with ``BEGIN IMMEDIATE`` (waiting its turn), so its reads and writes are
    one locked transaction: nothing it checked can change before it commits. A reader is left to the
    driver's own handling: each read sees what is committed, and the driver begins a transaction just before
    the first INSERT, UPDATE or DELETE, which then waits for the lock like a writer (a transaction that had
    read first could not wait: SQLite refuses it at once when someone committed since it began).
    """
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is None or connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    if is_writer():
        raw.isolation_level = None  # the driver begins nothing itself: this BEGIN is the transaction
        raw.execute("BEGIN IMMEDIATE")
    else:
        raw.isolation_level = ""  # the driver's default: a deferred BEGIN before the first write


@event.listens_for(Engine, "do_connect")
def _sqlite_folder(dialect, conn_rec, cargs, cparams) -> None:  # type: ignore[no-untyped-def]
    """Create the folder of a SQLite file on first connection (the instance folder on a fresh checkout).

    Done here rather than in the factory, which must not write anything.
    """
    if dialect.name == "sqlite":
        database = cparams.get("database") or (cargs[0] if cargs else "")
        if database and database != ":memory:" and not str(database).startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)


#: a SELECT that takes row locks or a transaction's advisory lock (either would end with the statement in
#: autocommit) counts as a write
_LOCKING = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|\bpg_advisory_xact_lock", re.IGNORECASE
)
_READER = "literacy_reader"  # set in a pooled connection's info while it is a reader in autocommit


@event.listens_for(Engine, "begin")
def _postgresql_begin(connection: Connection) -> None:
    """Start a PostgreSQL transaction as a reader (autocommit until the first write) or as usual.

    Readers are the transactions of requests that would be readers on SQLite (``is_writer``): those of GET,
    HEAD and OPTIONS requests outside :func:`writing`; commands and jobs keep psycopg's usual transactions.
    psycopg begins a transaction itself before the first statement when autocommit is off;
    :func:`_postgresql_first_write` turns it off just before a reader's first write, so the write and
    everything after it (savepoints, row locks, the rest of the request's writes) are one transaction,
    committed or rolled back as before. Setting autocommit sends nothing to the server.
    """
    if connection.dialect.name != "postgresql" or "isolation_level" in connection.get_execution_options():
        return
    raw = connection.connection.dbapi_connection
    info = connection.connection.info
    if raw is None or (raw.autocommit and _READER not in info):
        return  # autocommit chosen by someone else (an engine made with isolation_level="AUTOCOMMIT")
    reader = has_request_context() and not is_writer()
    if raw.autocommit != reader:
        raw.autocommit = reader
    info[_READER] = reader


@lru_cache(maxsize=2048)
def _plain_select(statement: str) -> bool:
    """Whether a statement only reads (kept per statement text: the pages' statements are built once, and
    searching a long one for locks on every request cost more than the rest of this hook)."""
    return statement.lstrip()[:6].upper() == "SELECT" and not _LOCKING.search(statement)


@event.listens_for(Engine, "before_cursor_execute")
def _postgresql_first_write(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
    """A reader's first statement that is not a plain SELECT (an INSERT, UPDATE, DELETE, SAVEPOINT, a CTE,
    ``SELECT ... FOR UPDATE``) or that needs a transaction (a server-side cursor) begins the transaction."""
    if not conn.connection.info.get(_READER):
        return
    if _plain_select(statement) and not getattr(cursor, "name", None):
        return
    conn.connection.info[_READER] = False
    conn.connection.dbapi_connection.autocommit = False


@event.listens_for(Pool, "checkin")
def _postgresql_plain(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    """A reader's connection goes back to the pool with autocommit off, psycopg's default, so nothing that
    takes it without a transaction's begin (a raw connection, a migration) inherits a reader's autocommit."""
    if connection_record.info.pop(_READER, None) and dbapi_connection is not None:
        try:
            dbapi_connection.autocommit = False
        except Exception:  # noqa: BLE001 - a broken connection, which the pool will replace anyway
            connection_record.invalidate()


from . import database_liveness  # noqa: E402, F401 - the pool's free check on checkout, and outages logged

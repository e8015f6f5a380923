"""A database that goes away and comes back (issue 17): the site recovers without a restart.

The pool no longer pings the database on every checkout (``pool_pre_ping``, a round trip per request); a
pooled connection the database closed is found without one (``database_liveness``) and replaced, so the
first request after PostgreSQL's backends were terminated already works. While the database refuses
connections pages answer an error (503 from ``errors``, or 500) and the log says the database is unavailable;
once it accepts them again pages work, in the same process.
"""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import pytest
from sqlalchemy import make_url

from literacy import database_liveness
from literacy.extensions import db

from .conftest import PASSWORD, TEST_DATABASE_URL

ON_POSTGRESQL = bool(TEST_DATABASE_URL) and make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql"
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="terminates PostgreSQL backends (set a PostgreSQL "
                                     "LITERACY_TEST_DATABASE_URL)")
sqlite_only = pytest.mark.skipif(ON_POSTGRESQL, reason="closes SQLite connections (the SQLite run)")
DOWN = (500, 503)


@pytest.fixture
def app_config():
    # a real server answers an unhandled error with 500 instead of raising it into the test
    return {"PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def learner(make_user, published_curriculum, auth):
    user = make_user("learner@example.org")
    auth.sign_in(user.email, PASSWORD)
    db.session.remove()  # the test holds no connection of its own
    return user


def pages(client) -> list[int]:
    return [client.get(path).status_code for path in ("/modules", "/my-learning", "/modules/ai-basics/what-ai-is")]


def _admin(database: str | None = None) -> psycopg.Connection:
    url = make_url(TEST_DATABASE_URL)
    return psycopg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username, password=url.password or None,
        dbname=database or url.database, autocommit=True,
    )


def terminate_backends() -> int:
    """End every other connection to the test database and wait until they are gone (as a restart would)."""
    with _admin("postgres") as admin:
        return admin.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()) AS ended", (make_url(TEST_DATABASE_URL).database,)
        ).fetchone()[0]


def allow_connections(allowed: bool) -> None:
    name = make_url(TEST_DATABASE_URL).database
    with _admin("postgres") as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')


@postgresql_only
def test_the_first_request_after_the_backends_were_terminated_works(client, auth, learner):
    assert pages(client) == [200, 200, 200]  # the pool holds connections now
    assert terminate_backends() >= 1
    assert pages(client) == [200, 200, 200]
    assert terminate_backends() >= 1
    assert auth.post("/language/cy", {"next": "/modules"}).status_code == 302  # a form's write works as well
    assert pages(client) == [200, 200, 200]


@postgresql_only
def test_pages_fail_while_the_database_refuses_connections_and_work_when_it_is_back(client, learner, caplog):
    assert pages(client) == [200, 200, 200]
    database_liveness.outage.logged_at = 0.0  # another test's outage line must not silence this one's
    caplog.set_level(logging.INFO)
    try:
        allow_connections(False)
        terminate_backends()
        down = pages(client)
        assert all(status in DOWN for status in down), down
        assert any("database unavailable" in record.getMessage() for record in caplog.records)
    finally:
        allow_connections(True)
    assert pages(client) == [200, 200, 200]
    assert any(record.getMessage() == "database reachable again" for record in caplog.records)


@postgresql_only
def test_a_connection_the_server_closed_is_found_without_a_round_trip(app):
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            connection = raw.dbapi_connection
            assert database_liveness.is_alive(connection)
            with _admin() as admin:
                admin.execute("SELECT pg_terminate_backend(%s, 5000)", (connection.info.backend_pid,))
            assert not database_liveness.is_alive(connection)
        finally:
            raw.invalidate()


@sqlite_only
def test_sqlite_connections_closed_under_the_pool_are_replaced(client, learner, app):
    assert pages(client) == [200, 200, 200]
    pooled = [record.dbapi_connection for record in list(db.engine.pool._pool.queue)]  # noqa: SLF001
    assert pooled, "the pool keeps connections"
    for connection in pooled:
        connection.close()
    assert pages(client) == [200, 200, 200]


def test_a_closed_sqlite_connection_is_not_alive(tmp_path):
    connection = sqlite3.connect(tmp_path / "closed.sqlite3")
    assert database_liveness.is_alive(connection)
    connection.close()
    assert not database_liveness.is_alive(connection)


def test_an_outage_is_logged_once_in_a_while_and_the_return_once(caplog):
    outage = database_liveness._Outage()  # noqa: SLF001 - a fresh state, not the process's
    caplog.set_level(logging.INFO, logger="literacy.database")
    for _ in range(5):
        outage.failed(RuntimeError("connection refused\nmore detail"))
    outage.reached()
    outage.reached()
    lines = [record.getMessage() for record in caplog.records]
    assert lines == ["database unavailable (1 failure(s) since the last line): connection refused",
                     "database reachable again"]

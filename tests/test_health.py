"""/healthz and /readyz: cheap, unauthenticated, no detail in the answer, answered under any Host."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from literacy.extensions import db
from literacy.notifications import queue
from literacy.operations import readiness

from .support.servers import REDIS_URL, redis_unreachable


@pytest.fixture
def alembic_version(app):
    """An ``alembic_version`` table (the tests' schema is made by ``create_all``, which has none),
    at the code's head unless a test writes another revision; dropped afterwards."""
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        for head in readiness.code_heads():
            connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
    yield
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))


def _nothing_personal(response):
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_says_ok_without_the_database(app, client, monkeypatch):
    def no_database(*args, **kwargs):
        raise AssertionError("/healthz touched the database")

    monkeypatch.setattr(db.engine, "connect", no_database)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    _nothing_personal(response)
    assert client.head("/healthz").status_code == 200


def test_readyz_is_ok_at_the_migration_head_with_the_queue(app, client, alembic_version):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    _nothing_personal(response)


def test_readyz_costs_one_statement(app, client, alembic_version):
    statements = []
    from sqlalchemy import event

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/readyz").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == ["SELECT version_num FROM alembic_version"]


def test_readyz_without_migrations_is_unavailable_and_logs_why(app, client, caplog):
    with caplog.at_level(logging.WARNING, logger="literacy"):
        response = client.get("/readyz", headers={"X-Request-ID": "probe-1"})
    assert response.status_code == 503
    assert response.get_data(as_text=True) == '{"status": "unavailable"}'  # no reason, version or host
    assert response.headers["X-Request-ID"] == "probe-1"
    (record,) = [r for r in caplog.records if r.getMessage().startswith("not ready")]
    assert "database:" in record.getMessage() and record.request_id == "probe-1"


def test_readyz_behind_the_database_is_unavailable(app, client, alembic_version, caplog):
    db.session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    with caplog.at_level(logging.WARNING, logger="literacy"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "flask db upgrade" in caplog.text and "at revision 0001" in caplog.text
    assert "0001" not in response.get_data(as_text=True)


def test_readyz_with_an_unreachable_queue_is_unavailable(app, client, alembic_version, monkeypatch, caplog):
    monkeypatch.setattr(queue.huey, "_immediate", False)  # as in production (leaves Huey's storage alone)
    app.config["QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    with caplog.at_level(logging.WARNING, logger="literacy"):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert "queue: ConnectionError" in caplog.text
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_the_queue_probe_counts_pending_tasks_in_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    assert readiness.pending_in(url) == 0
    queue.build(url).storage.enqueue(b"a task")
    assert readiness.pending_in(url) == 1


def test_the_queue_probe_counts_pending_tasks_in_redis():
    if reason := redis_unreachable():
        pytest.skip(reason)
    url = f"{REDIS_URL}?name=literacy-test-readiness"
    huey = queue.build(url)
    huey.storage.flush_queue()
    try:
        huey.storage.enqueue(b"one")
        huey.storage.enqueue(b"two")
        assert readiness.pending_in(url) == 2
    finally:
        huey.storage.flush_queue()


@pytest.mark.parametrize("app_config", [{"TRUSTED_HOSTS": ["learning.example.gov.uk"]}])
def test_probes_answer_a_local_host_name_the_site_refuses(app, client, alembic_version):
    local = {"Host": "127.0.0.1:8000"}
    assert client.get("/healthz", headers=local).status_code == 200
    assert client.get("/readyz", headers=local).status_code == 200
    assert client.get("/help", headers=local).status_code == 400  # every other page is still refused
    assert client.get("/help", headers={"Host": "learning.example.gov.uk"}).status_code == 200


def test_probes_are_not_rate_limited_and_refuse_other_methods(app, client):
    # Flask-Limiter checks its limits in a before_request function; the probes are answered before any
    # runs, as this stand-in for a limit that refuses everything shows.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: ("Too Many Requests", 429))
    assert client.get("/help").status_code == 429
    for _ in range(20):
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 200
    response = client.post("/healthz")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"


def test_without_a_secret_key_the_probes_are_refused_too(monkeypatch, tmp_path):
    from literacy import create_app

    monkeypatch.delenv("LITERACY_SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'never.sqlite3'}"})
    assert app.test_client().get("/readyz").status_code == 500
    assert not (tmp_path / "never.sqlite3").exists()

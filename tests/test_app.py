"""The factory: settings, secrets, defaults, headers, error pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from literacy import create_app
from literacy.config import normalise_database_url
from literacy.extensions import db
from literacy.security import CONTENT_SECURITY_POLICY


def test_without_a_secret_key_the_app_answers_no_request_and_opens_no_database(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv("LITERACY_SECRET_KEY", raising=False)
    database = tmp_path / "never.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})  # builds, for --help and courses check
    response = app.test_client().get("/healthz")
    assert response.status_code == 500
    assert "LITERACY_SECRET_KEY" not in response.get_data(as_text=True)  # the reason is logged, not shown
    assert any("Set LITERACY_SECRET_KEY" in record.getMessage() for record in caplog.records)
    with app.app_context(), pytest.raises(RuntimeError, match="Set LITERACY_SECRET_KEY"):
        db.session.execute(db.text("SELECT 1"))
    assert not database.exists()


def test_a_secret_key_set_after_the_factory_is_enough(monkeypatch, tmp_path):
    monkeypatch.delenv("LITERACY_SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'late.sqlite3'}"})
    app.config["SECRET_KEY"] = "set by a deployment's own wsgi file"
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}
    with app.app_context():
        db.engine.dispose()


def test_the_production_entry_point_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    import importlib
    import sys

    monkeypatch.delenv("LITERACY_SECRET_KEY", raising=False)
    monkeypatch.setenv("LITERACY_DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    sys.modules.pop("literacy.wsgi", None)
    try:
        with pytest.raises(RuntimeError, match="Set LITERACY_SECRET_KEY"):
            importlib.import_module("literacy.wsgi")
    finally:
        sys.modules.pop("literacy.wsgi", None)
    assert not (tmp_path / "production.sqlite3").exists()


def test_settings_come_from_literacy_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("LITERACY_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("LITERACY_DATABASE_URL", "postgresql://postgres@127.0.0.1/example")
    monkeypatch.setenv("LITERACY_COURSES_DIR", str(tmp_path))
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://postgres@127.0.0.1/example"
    assert app.config["COURSES_DIR"] == str(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_sqlite_in_the_instance_folder_by_default(monkeypatch):
    monkeypatch.delenv("LITERACY_DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    expected = Path(app.instance_path) / "literacy.sqlite3"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{expected}"


def test_database_urls_are_normalised_for_psycopg_3():
    assert normalise_database_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_security_headers_on_every_page(client):
    for path in ("/", "/sign-in", "/no-such-page"):
        response = client.get(path)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script_or_style(client):
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "<style" not in page and " style=" not in page


def test_styled_not_found_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page and 'class="site-header"' in page


def test_styled_server_error_page(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.testing = False  # let the error handler answer instead of raising into the test
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.get_data(as_text=True)


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_the_sqlite_folder_is_created_on_first_use_not_by_the_factory(tmp_path):
    target = tmp_path / "new-instance" / "literacy.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}"})
    assert not target.parent.exists()
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        db.engine.dispose()
    assert target.parent.is_dir()


def test_the_production_entry_point_builds_the_app_and_freezes_start_up_objects(monkeypatch, tmp_path):
    import gc
    import importlib
    import sys

    from literacy.practice.cases import index as cases_index

    monkeypatch.setenv("LITERACY_SECRET_KEY", "a production secret for this test")
    monkeypatch.setenv("LITERACY_DATABASE_URL", f"sqlite:///{tmp_path / 'production.sqlite3'}")
    sys.modules.pop("literacy.wsgi", None)
    try:
        wsgi = importlib.import_module("literacy.wsgi")
        assert wsgi.app.config["SECRET_KEY"] == "a production secret for this test"
        assert not wsgi.app.debug and not wsgi.app.testing
        assert gc.get_freeze_count() > 0
        # the case library was read at start, not by a worker's first lesson page
        with wsgi.app.app_context():
            kept = wsgi.app.extensions["literacy_cases"][1]
            assert kept.cases and kept is cases_index.case_index()
    finally:
        gc.unfreeze()
        sys.modules.pop("literacy.wsgi", None)

"""The 503 page for a database that cannot be reached, and the request id on the 500 and 503 pages."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from literacy.errors import is_unavailable
from literacy.extensions import db
from literacy.models import Organisation

from .conftest import Auth


def _lost(*args, **kwargs):
    raise OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly"))


def _main(page: str) -> str:
    return page[page.find("<main") : page.find("</main>")]


def test_a_lost_database_answers_the_503_page_with_the_request_id(app, client, make_user, monkeypatch, caplog):
    make_user("learner@example.org")
    Auth(client).sign_in("learner@example.org")
    monkeypatch.setattr("literacy.site.views.home_page", _lost)
    with caplog.at_level(logging.INFO, logger="literacy"):
        response = client.get("/", headers={"X-Request-ID": "support-1234"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "120"
    page = response.get_data(as_text=True)
    assert "The service is temporarily unavailable. Try again in a few minutes." in page
    assert "<code>support-1234</code>" in page and response.headers["X-Request-ID"] == "support-1234"
    assert "server closed the connection" not in page and "SELECT" not in page  # the reason is only logged
    assert 'class="site-header"' in page  # the site's own layout, as the other error pages
    failures = [r for r in caplog.records if r.getMessage().startswith("database unavailable")]
    assert len(failures) == 1  # logged once: this handler's line, not Flask's traceback as well
    assert failures[0].request_id == "support-1234" and failures[0].levelno == logging.WARNING
    assert "server closed the connection unexpectedly" in failures[0].getMessage()
    (line,) = [r for r in caplog.records if getattr(r, "fields", {}).get("route") == "/"]
    assert line.fields["status"] == 503


def test_the_503_page_is_in_welsh(app, client, monkeypatch):
    monkeypatch.setattr("literacy.site.views.render_template", _lost)  # the home page's own rendering fails
    response = client.get("/", headers={"Accept-Language": "cy", "X-Request-ID": "cyf-1"})
    assert response.status_code == 503
    main = _main(response.get_data(as_text=True))
    assert "Nid yw’r gwasanaeth ar gael dros dro" in main and "dyfynnwch y cyfeirnod hwn" in main
    assert "temporarily unavailable" not in main and "<code>cyf-1</code>" in main


def test_a_signed_in_persons_welsh_is_kept_without_a_query(app, client, make_user, monkeypatch):
    user = make_user("dysgwr@example.org")
    user.locale = "cy"
    db.session.commit()
    Auth(client).sign_in("dysgwr@example.org")
    monkeypatch.setattr("literacy.site.views.home_page", _lost)
    response = client.get("/")
    assert response.status_code == 503
    assert "Nid yw’r gwasanaeth ar gael dros dro" in response.get_data(as_text=True)


def test_the_session_is_rolled_back_before_the_page_is_rendered(app, client, monkeypatch):
    from literacy import errors

    def half_way(*args, **kwargs):
        db.session.add(Organisation(slug="half-way", name="Half way"))
        db.session.flush()
        raise OperationalError("COMMIT", {}, Exception("terminating connection due to administrator command"))

    real_render = errors.render_template
    at_render = {}

    def spy(*args, **kwargs):  # what the session holds when the 503 page is rendered
        at_render.update(new=list(db.session.new), pending=db.session().in_transaction())
        return real_render(*args, **kwargs)

    monkeypatch.setattr("literacy.site.views.render_template", half_way)
    monkeypatch.setattr(errors, "render_template", spy)
    assert client.get("/").status_code == 503
    assert at_render == {"new": [], "pending": False}
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "half-way")) is None


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (OperationalError("SELECT 1", {}, Exception("connection refused")), True),
        (InterfaceError("SELECT 1", {}, Exception("connection already closed")), True),
        (DBAPIError("SELECT 1", {}, Exception("lost"), connection_invalidated=True), True),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), False),
    ],
)
def test_which_database_errors_mean_unavailable(error, unavailable):
    assert is_unavailable(error) is unavailable


def test_another_database_error_is_still_a_500_with_its_traceback_logged(app, client, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise IntegrityError("INSERT ...", {}, Exception("duplicate key value"))

    monkeypatch.setattr("literacy.site.views.render_template", broken)
    app.testing = False  # let the error handlers answer instead of raising into the test
    with caplog.at_level(logging.INFO, logger="literacy"):
        response = client.get("/", headers={"X-Request-ID": "bug-42"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page and "<code>bug-42</code>" in page
    (error,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.request_id == "bug-42" and error.exc_info and error.getMessage() == "unhandled exception on GET /"


def test_the_500_page_shows_a_generated_request_id(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    app.testing = False
    response = client.get("/boom")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32 and f"<code>{request_id}</code>" in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_database_that_cannot_be_reached_gives_the_503_page_and_not_ready(tmp_path, kind, caplog):
    """No stand-in: a SQLite "file" that is a folder, a PostgreSQL port nothing listens on."""
    from .conftest import make_app, make_config

    url = f"sqlite:///{tmp_path}" if kind == "sqlite" else "postgresql+psycopg://postgres@127.0.0.1:1/none"
    app = make_app(make_config(url))
    client = app.test_client()
    with caplog.at_level(logging.WARNING, logger="literacy"):
        page = client.get("/modules", headers={"X-Request-ID": f"{kind}-down"})
        ready = client.get("/readyz")
    assert page.status_code == 503 and f"<code>{kind}-down</code>" in page.get_data(as_text=True)
    assert ready.status_code == 503
    (line,) = [r for r in caplog.records if r.getMessage().startswith("database unavailable:")]
    assert line.request_id == f"{kind}-down"
    with app.app_context():
        db.engine.dispose()

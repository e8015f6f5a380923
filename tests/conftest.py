"""Fixtures: an app per test from the factory, a clean database per test, clients, helpers, factories.

The database is SQLite in a temporary file unless ``LITERACY_TEST_DATABASE_URL`` names another one
(PostgreSQL in CI). The schema is created once per run; after every test all rows are deleted.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from literacy import create_app
from literacy.extensions import db
from literacy.models import Membership, Organisation, User

TEST_DATABASE_URL = os.environ.get("LITERACY_TEST_DATABASE_URL")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = _database_url(tmp_path_factory)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield url
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def make_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast; production uses scrypt
    }
    config.update(overrides)
    return config


def _clean(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{table.name}"' for table in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                connection.execute(text('UPDATE "module" SET current_version_id = NULL'))
                for table in tables:
                    connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


class IsolatedClient(FlaskClient):
    """Runs each request in its own context, as a real server does.

    The test keeps an app context open for its own database work; without this, requests would reuse
    it and share ``g`` (the signed-in user, the CSRF token) and the database session between requests.
    """

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(make_config(database_url, **app_config))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
    _clean(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class Auth:
    """Signs a test client in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def sign_in(self, email: str, password: str = "correct horse battery", **kwargs: Any):
        token = csrf_token(self.client)
        return self.client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token}, **kwargs)

    def sign_out(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/sign-out", data={"csrf_token": token})

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
        """POST a form with a valid CSRF token for this client's session."""
        form = dict(data or {})
        form.setdefault("csrf_token", csrf_token(self.client, "/"))
        return self.client.post(path, data=form, **kwargs)


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


PASSWORD = "correct horse battery"


@pytest.fixture
def courses(tmp_path: Path, app: Flask) -> Path:
    """An empty courses folder that the app uses instead of the real one (write modules into it)."""
    root = tmp_path / "courses"
    root.mkdir()
    app.config["COURSES_DIR"] = str(root)
    return root


@pytest.fixture
def make_organisation(app: Flask):
    def make(slug: str = "org-a", name: str | None = None) -> Organisation:
        organisation = Organisation(slug=slug, name=name or slug.replace("-", " ").title())
        db.session.add(organisation)
        db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_user(app: Flask):
    def make(
        email: str = "person@example.org",
        *,
        name: str = "Test Person",
        password: str = PASSWORD,
        organisation: Organisation | None = None,
        roles: tuple[str, ...] = ("learner",),
        site_admin: bool = False,
    ) -> User:
        user = User(email=email, name=name, is_site_admin=site_admin)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        if organisation is not None:
            for role in roles:
                db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
        db.session.commit()
        return user

    return make

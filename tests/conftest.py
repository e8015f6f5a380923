"""Fixtures: an app per test from the factory, a clean database per test, clients, helpers, factories.

The database is SQLite in a temporary file unless ``LITERACY_TEST_DATABASE_URL`` names another one
(PostgreSQL in CI). The schema is created once per run; after every test all rows are deleted.

What every app would otherwise build again is shared by the run (docs/testing.md, "Speed"): the URL
builders of the routes, the compiled templates, and the published real curriculum
(``published_curriculum``).
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
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import URL, Engine, event, text
from werkzeug.routing import Rule

from literacy import create_app
from literacy.config import PACKAGE_ROOT
from literacy.extensions import db
from literacy.models import Membership, Organisation, User

TEST_DATABASE_URL = os.environ.get("LITERACY_TEST_DATABASE_URL")
REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
COURSES = PACKAGE_ROOT / "courses"  # the real curriculum


def _share_url_builders() -> None:
    """Build each route's URL builder once per run instead of once per app.

    Werkzeug compiles two small Python functions for every route when an app registers it: about 45 ms
    per ``create_app()``, the largest part of a test's setup. The generated code depends only on the
    rule's text, its parsed parts (``_trace``) and its defaults (the converters are read when a URL is
    built, from the rule passed in), so equal keys give equal functions; each rule still binds its own.
    """
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # a Werkzeug without this private hook: every app compiles its own
        return
    builders: dict[tuple[Any, ...], Any] = {}

    def shared(self: Rule, append_unknown: bool = True) -> Any:
        defaults = tuple(sorted((key, repr(value)) for key, value in (self.defaults or {}).items()))
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = shared  # type: ignore[method-assign]


_share_url_builders()


class SharedTemplateCache(BytecodeCache):
    """Compiled templates shared by every test app, in memory; a template whose source changed is compiled
    again (the bucket's checksum is of the source). Every app's Jinja environment is set up the same way
    by ``create_app()``, so one compilation serves them all."""

    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, Any]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        checksum, code = self.codes.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


TEMPLATES = SharedTemplateCache()


def _setting(value: Any) -> str:
    return value.render_as_string(hide_password=False) if isinstance(value, URL) else repr(value)


def _share_engines() -> None:
    """Test apps with the same database settings share one engine.

    SQLAlchemy keeps its compiled statements per engine, so with an engine per app every test compiled
    every query it ran again. Only apps with ``TESTING`` share (never one that refuses to run without a
    secret key); ``_clean`` still closes the engine's connections after each test.
    """
    make_engine = getattr(db, "_make_engine", None)
    if make_engine is None:  # a Flask-SQLAlchemy without this private hook: an engine per app
        return
    engines: dict[str, Engine] = {}

    def shared(bind_key: str | None, options: dict[str, Any], app: Flask) -> Engine:
        if not app.testing:
            return make_engine(bind_key, options, app)
        key = repr((bind_key, sorted((name, _setting(value)) for name, value in options.items())))
        if key not in engines:
            engines[key] = make_engine(bind_key, options, app)
        return engines[key]

    db._make_engine = shared  # type: ignore[method-assign]


_share_engines()


def make_app(config: dict[str, Any]) -> Flask:
    """``create_app(config)`` with the run's shared template cache; tests use this (or the ``app`` fixture)."""
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATES
    app.test_client_class = IsolatedClient
    return app


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_connection: Any, connection_record: Any) -> None:
    """A test database need not survive a power cut: SQLite skips fsync on commit (about 1 ms each)."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        return TEST_DATABASE_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = _database_url(tmp_path_factory)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        _drop_curriculum_copy()
        db.drop_all()
        db.create_all()
        yield url
        db.session.remove()
        _drop_curriculum_copy()
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
    app = make_app(make_config(database_url, **app_config))
    with app.app_context():
        yield app
    _clean(app)


#: the tables that publishing writes, in the order they can be filled
CURRICULUM_TABLES = ("module", "module_version", "lesson", "module_image", "question", "glossary_term")
COPY = "test_curriculum_copy_"  # prefix of the tables holding the published curriculum for the run


def _drop_curriculum_copy() -> None:
    with db.engine.begin() as connection:
        for name in CURRICULUM_TABLES:
            connection.execute(text(f'DROP TABLE IF EXISTS "{COPY}{name}"'))


def _copy_curriculum(published: bool) -> None:
    """Save the published curriculum into copy tables (``published``), or fill the empty tables from them.

    The copy is made by the database itself (``CREATE TABLE ... AS SELECT``, ``INSERT ... SELECT``), so
    every value, JSON and binary included, comes back exactly as publishing wrote it.
    """
    with db.engine.begin() as connection:
        if published:
            for name in CURRICULUM_TABLES:
                connection.execute(text(f'CREATE TABLE "{COPY}{name}" AS SELECT * FROM "{name}"'))
            return
        for name in CURRICULUM_TABLES:
            columns = [column.name for column in db.metadata.tables[name].columns]
            # A module points at its current version, which is inserted after it.
            values = ["NULL" if column == "current_version_id" else f'"{column}"' for column in columns]
            quoted = ", ".join(f'"{column}"' for column in columns)
            connection.execute(text(f'INSERT INTO "{name}" ({quoted}) SELECT {", ".join(values)} FROM "{COPY}{name}"'))
        connection.execute(
            text(
                f'UPDATE "module" SET current_version_id = (SELECT copy.current_version_id FROM "{COPY}module" copy'
                ' WHERE copy.id = "module".id)'
            )
        )
        if connection.dialect.name == "postgresql":
            for name in CURRICULUM_TABLES:
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), max(id)) FROM \"{name}\"")
                )


class _Curriculum:
    published = False


@pytest.fixture(scope="session")
def _curriculum() -> _Curriculum:
    return _Curriculum()


@pytest.fixture
def published_curriculum(app: Flask, _curriculum: _Curriculum) -> Path:
    """The real curriculum (``literacy/courses``) published, as ``courses sync`` leaves it; returns its folder.

    It is published once per run, by the first test that asks, and copied into the (clean) database for
    the others, which takes milliseconds instead of a second. ``COURSES_DIR`` points at it, so ``flask demo``
    and ``courses sync`` find every module unchanged. For tests that do not change the published modules.
    """
    app.config["COURSES_DIR"] = str(COURSES)
    if _curriculum.published:
        _copy_curriculum(published=False)
        return COURSES
    from literacy.publishing import sync_courses

    report = sync_courses(COURSES)
    assert not report.problems and len(report.published) >= 6, report
    _copy_curriculum(published=True)
    _curriculum.published = True
    return COURSES


@pytest.fixture
def inbox():
    """A local SMTP server that receives the app's mail when a test module's ``app_config`` uses
    ``mail_config(inbox)`` (tests/support/mail.py)."""
    from aiosmtpd.controller import Controller

    from .support.mail import Inbox, free_port

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/help") -> str:
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
        token = csrf_token(self.client)
        return self.client.post("/sign-out", data={"csrf_token": token})

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any):
        """POST a form with a valid CSRF token for this client's session."""
        form = dict(data or {})
        form.setdefault("csrf_token", csrf_token(self.client))
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

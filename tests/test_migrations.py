"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

import ast
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import literacy
from literacy import create_app
from literacy.extensions import db

from .conftest import TEST_DATABASE_URL, make_config


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A brand-new database: a file for SQLite, a freshly created database on PostgreSQL."""
    if not TEST_DATABASE_URL or make_url(TEST_DATABASE_URL).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base = make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg")
    name = f"literacy_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_match_the_models(empty_database_url):
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations disagree; run flask db migrate: {differences}"
        tables = set(inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def _imports(path: Path) -> list[str]:
    """The modules a file imports (relative ones with their leading dots)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append("." * node.level + (node.module or ""))
    return found


def test_migrations_never_import_the_application():
    """A revision runs against the schema of its day: importing today's models or services from one breaks
    `flask db upgrade` on a fresh database once they change. Only env.py needs the application, for the
    metadata autogenerate compares with and the column type it renders."""
    folder = Path(literacy.__file__).parent / "migrations"
    revisions = sorted((folder / "versions").glob("*.py"))
    assert revisions, "no revisions found"
    offending = [
        f"{path.relative_to(folder)}: {name}"
        for path in sorted(folder.rglob("*.py"))
        if path.name != "env.py"
        for name in _imports(path)
        if name.startswith(".") or name.split(".")[0] == "literacy"
    ]
    assert offending == []
    from_env = {name for name in _imports(folder / "env.py") if name.split(".")[0] == "literacy"}
    assert from_env <= {"literacy.extensions", "literacy.models.types"}

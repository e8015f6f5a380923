"""The engine's options (``config.engine_options``): a database error logged with its traceback never shows
the statement's values, and PostgreSQL connections give up on a server that does not answer."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from literacy import config
from literacy.extensions import db


def test_postgresql_connections_have_keepalives_and_a_connect_timeout():
    options = config.engine_options("postgresql+psycopg://literacy@db.internal/literacy")
    assert options["hide_parameters"] is True
    assert options["connect_args"]["connect_timeout"] == config.POSTGRESQL_CONNECT_TIMEOUT
    assert options["connect_args"]["keepalives"] == 1
    assert config.engine_options("sqlite:///instance/literacy.sqlite3") == {"hide_parameters": True}


def test_the_app_uses_them(tmp_path):
    settings = config.load(str(tmp_path), {"SQLALCHEMY_DATABASE_URI": "postgresql://literacy@db/literacy"})
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True


def test_a_database_error_does_not_show_the_values_it_was_given(app):
    address = "private.person@example.org"
    with app.app_context():
        with pytest.raises(DBAPIError) as raised:
            db.session.execute(text("SELECT no_such_column FROM users WHERE email = :email"), {"email": address})
        db.session.rollback()
    message = str(raised.value)
    assert "no_such_column" in message  # the statement is still there to debug with
    assert address not in message
    assert "parameters hidden" in message

"""Alembic environment: runs migrations against the app's database with the app's metadata."""

from __future__ import annotations

from typing import Any

from alembic import context

from literacy.extensions import db
from literacy.models.types import UTCDateTime

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Migrations store plain timezone-aware DateTime; UTCDateTime only adds Python-side conversion.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def options() -> dict[str, Any]:
    return {
        "target_metadata": db.metadata,
        "render_item": render_item,
        "compare_type": True,
        "render_as_batch": True,  # SQLite alters tables by copying them
    }


def run_migrations_offline() -> None:
    context.configure(url=str(db.engine.url), literal_binds=True, **options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        context.configure(connection=connection, **options())
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

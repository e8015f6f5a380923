"""SQL for thousands of rows at once (adding a 10,000-row CSV of people, say), on both databases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import any_, literal
from sqlalchemy.dialects import postgresql

from .extensions import db


def among(column, values: Iterable[Any]):  # type: ignore[no-untyped-def]
    """``column IN (values)`` for a list of any length: on PostgreSQL ``column = ANY(:array)``, one
    parameter however many values (ten thousand cost no more to bind and plan than ten), on SQLite an IN
    list (it allows 32,766 parameters, more than the 10,000 rows of an upload)."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, postgresql.ARRAY(column.type)))
    return column.in_(values)

"""Field filters every area's forms share (the Flask-WTF forms themselves live next to their views)."""

from __future__ import annotations


def strip(value: str | None) -> str | None:
    """A field filter: surrounding spaces are never part of a name or an address."""
    return value.strip() if isinstance(value, str) else value

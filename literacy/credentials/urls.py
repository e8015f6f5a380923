"""The credentials' addresses and dates, in the forms the credentials carry them."""

from __future__ import annotations

from datetime import UTC, datetime

from ..addresses import absolute, base_url, site_name  # noqa: F401 - the credentials' addresses


def timestamp(moment: datetime) -> str:
    """A date and time as the schema's ``DateTimeZ``, to the second: ``2026-03-01T09:00:00Z``."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")

"""The credentials' addresses and dates, in the forms the credentials carry them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, url_for


def absolute(endpoint: str, **values: Any) -> str:
    """An address of this site: under ``LITERACY_SITE_URL`` where it is set (so ids stay the same whatever
    host name a request used), else under the request's host."""
    configured = current_app.config.get("SITE_URL")
    if configured:
        return str(configured).rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def base_url() -> str:
    return absolute("site.home").rstrip("/")


def timestamp(moment: datetime) -> str:
    """A date and time as the schema's ``DateTimeZ``, to the second: ``2026-03-01T09:00:00Z``."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def site_name() -> str:
    return str(current_app.config.get("SITE_NAME") or "AI literacy")

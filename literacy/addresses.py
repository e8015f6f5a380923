"""The site's own addresses as other systems keep them: credentials' ids, xAPI activity ids and actors.

Under ``LITERACY_SITE_URL`` where it is set, so an id stays the same whatever host name a request used;
else under the request's host. Outside a request (a consumer, the command line) without that setting, under
http://localhost:5000, as the mail writers do.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for

FALLBACK = "http://localhost:5000"


def absolute(endpoint: str, **values: Any) -> str:
    configured = current_app.config.get("SITE_URL")
    if has_request_context():
        if configured:
            return str(configured).rstrip("/") + url_for(endpoint, **values)
        return url_for(endpoint, _external=True, **values)
    root = str(configured or FALLBACK).rstrip("/")
    with current_app.test_request_context(base_url=root + "/"):
        return root + url_for(endpoint, **values)


def base_url() -> str:
    """The site's address without the final slash."""
    return absolute("site.home").rstrip("/")


def site_name() -> str:
    return str(current_app.config.get("SITE_NAME") or "AI literacy")

"""The report as a PDF, made on the server with WeasyPrint, when it is installed (the optional ``pdf`` extra).

WeasyPrint needs the Pango library of the system, which a machine with only Python lacks (Debian's
chromium brings it, so CI has it). Without it the report page offers only the browser's print command,
which prints the same page with the same print styles. The PDF is the report page itself, laid out by
``print.css`` for A4 with each part of the questionnaire on its own page.

WeasyPrint fetches what the page links to. It is given only the site's own static files, read from disk
(the stylesheets): nothing over the network, no ``file:`` address, so neither a URL in the page nor a
slow request back to this site can make the server fetch anything else. The organisation's theme
(accent colour, logo) is not fetched, and printing is black on white anyway.
"""

from __future__ import annotations

import mimetypes
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from werkzeug.security import safe_join


@cache
def available() -> bool:
    """Whether WeasyPrint imports: installed, with the system's Pango (it loads Pango on import)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def _static_file(url: str) -> Path | None:
    """The file of one of the site's static addresses (``/static/css/print.css?v=...``), else None."""
    prefix = (current_app.static_url_path or "/static").rstrip("/") + "/"
    path = unquote(urlsplit(url).path)
    if not path.startswith(prefix) or current_app.static_folder is None:
        return None
    found = safe_join(current_app.static_folder, path[len(prefix):])
    return Path(found) if found and Path(found).is_file() else None


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        """Serves the site's static files from disk and refuses every other address."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            found = _static_file(url)
            if found is None:
                raise ValueError(f"not fetched for a PDF: {url}")
            kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=found.read_bytes(), headers={"Content-Type": kind})

    return StaticOnly()


def render(html: str, base_url: str) -> bytes:
    """The PDF of a page's HTML; ``base_url`` is the page's address (for its relative links)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=_fetcher(), media_type="print").write_pdf()

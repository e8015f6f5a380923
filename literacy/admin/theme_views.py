"""An organisation's theme: its logo and accent colour, on the pages under ``/organisations/<org>/``.

The content security policy allows no inline style (``style-src 'self'``), so the colour arrives as a tiny
stylesheet per organisation, ``/organisations/<org>/theme.css``, which sets the site's ``--accent`` custom
property. Both it and the logo carry a version in their URL (``?v=``, from the colour and the logo's
hash), so browsers cache them for a year and fetch again only after a change. Which theme a page shows:
the organisation named in its URL, when that organisation is not archived; every other page shows none.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, request

from ..models import Organisation
from . import organisations as service

bp = Blueprint("theme", __name__)

YEAR = 365 * 24 * 3600


def current_theme() -> Organisation | None:
    """The organisation whose theme this page shows (at most one query per request)."""
    if "organisation_theme" not in g:
        theme = None
        slug = (request.view_args or {}).get("org")
        if isinstance(slug, str) and request.path.startswith("/organisations/"):
            organisation = service.by_slug(slug)
            if organisation is not None and not organisation.is_archived and organisation.has_theme:
                theme = organisation
        g.organisation_theme = theme
    return g.organisation_theme


@bp.app_context_processor
def theme_context() -> dict[str, object]:
    return {"organisation_theme": current_theme}


def _themed(org: str) -> Organisation:
    organisation = service.by_slug(org)
    if organisation is None or organisation.is_archived or not organisation.has_theme:
        abort(404)
    return organisation


def _cached(response: Response, organisation: Organisation) -> Response:
    response.set_etag(organisation.theme_version)
    if request.args.get("v") == organisation.theme_version:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    else:  # an old or missing version: serve the current one, but let nobody keep it
        response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.get("/organisations/<org>/theme.css")
def stylesheet(org: str) -> Response:
    organisation = _themed(org)
    lines = [
        ".site-header__brand { display: flex; flex-wrap: wrap; align-items: center; gap: 15px; }",
        ".site-header__logo { display: block; height: 40px; width: auto; max-width: 240px; background: #fff; }",
    ]
    if organisation.accent_colour and service.accent_is_readable(organisation.accent_colour):
        lines.insert(0, f":root {{ --accent: {organisation.accent_colour}; }}")
    return _cached(Response("\n".join(lines) + "\n", mimetype="text/css"), organisation)


@bp.get("/organisations/<org>/logo")
def logo(org: str) -> Response:
    organisation = _themed(org)
    if organisation.logo_hash is None or organisation.logo is None or organisation.logo_type is None:
        abort(404)
    response = Response(organisation.logo, mimetype=organisation.logo_type)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return _cached(response, organisation)

"""Security headers on every response, and which proxy headers the site believes.

Behind a reverse proxy the site sees the proxy, not the person: every request comes from the proxy's
address over plain HTTP. ``LITERACY_TRUSTED_PROXIES`` says how many proxies stand in front of the site,
so the address (for the sign-in limits), the scheme (for HSTS and secure links) and the host (for the
links in emails) can be read from the headers those proxies add. With 0, the default, the
``X-Forwarded-*`` headers are ignored entirely: anyone can send them, so believing them without a proxy
would let a person choose their own address and escape the limits.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

#: on every response unless a view set its own (HSTS and Cache-Control depend on the request: see init_app)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


class InvalidSetting(click.ClickException, ValueError):
    """A setting that cannot be read; the ``flask`` commands print it as ``Error: ...``, servers fail to start."""


def trusted_proxies(app: Flask) -> int:
    """``TRUSTED_PROXIES`` as a number of proxies, or :class:`InvalidSetting` saying what is wrong."""
    value = app.config.get("TRUSTED_PROXIES")
    text = str(value if value is not None else 0).strip()
    if not (text.isascii() and text.isdigit()):
        raise InvalidSetting(
            f"LITERACY_TRUSTED_PROXIES must be the number of reverse proxies in front of the site "
            f"(0 when there is none, 1 for a single proxy such as nginx), not {value!r}."
        )
    return int(text)


def trust_proxies(app: Flask) -> None:
    """Read the client's address, scheme and host from as many proxies as ``TRUSTED_PROXIES`` says.

    Applied last in ``create_app``, so it wraps everything else (the secret-key guard included): the
    proxy is the first thing a request meets, and everything behind it sees the person's own request.

    Which headers, each taken from the ``N``-th value from the right (the one the outermost trusted
    proxy added; anything to its left came from the client and is ignored):

    - ``X-Forwarded-For``: the client's address, which the sign-in limits are counted on;
    - ``X-Forwarded-Proto``: whether the person used HTTPS (``request.is_secure``, HSTS, links);
    - ``X-Forwarded-Host``: the public host name, for links in invitation and password-reset emails,
      when the proxy does not pass the ``Host`` header through;
    - not ``X-Forwarded-Port`` or ``X-Forwarded-Prefix``: the site is served at the root of its host
      (``X-Forwarded-Host`` carries a port when there is one), and few proxies set those two, so a
      person could slip their own values through one that does not and move the links in emails.
    """
    hops = trusted_proxies(app)
    if hops == 0:
        return
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=0, x_prefix=0
    )


def init_app(app: Flask) -> None:
    """Security headers on every response, and the request guard (``request_guard``) before every view.

    Called while the extensions are bound, before the blueprints register their routes, which is what the
    guard's bounded ``<int:...>`` converter needs.
    """
    from . import request_guard

    request_guard.init_app(app)
    # after CSRFProtect.init_app, which sets its own
    app.jinja_env.globals["csrf_token"] = _csrf_token(app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name, _value in headers.items()}  # one pass, not a scan per header
        headers.extend([(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present])
        if "strict-transport-security" not in present and _sends_hsts():
            headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
        if "cache-control" not in present and request.endpoint != "static":
            headers["Cache-Control"] = "no-store" if _signed_in() else "no-cache"
        return response

    def _sends_hsts() -> bool:
        """HSTS on every response to a request that came over HTTPS, directly or through a trusted proxy.

        The request itself decides, not ``LITERACY_SECURE_COOKIES``: a browser ignores the header over
        plain HTTP, and over HTTPS it only asks to keep using HTTPS. Not with ``--debug``, so a
        developer's ``https://localhost`` with a throwaway certificate is not pinned for a year.
        """
        return request.is_secure and not app.debug


def _csrf_token(field: str) -> Callable[[], str]:
    """Flask-WTF's ``generate_csrf()`` for templates: the same token, read from where Flask-WTF keeps it for
    the request (``g.csrf_token``) once made. A page has a form for signing out and one per other language,
    and each call of Flask-WTF's own looks up the app, the session and ``g`` through their proxies."""
    from flask.globals import _cv_app
    from flask_wtf.csrf import generate_csrf

    def csrf_token() -> str:
        found = _cv_app.get().g.__dict__.get(field)
        return found if found is not None else generate_csrf()

    return csrf_token


def _signed_in() -> bool:
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False))

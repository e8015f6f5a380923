"""One log line per request, with an id a person can quote, and the request's figures for the metrics.

Every request gets an id: the incoming ``X-Request-ID`` when it is sane (1 to 128 letters, digits and
``. _ : = + / -``; nginx's ``$request_id`` and UUIDs are), otherwise 32 random hex digits. It is echoed in
the ``X-Request-ID`` response header, put on every log record written during the request, and shown on
the 500 and 503 pages.

When the response is finished, one line (``request``, at INFO) says: ``request_id``, ``method``, ``route``
(the URL rule, ``/invitations/<token>``), ``path``, ``status``, ``duration_ms`` and ``user_id`` when a
signed-in person made it. The path is the one asked for with every secret in it replaced by its
parameter's name (``/unsubscribe/<token>``): the values of ``<token>`` and ``<code>`` (invitation,
password-reset, verification and unsubscribe links; certificate codes). A path no route matched has every
segment of 16 characters or more replaced by ``<redacted>``, since a mangled link is still a secret. The
query string, headers, cookies and form fields are never logged. A streamed response (the CSV exports) is
logged when its last byte has gone, so its duration is the whole download.

The user id is logged only when the request already looked its person up (every page does, for the
header); it is read from the loaded account's identity, so the line costs no query.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy import inspect

from . import log_format, metrics

HEADER = "X-Request-ID"
SANE_ID = re.compile(r"[A-Za-z0-9._:=+/-]{1,128}")
#: URL parameters whose values are secrets (links that sign in, accept or unsubscribe; certificate codes)
SECRET_PARAMETERS = frozenset({"token", "code"})
#: in a path no route matched, segments at least this long are replaced (a token is 22 or more)
LONG_SEGMENT = 16
REDACTED = "<redacted>"
MAX_PATH = 300
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def sane_id(value: str | None) -> str | None:
    """The incoming request id when it is safe to log and echo, else ``None``."""
    if value and SANE_ID.fullmatch(value):
        return value
    return None


def request_id() -> str:
    """This request's id, chosen on first use (the incoming header's when sane, or a new one)."""
    found = g.get("request_id")
    if found is None:
        found = sane_id(request.headers.get(HEADER)) or uuid.uuid4().hex
        g.request_id = found
    return found


def logged_path(path: str, arguments: dict[str, Any] | None, matched: bool) -> str:
    """``path`` as it may be logged: secret parameters' values, or long unrouted segments, replaced."""
    segments = path.split("/")
    if matched:
        secrets = {str(value): name for name, value in (arguments or {}).items() if name in SECRET_PARAMETERS}
        segments = [f"<{secrets[segment]}>" if segment in secrets else segment for segment in segments]
    else:
        segments = [REDACTED if len(segment) >= LONG_SEGMENT else segment for segment in segments]
    return "/".join(segments)[:MAX_PATH]


def method() -> str:
    """The request's method, or "other" for one the site does not know (so no one can fill the metrics)."""
    return request.method if request.method in METHODS else "other"


def route() -> str | None:
    """The URL rule the request matched (``/modules/<module_slug>``), or ``None``."""
    rule = request.url_rule
    return rule.rule if rule is not None else None


def user_id() -> int | None:
    """The signed-in person's id if this request loaded them, without a query (even after a commit)."""
    user = g.get("_login_user")  # where Flask-Login keeps the person once a request has looked them up
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = inspect(user, raiseerr=False)
    identity = state.identity if state is not None else None
    return identity[0] if identity else None


def describe() -> dict[str, Any]:
    """The request's fields for a log line (the ones known before the response)."""
    return {
        "request_id": request_id(),
        "method": method(),
        "route": route(),
        "path": logged_path(request.path, request.view_args, request.url_rule is not None),
    }


def start() -> None:
    """``before_request``, first of all: the clock starts and the id is chosen."""
    g.request_started = time.perf_counter()
    request_id()


def finish(response: Response) -> Response:
    """``after_request``, last of all: the header, then the line and the metrics (at the last byte)."""
    response.headers[HEADER] = request_id()
    started = g.get("request_started") or time.perf_counter()
    fields = describe() | {"status": response.status_code, "user_id": user_id()}
    logger = current_app.logger

    def done() -> None:
        seconds = time.perf_counter() - started
        metrics.observe(fields["method"], fields["route"], fields["status"], seconds)
        line = fields | {"duration_ms": round(seconds * 1000, 1)}
        logger.info(
            "%s %s %s %.1f ms", line["method"], line["path"], line["status"], line["duration_ms"],
            extra={"fields": line, "request_id": line["request_id"]},
        )

    if response.is_streamed:
        response.call_on_close(done)
    else:
        done()
    return response


def log_exception(app: Flask, exc_info: Any) -> None:
    """What Flask logs for an unhandled exception, without its raw path (Flask's says ``Exception on
    /invitations/<the token>``): the request's fields and the traceback."""
    fields = describe()
    app.logger.error(
        "unhandled exception on %s %s", fields["method"], fields["path"], exc_info=exc_info, extra={"fields": fields}
    )


def init_app(app: Flask) -> None:
    log_format.init_app(app)
    app.before_request_funcs.setdefault(None, []).insert(0, start)  # before the request guard
    app.after_request_funcs.setdefault(None, []).insert(0, finish)  # they run in reverse: this one last
    app.log_exception = lambda exc_info=None: log_exception(app, exc_info or sys.exc_info())  # type: ignore[method-assign]

"""What a request may carry before any view sees it: no control characters, ids the database can hold.

Two guards, so that hostile input gets a clear answer instead of a 500 from deep inside a view:

- **Control characters.** PostgreSQL refuses a NUL byte in any text value, so a NUL anywhere a view
  passes on to a query (``/certificates/a%00b``, a cohort's name) used to end in a database error. Rather
  than teach every view, one ``before_request`` function looks at the path, the query string, the form
  fields and the names of uploaded files, and answers a styled 400 page that says which of them held the
  character. It runs before every other ``before_request`` function (CSRF included), so the person learns
  about the real problem. Line breaks and tabs are allowed in query and form *values* (a textarea sends
  them); they are refused in the path and in field and file names, where nothing legitimate has them.
  Redirect targets are checked separately (``auth.sessions.safe_next``), since a line break there is not
  an error but a target to ignore. Uploaded file *contents* are the business of the parser that reads
  them (the roster CSV, zip and GIFT imports), which says what is wrong in the form's own error summary.
- **Ids in URLs.** ``<int:...>`` accepts any number of digits, and an id beyond what an ``INTEGER``
  column holds makes SQLite raise ``OverflowError`` and PostgreSQL an out-of-range error. The ``int``
  converter here stops at 2**31 - 1 (PostgreSQL's ``integer``), so a larger id simply matches no route:
  a 404, like any other id that does not exist. It must be installed before the blueprints register
  their rules, which read the converter when they are added (``security.init_app`` runs in
  ``create_app``'s extension step, before the blueprints).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, render_template, request
from werkzeug.routing import IntegerConverter

#: every C0 control character and DEL: never in a path, a field's name or a file's name
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
#: the same but tab, line feed and carriage return, which typed text (a textarea) legitimately holds
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: the largest id a URL may name: PostgreSQL's ``integer``, also what SQLite stores without overflow
MAX_ID = 2**31 - 1


class BoundedInteger(IntegerConverter):
    """``<int:...>`` that matches only ids a database ``INTEGER`` can hold (0 .. ``MAX_ID``)."""

    def __init__(
        self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None, signed: bool = False
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


@dataclass(frozen=True)
class Refusal:
    """Where a request held a character it may not: ``place`` is "path", "query", "form" or "file"."""

    place: str
    name: str = ""  # the field (or file field) in question, shown on the page


def _first_bad(pairs: Iterable[tuple[str, str]], place: str) -> Refusal | None:
    for key, value in pairs:
        if CONTROL.search(key):
            return Refusal(place)
        if CONTROL_IN_TEXT.search(value):
            return Refusal(place, key)
    return None


def find_refusal(
    path: str, query: Iterable[tuple[str, str]], form: Iterable[tuple[str, str]], file_names: Iterable[tuple[str, str]]
) -> Refusal | None:
    """The first place a request holds a control character it may not, or ``None`` when it is clean.

    Pure (takes the decoded parts), so tests can call it directly. ``file_names`` pairs each file field
    with the name the browser sent for the file.
    """
    if CONTROL.search(path):
        return Refusal("path")
    refusal = _first_bad(query, "query") or _first_bad(form, "form")
    if refusal:
        return refusal
    for key, name in file_names:
        if CONTROL.search(key) or CONTROL.search(name):
            return Refusal("file", "" if CONTROL.search(key) else key)
    return None


def check_request() -> Any:
    """``before_request``: the styled 400 page when the request holds a control character it may not."""
    files = [(key, item.filename or "") for key, item in request.files.items(multi=True)]
    refusal = find_refusal(request.path, request.args.items(multi=True), request.form.items(multi=True), files)
    if refusal is None:
        return None
    return render_template("errors/bad_input.html", refusal=refusal), 400


def init_app(app: Flask) -> None:
    """Install both guards; call before any blueprint is registered (see the module's docstring)."""
    app.url_map.converters["int"] = BoundedInteger
    app.before_request_funcs.setdefault(None, []).insert(0, check_request)

"""CSV downloads of the tables pages show, shared by every area.

Neutral: cohort and organisation dashboards (and later admin reports) use it, so a download always
carries exactly the values of its page. Downloads stream: the heading row leaves before any row is read,
then chunks of tens of KiB (``tables.CHUNK_SIZE``) as the rows come from the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Response, current_app
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString

from .tables import Column, Table, csv_chunks


def suppressed_text() -> str:
    threshold = current_app.config.get("SMALL_GROUP_THRESHOLD") or 5
    return _("fewer than %(number)s", number=threshold)


def csv_response(table: Table, filename: str) -> Response:
    """A table as CSV, with exactly the values of the page.

    Translated labels are resolved here, in the request (each repeated label once). Every cell, the
    headings included, is escaped by ``literacy.tables.csv_cell`` (no formula gets out).
    """
    resolved: dict[int, str] = {}  # a status label repeats thousands of times: translate it once

    def plain(value: object) -> object:
        if isinstance(value, LazyString):
            if id(value) not in resolved:
                resolved[id(value)] = str(value)
            return resolved[id(value)]
        return value

    return csv_stream(table.columns, [[plain(value) for value in row] for row in table.rows], filename)


def csv_stream(
    columns: list[Column],
    rows: Iterable[list[Any]],
    filename: str,
    *,
    cells: Callable[[list[Any]], list[str]] | None = None,
) -> Response:
    """Stream rows as CSV while they are read: ``rows`` may be a generator reading a server-side cursor.

    It runs after the view has returned, outside the request's context, so it must need none: labels are
    translated here and ``rows`` reads through a connection of its own. ``cells``: rows are escaped cells.
    """
    text = suppressed_text()
    headings = [Column(column.key, str(column.label), column.numeric) for column in columns]
    response = Response(csv_chunks(headings, rows, text, cells=cells), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

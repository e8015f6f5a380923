"""CSV downloads of the tables pages show, shared by every area.

Neutral: cohort and organisation dashboards (and later admin reports) use it, so a download always
carries exactly the values of its page.
"""

from __future__ import annotations

from flask import Response, current_app
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString

from .tables import Column, Table, csv_lines


def csv_response(table: Table, filename: str) -> Response:
    """Stream a table as CSV, with exactly the values of the page.

    Translated labels are resolved here, in the request; the lines are then written as they are sent.
    Every cell, the headings included, is escaped by ``literacy.tables.csv_cell`` (no formula gets out).
    """
    threshold = current_app.config.get("SMALL_GROUP_THRESHOLD") or 5
    text = _("fewer than %(number)s", number=threshold)
    columns = [Column(column.key, str(column.label), column.numeric) for column in table.columns]
    resolved: dict[int, str] = {}  # a status label repeats thousands of times: translate it once

    def plain(value: object) -> object:
        if isinstance(value, LazyString):
            if id(value) not in resolved:
                resolved[id(value)] = str(value)
            return resolved[id(value)]
        return value

    rows = [[plain(value) for value in row] for row in table.rows]
    response = Response(csv_lines(columns, rows, text), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

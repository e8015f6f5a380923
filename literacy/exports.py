"""Figures as the web shows them: CSV downloads and the dashboard cell filter, shared by every area.

Neutral: cohort and organisation dashboards (and later admin reports) use these, so a download always
carries exactly the values of its page.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, Response, current_app
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString

from .tables import Column, Suppressed, Table, csv_lines


def csv_response(table: Table, filename: str) -> Response:
    """Stream a table as CSV, with exactly the values of the page.

    Translated labels are resolved here, in the request; the lines are then written as they are sent.
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


def dashboard_cell(value: object) -> str:
    """A dashboard figure as shown: locale-formatted, and "fewer than N" for a hidden one."""
    if value is None:
        return "–"
    if isinstance(value, Suppressed):
        return _("fewer than %(number)s", number=value.threshold)
    if isinstance(value, datetime | date):
        return format_date(value, "d MMM yyyy")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_decimal(value)
    return str(value)


def init_app(app: Flask) -> None:
    app.add_template_filter(dashboard_cell, "dashboard_cell")

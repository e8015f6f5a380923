"""Template helpers that pages of several areas use, registered on the app (not by one blueprint)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from .content.kinds import Kind
from .content.model import KINDS
from .tables import Suppressed


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


def question_kind(name: str) -> Kind:
    """The registered kind of a question, so every page that shows one (the assessment, the pre-check,
    the lessons' checks and the trainers' preview) takes its partial and "has options" from the registry."""
    return KINDS[name]


def init_app(app: Flask) -> None:
    app.add_template_filter(dashboard_cell, "dashboard_cell")
    app.add_template_global(question_kind, "question_kind")

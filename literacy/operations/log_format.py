"""How the application's log lines look: one JSON object per line, or plain text (``LITERACY_LOG_FORMAT``).

The standard ``logging`` module with a formatter of a dozen lines: python-json-logger would add a
dependency for what ``json.dumps`` of a few record attributes does. Every logger under ``literacy``
(``app.logger`` and the modules' ``logging.getLogger("literacy....")``) writes through one handler to
standard error, where gunicorn and systemd's journal collect it.

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id`` (inside a
request), the record's ``fields`` (what :mod:`request_log` passes as ``extra={"fields": {...}}``) and
``traceback`` for an exception.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context
from flask.logging import default_handler

from ..security import InvalidSetting

LOGGER = "literacy"
FORMATS = ("json", "text")


def log_format(app: Flask) -> str:
    """``LOG_FORMAT`` when set; otherwise text with ``--debug`` or under tests, JSON in production."""
    value = str(app.config.get("LOG_FORMAT") or "").strip().lower()
    if not value:
        return "text" if (app.debug or app.testing) else "json"
    if value not in FORMATS:
        raise InvalidSetting(f"LITERACY_LOG_FORMAT must be json or text, not {value!r}")
    return value


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (``None`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (a traceback is a field, its line breaks escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        line.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["traceback"] = record.exc_text
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For a person at a terminal: time, level, the request id in brackets, logger and message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(request_label)s%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_label = f"[{request_id}] " if request_id else ""
        return super().format(record)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted (so a test's capture sees it too)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):  # type: ignore[no-untyped-def]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # type: ignore[no-untyped-def]
        pass


#: the one handler of the ``literacy`` logger, shared by every app of the process (loggers are global)
handler = StderrHandler()
handler.addFilter(RequestIdFilter())


def formatter_for(name: str) -> logging.Formatter:
    return JsonFormatter() if name == "json" else TextFormatter()


def init_app(app: Flask) -> None:
    """Send the ``literacy`` loggers through :data:`handler` in the app's format, at INFO and above.

    Flask's own default handler (plain text to ``wsgi.errors``) is taken off the same logger, so each
    record is written once. Records still propagate to the root logger, where a test's ``caplog`` sees them.
    """
    handler.setFormatter(formatter_for(log_format(app)))
    logger = logging.getLogger(LOGGER)
    logger.removeHandler(default_handler)
    if handler not in logger.handlers:
        logger.addHandler(handler)
    if logger.level == logging.NOTSET:  # a level an operator's logging configuration set is kept
        logger.setLevel(logging.DEBUG if app.debug else logging.INFO)

"""The task queue: Huey, on SQLite by default (a file beside the database, nothing to install) or Redis
in production (``LITERACY_QUEUE_URL=redis://...``).

Why Huey: it has both backends behind one API, periodic tasks, delayed tasks and an immediate mode for
tests, in one small, maintained package; Celery would need a broker even for the embedded case.

The queue only says *when* to work; what to send lives in the outbox table, so the queue can be lost
(Redis restarted, the SQLite file deleted) without losing a message: the next sweep picks it up.

The consumer is Huey's own: ``huey_consumer literacy.notifications.jobs.huey -k thread -w 2``.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

from flask import Flask, current_app, has_app_context
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from huey.storage import SqliteStorage

NAME = "literacy"


class FileQueue(SqliteStorage):
    """Huey's SQLite storage, created on first use rather than when the module is imported: importing
    the package (the tests, ``flask --help``, ``courses check``) must not write files."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, create_tables=False, **kwargs)
        self._schema_ready = False

    def _create_connection(self):  # type: ignore[no-untyped-def]
        os.makedirs(os.path.dirname(self.filename) or ".", exist_ok=True)
        connection = super()._create_connection()
        if not self._schema_ready:
            for statement in self.ddl:
                connection.execute(statement)
            self._schema_ready = True
        return connection


class FileHuey(SqliteHuey):
    storage_class = FileQueue


def build(url: str) -> Huey:
    """A Huey instance for a queue URL: ``sqlite:///path``, ``redis://host:port/db`` or ``memory://``."""
    if url.startswith("sqlite:///"):
        return FileHuey(NAME, filename=url[len("sqlite:///") :], results=False, utc=True, timeout=30)
    if url.startswith(("redis://", "rediss://", "unix://")):
        query = parse_qs(urlsplit(url).query)
        name = query.get("name", [NAME])[0]  # several sites can share one Redis
        return RedisHuey(name, url=url.split("?", 1)[0], results=False, utc=True)
    if url.startswith("memory://"):
        return MemoryHuey(NAME, results=False, utc=True)
    raise ValueError(f"LITERACY_QUEUE_URL must start with sqlite:///, redis:// or memory://, not {url!r}")


def _from_environment() -> Huey:
    """The queue the environment names, as the app's settings would (the consumer imports this module
    without building the app first)."""
    from flask import Flask

    from .. import config as settings

    instance_path = Flask("literacy", instance_relative_config=True).instance_path
    return build(settings.load(instance_path)["QUEUE_URL"])


#: the one Huey instance; ``init_app`` points it at the app's QUEUE_URL when that differs.
huey: Huey = _from_environment()
_url: str | None = None  # the URL huey was last pointed at by init_app


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    """Point the queue at the app's QUEUE_URL. Under test, tasks run at once (Huey's immediate mode, in
    memory) unless the test sets QUEUE_REAL to use a real queue, as the two-consumer test does."""
    global _url
    testing = bool(app.config.get("TESTING"))
    if testing and not app.config.get("QUEUE_REAL"):
        huey.immediate = True
        return
    huey.immediate = False
    url = app.config["QUEUE_URL"]
    if url != _url:
        configured = build(url)
        huey.storage_class = configured.storage_class
        huey.storage_kwargs = configured.storage_kwargs
        huey.name = configured.name
        huey.storage = configured.storage
        _url = url


# --- the app jobs run in (here rather than in ``jobs``, so every area's jobs can use it: ``xapi.jobs`` too) ---

_app: Flask | None = None


def use_app(app: Flask) -> None:
    """Run jobs in this app (``flask start`` runs the consumer beside the app it serves)."""
    global _app
    _app = app


@contextlib.contextmanager
def app_context() -> Iterator[Flask]:
    """The current app (immediate mode, the CLI) or, in a consumer process, one built from the environment."""
    global _app
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    if _app is None:
        from .. import create_app

        _app = create_app()
    with _app.app_context():
        try:
            yield _app
        finally:
            from ..extensions import db

            db.session.remove()

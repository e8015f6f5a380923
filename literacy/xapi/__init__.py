"""xAPI statements to organisations' Learning Record Stores (issue 22, docs/interoperability.md).

``statements`` builds them, ``record`` queues them where learners act, ``sending`` sends them in the
background (``jobs``, on the notifications' task queue), ``views`` is the organisation admins' settings and
list of what was sent.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("xapi", __name__, url_prefix="/organisations")


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    """After each request, hand the statements it queued (and committed) to the task queue."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from . import record

    @app.after_request
    def _dispatch_statements(response):  # type: ignore[no-untyped-def]
        record.dispatch()
        return response

    if not getattr(init_app, "_listening", False):
        event.listen(Session, "before_commit", record.before_commit)
        event.listen(Session, "after_commit", record.committed)
        event.listen(Session, "after_rollback", record.rolled_back)
        init_app._listening = True  # type: ignore[attr-defined]


from . import views  # noqa: E402,F401

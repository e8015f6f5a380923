"""Messages and scheduled work: the outbox, the message kinds, reminders and digests, and the task
queue's jobs (docs/notifications.md). No views: pages that show a message's status read the outbox."""

from __future__ import annotations


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    """Bind the queue, and after each request hand what it queued (and committed) to the consumer."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from . import outbox, queue

    queue.init_app(app)

    @app.after_request
    def _dispatch(response):  # type: ignore[no-untyped-def]
        outbox.dispatch()
        return response

    if not getattr(init_app, "_listening", False):
        event.listen(Session, "after_commit", outbox._committed)
        event.listen(Session, "after_rollback", outbox.forget_pending)
        init_app._listening = True  # type: ignore[attr-defined]

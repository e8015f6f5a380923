"""The task queue's xAPI jobs, on the notifications' Huey (``literacy.notifications.jobs`` imports this
module, so the one consumer runs both)."""

from __future__ import annotations

from huey import crontab

from ..notifications.queue import app_context, huey


@huey.task()
def send_statements(ids: list[int]) -> None:
    """Send these statements now (queued by a request, handed over after its commit)."""
    from . import sending

    with app_context():
        sending.send_due(ids=ids)


@huey.periodic_task(crontab(minute="*"))
def sweep_statements() -> None:
    """Every minute: statements due for a retry, those queued while the task queue was down, and those a dead
    consumer left "sending"."""
    from . import sending

    with app_context():
        sending.recover()
        sending.send_due()

"""The task queue's jobs. Run Huey's consumer on this module: ``huey_consumer literacy.notifications.jobs.huey``.

Jobs only say when to work; the outbox and the reminder rules hold what to do, so every job can run
twice, late, or on several machines at once without sending anything twice.
"""

from __future__ import annotations

import importlib
import logging
from datetime import datetime

from huey import crontab

from .queue import app_context, huey, use_app  # noqa: F401 - use_app: `flask start` calls jobs.use_app

log = logging.getLogger("literacy.notifications")


@huey.task()
def send_messages(ids: list[int]) -> None:
    """Send these outbox rows now (queued by a request after its commit)."""
    from . import delivery

    with app_context():
        delivery.send_due(ids=ids)


@huey.periodic_task(crontab(minute="*"))
def sweep() -> None:
    """Every minute: rows due for a retry, rows a request queued while the queue was down, rows a dead
    consumer left "sending"."""
    from . import delivery

    with app_context():
        delivery.recover()
        delivery.send_due()


@huey.periodic_task(crontab(minute="7"))
def hourly_reminders() -> None:
    """Every hour: queue the reminders, expiry notices and digests that are due (each once per event)."""
    with app_context():
        run(send=False)


def run(now: datetime | None = None, *, send: bool = True) -> dict[str, int]:
    """Queue everything due at ``now`` and, with ``send``, send the whole queue in the foreground until it
    is empty (``flask notifications run``). Returns counts of what was queued and what happened."""
    from . import delivery, reminders

    counts = dict(reminders.queue_due(now))
    if send:
        delivery.recover(now)
        for key, value in delivery.send_due(now=now).items():
            counts[key] = counts.get(key, 0) + value
    return counts


#: other areas' jobs on this queue, imported by name (as ``kinds.MODULES`` are) so that the one consumer, which
#: imports this module, knows every task; those areas depend on the queue, never the other way round
JOB_MODULES = ("literacy.xapi.jobs",)
for _module in JOB_MODULES:
    importlib.import_module(_module)

"""Message kinds for the outbox's own tests, and the queue for the consumers those tests start.

``huey_consumer tests.support.consumer_kinds.huey`` runs Huey's real consumer with these kinds known.
"""

from __future__ import annotations

from literacy.notifications.jobs import huey  # noqa: F401 - the consumer's target, with every job registered
from literacy.notifications.kinds import Skip, Written, kind


@kind("test_note")
def test_note(message, secret):  # type: ignore[no-untyped-def]
    context = message.context or {}
    if context.get("skip"):
        raise Skip("not needed any more")
    if context.get("broken"):
        raise RuntimeError("the writer failed")
    lines = [f"Note {context.get('number', 0)}."]
    if secret:
        lines.append(f"Secret link: http://localhost/secret/{secret}")
    return Written(subject=f"Test note {context.get('number', 0)}", paragraphs=lines)


@kind("test_optional", preference="notify_reminders")
def test_optional(message, secret):  # type: ignore[no-untyped-def]
    return Written(subject="An optional note", paragraphs=["You can turn these off."])

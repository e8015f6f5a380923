"""The kinds of message and how each is written. A kind's writer turns an outbox row (its context, the
recipient's language) into words when the message is sent, so what is queued is only ids and dates.

Writers run in the recipient's language, inside a request context on the site's address
(``LITERACY_SITE_URL``), so ``_()`` and ``url_for(..., _external=True)`` work as in a view. A writer
raises ``Skip`` when the message is no longer needed (the learner finished, the invitation was
cancelled): the row is marked skipped with the reason, and nothing is sent.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..models import OutboxMessage


@dataclass(frozen=True)
class Written:
    """A message's words: the text and HTML parts are both made from these (notifications.compose)."""

    subject: str
    paragraphs: Sequence[str]  # plain text, one paragraph each (no markup: the HTML part escapes it)
    link: tuple[str, str] | None = None  # (what the button says, the address): the one thing to do
    after: Sequence[str] = ()  # paragraphs after the link
    table: Sequence[tuple[str, str]] = field(default_factory=tuple)  # label/value lines, e.g. a digest


class Skip(Exception):  # noqa: N818 - it is an outcome, not an error
    """The message is no longer needed; ``str(skip)`` says why (kept in the row's last_error)."""


Writer = Callable[[OutboxMessage, "str | None"], Written]  # (the row, its unsealed secret) -> the words


@dataclass(frozen=True)
class Kind:
    name: str
    write: Writer
    # The User column that turns this kind off (notify_reminders, notify_renewals, notify_digest); None
    # for messages a person cannot opt out of (invitations, password resets, verification).
    preference: str | None = None

    @property
    def is_optional(self) -> bool:
        return self.preference is not None


KINDS: dict[str, Kind] = {}

#: modules that register kinds; imported on first use so every process knows every kind
MODULES = (
    "literacy.notifications.account_messages",
    "literacy.notifications.reminder_messages",
    "literacy.notifications.team_messages",
)


def kind(name: str, *, preference: str | None = None) -> Callable[[Writer], Writer]:
    """Register a writer: ``@kind("due_reminder", preference="notify_reminders")``."""

    def register(write: Writer) -> Writer:
        KINDS[name] = Kind(name, write, preference)
        return write

    return register


def get(name: str) -> Kind:
    load()
    return KINDS[name]


def load() -> None:
    for module in MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as missing:
            if missing.name != module:
                raise

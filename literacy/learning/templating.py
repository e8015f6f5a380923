"""Words and colours for status tags, in one place so every page says the same thing."""

from __future__ import annotations

from ..i18n import lazy_gettext as _l  # literacy's: the same string, without Flask-Babel's look-ups through g

#: each status's words (translated when shown, so a page with many tags translates only the ones it shows)
LABELS = {
    "not-started": (_l("Not started"), "grey"),
    "in-progress": (_l("In progress"), "blue"),
    "completed": (_l("Completed"), "green"),
    "refresh-due": (_l("Refresh due"), "yellow"),
    # literacy.renewal's states of an assignment
    "expiring": (_l("Expiring soon"), "yellow"),
    "renewal-due": (_l("Renewal due"), "yellow"),
    "renewal-overdue": (_l("Renewal overdue"), "red"),
    "overdue": (_l("Overdue"), "red"),
    "cannot-start": (_l("Cannot start yet"), "grey"),
}


def status_tag_data(status: str | None) -> tuple[str, str] | None:
    found = LABELS.get(status) if status is not None else None
    if found is None:
        return None
    label, colour = found
    return str(label), colour

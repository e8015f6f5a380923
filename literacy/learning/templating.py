"""Words and colours for status tags, in one place so every page says the same thing."""

from __future__ import annotations

from flask_babel import gettext as _


def status_tag_data(status: str | None) -> tuple[str, str] | None:
    if status is None:
        return None
    labels = {
        "not-started": (_("Not started"), "grey"),
        "in-progress": (_("In progress"), "blue"),
        "completed": (_("Completed"), "green"),
        "refresh-due": (_("Refresh due"), "yellow"),
        # literacy.renewal's states of an assignment
        "expiring": (_("Expiring soon"), "yellow"),
        "renewal-due": (_("Renewal due"), "yellow"),
        "renewal-overdue": (_("Renewal overdue"), "red"),
        "overdue": (_("Overdue"), "red"),
        "cannot-start": (_("Cannot start yet"), "grey"),
    }
    return labels.get(status)

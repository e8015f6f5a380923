"""Wording that account pages and letters share: durations in the reader's language, and letters
written in the language their recipient chose (not that of whoever made them be sent)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask_babel import force_locale, format_timedelta

from ..i18n import FORMAT_LOCALES
from ..models import User


def duration(minutes: int) -> str:
    """'2 hours', '90 minutes', '48 hours': whole hours when it is whole hours, never rounded."""
    unit = "hour" if minutes % 60 == 0 else "minute"
    # A threshold no value reaches makes Babel use the granularity unit itself (no rounding to days).
    return format_timedelta(timedelta(minutes=minutes), granularity=unit, threshold=10**9)


@contextmanager
def written_for(user: User) -> Iterator[None]:
    """Write a letter in the recipient's chosen language, or the page's when they chose none."""
    if not user.locale:
        yield
        return
    with force_locale(FORMAT_LOCALES.get(user.locale, user.locale)):
        yield

"""Wording that account pages and emails share: durations in the reader's language (emails are written
in their recipient's language by ``notifications.account_messages``)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import format_timedelta


def duration(minutes: int) -> str:
    """'2 hours', '90 minutes', '48 hours': whole hours when it is whole hours, never rounded."""
    unit = "hour" if minutes % 60 == 0 else "minute"
    # A threshold no value reaches makes Babel use the granularity unit itself (no rounding to days).
    return format_timedelta(timedelta(minutes=minutes), granularity=unit, threshold=10**9)


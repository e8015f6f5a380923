"""Wording that account pages share: durations in the reader's language (``i18n.duration``, which the
emails of ``notifications.account_messages`` use too)."""

from __future__ import annotations

from ..i18n import duration

__all__ = ["duration"]

"""Certificate validity periods for the whole application: module.yaml's ``valid_for`` as an ISO 8601 period.

The functions live in the course engine (:mod:`literacy.content.validity`), which must import nothing else of
the package and has to check ``valid_for`` when it reads module.yaml; this is the name the rest of the
application uses, so certificates, summaries and reminders need not reach into the engine's layout.
"""

from __future__ import annotations

from .content.validity import LIMITS, NO_EXPIRY, RULE, UNITS, add, amount, describe, parse

__all__ = ["LIMITS", "NO_EXPIRY", "RULE", "UNITS", "add", "amount", "describe", "parse"]

"""The SMTP connection (``LITERACY_MAIL_*``) and the email policy the outbox sends with.

Messages themselves are rows of the outbox (``literacy.notifications``): written, sent, retried and
recorded there, so a page can say whether a message really went.
"""

from __future__ import annotations

import email.policy
import functools
import smtplib
from email.headerregistry import HeaderRegistry
from typing import Any


class _Headers(HeaderRegistry):
    """Parsed headers remembered by name and value: the sender, the subject and the MIME headers are
    the same in a thousand invitations, and parsing them was half the cost of each message. Header
    objects are immutable, so messages can share them; the bytes sent are the same."""

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one registry for the process's life
    def __call__(self, name: str, value: str):  # type: ignore[no-untyped-def]
        return super().__call__(name, value)


#: RFC 5322's line limit, not the default 78: a long header of one word (the List-Unsubscribe address)
#: would otherwise be folded as RFC 2047 encoded words, which mail clients do not read as an address.
#: 7-bit: text that is not ASCII (Welsh, typographic quotes) is quoted-printable, so any server takes it.
POLICY = email.policy.default.clone(header_factory=_Headers(), max_line_length=998, cte_type="7bit")


def _connect(config: dict[str, Any]) -> smtplib.SMTP:
    """An open SMTP connection with the configured TLS and login (the caller closes it)."""
    smtp = smtplib.SMTP(config["MAIL_HOST"], int(config.get("MAIL_PORT") or 25), timeout=30)
    try:
        if str(config.get("MAIL_USE_TLS") or "").lower() in ("1", "true", "yes"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp

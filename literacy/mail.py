"""Sending mail by SMTP (``LITERACY_MAIL_*``); without a mail host the message goes to the log.

Neutral: any area that sends mail (invitations today) uses this one function.
"""

from __future__ import annotations

import email.policy
import functools
import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from typing import Any

log = logging.getLogger("literacy.mail")


@dataclass(frozen=True)
class Letter:
    """A message a service wants sent. Services return letters; the view commits, then delivers them
    (mail cannot be rolled back, so it never goes out for a change that was not saved)."""

    to: str
    subject: str
    body: str


def deliver(config: dict[str, Any], letters: Iterable[Letter]) -> int:
    """Send each letter; returns how many could not be sent (each failure is logged, none is raised)."""
    return sum(1 for outcome in deliver_each(config, letters) if outcome is None)


def deliver_each(config: dict[str, Any], letters: Iterable[Letter]) -> list[bool | None]:
    """Send the letters over one SMTP connection (thousands of invitations must not open thousands);
    for each letter, in order: True when handed to the server, False when only logged (no mail host),
    None when it could not be sent (logged, never raised). A dropped connection is opened again for the
    next letter; when the server cannot be reached at all, the rest are not tried (each would wait)."""
    letters = list(letters)
    if not config.get("MAIL_HOST"):
        for letter in letters:
            log.warning("No LITERACY_MAIL_HOST set: this message was not sent.\n%s", _message(config, letter))
        return [False] * len(letters)
    outcomes: list[bool | None] = []
    smtp: smtplib.SMTP | None = None
    try:
        for index, letter in enumerate(letters):
            try:
                if smtp is None:
                    smtp = _connect(config)
            except (OSError, smtplib.SMTPException):
                log.exception("Could not reach the mail server: %s message(s) not sent", len(letters) - index)
                outcomes.extend([None] * (len(letters) - index))
                break
            try:
                smtp.send_message(_message(config, letter))
            except (OSError, smtplib.SMTPException) as error:
                log.exception("Could not send %r to %s", letter.subject, letter.to)
                outcomes.append(None)
                if not isinstance(error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError):
                    smtp.close()  # the connection may be gone: the next letter opens a new one
                    smtp = None
            else:
                outcomes.append(True)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return outcomes


def send(config: dict[str, Any], to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; True when handed to an SMTP server, False when only logged."""
    letter = Letter(to, subject, body)
    if not config.get("MAIL_HOST"):
        log.warning("No LITERACY_MAIL_HOST set: this message was not sent.\n%s", _message(config, letter))
        return False
    with _connect(config) as smtp:
        smtp.send_message(_message(config, letter))
    return True


class _Headers(HeaderRegistry):
    """Parsed headers remembered by name and value: the sender, the subject and the MIME headers are
    the same in a thousand invitations, and parsing them was half the cost of each message. Header
    objects are immutable, so messages can share them; the bytes sent are the same."""

    @functools.lru_cache(maxsize=512)  # noqa: B019 - one registry for the process's life
    def __call__(self, name: str, value: str):  # type: ignore[no-untyped-def]
        return super().__call__(name, value)


POLICY = email.policy.default.clone(header_factory=_Headers())


def _message(config: dict[str, Any], letter: Letter) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = config.get("MAIL_SENDER") or "no-reply@localhost"
    message["To"] = letter.to
    message["Subject"] = letter.subject
    message.set_content(letter.body)
    return message


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

"""Sending mail by SMTP (``LITERACY_MAIL_*``); without a mail host the message goes to the log.

Neutral: any area that sends mail (invitations today) uses this one function.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
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
    failed = 0
    for letter in letters:
        try:
            send(config, letter.to, letter.subject, letter.body)
        except (OSError, smtplib.SMTPException):
            log.exception("Could not send %r to %s", letter.subject, letter.to)
            failed += 1
    return failed


def send(config: dict[str, Any], to: str, subject: str, body: str) -> bool:
    """Send one plain-text message; True when handed to an SMTP server, False when only logged."""
    message = EmailMessage()
    message["From"] = config.get("MAIL_SENDER") or "no-reply@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host = config.get("MAIL_HOST")
    if not host:
        log.warning("No LITERACY_MAIL_HOST set: this message was not sent.\n%s", message.as_string())
        return False
    port = int(config.get("MAIL_PORT") or 25)
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        if str(config.get("MAIL_USE_TLS") or "").lower() in ("1", "true", "yes"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
    return True

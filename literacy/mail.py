"""Sending mail by SMTP (``LITERACY_MAIL_*``); without a mail host the message goes to the log.

Neutral: any area that sends mail (invitations today) uses this one function.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

log = logging.getLogger("literacy.mail")


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

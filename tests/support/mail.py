"""A real SMTP server for the tests (aiosmtpd on a free local port) and the messages it received.

Tests follow the links in the messages, as a person would: ``inbox.link()`` is the path of the first
link in the newest message, ``inbox.link(to="x@example.org", path="/password-reset/")`` picks one.
"""

from __future__ import annotations

import email
import email.message
import re
import socket
import threading

LINK = re.compile(r"http://localhost(/[A-Za-z0-9_/.-]+)")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.port = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.Message]:
        return [message for message in self.messages if message["To"] == address]

    @staticmethod
    def body(message: email.message.Message) -> str:
        """The plain-text part (every message also has an HTML part: ``html``)."""
        return Inbox.part(message, "text/plain")

    @staticmethod
    def html(message: email.message.Message) -> str:
        return Inbox.part(message, "text/html")

    @staticmethod
    def part(message: email.message.Message, content_type: str) -> str:
        for part in message.walk():
            if part.get_content_type() == content_type:
                return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        raise AssertionError(f"no {content_type} part in {message['Subject']!r}")

    def link(self, index: int = -1, *, to: str | None = None, path: str = "/") -> str:
        """The path of the first link under ``path`` in a message (the newest, or the newest to ``to``)."""
        messages = self.to(to) if to else self.messages
        assert messages, f"no message{' to ' + to if to else ''}: {[m['To'] for m in self.messages]}"
        body = self.body(messages[index])
        for match in LINK.finditer(body):
            if match.group(1).startswith(path):
                return match.group(1)
        raise AssertionError(f"no link under {path} in:\n{body}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mail_config(inbox: Inbox) -> dict[str, str]:
    """The settings that send the app's mail to ``inbox``."""
    return {"MAIL_HOST": "127.0.0.1", "MAIL_PORT": str(inbox.port), "MAIL_SENDER": "ai@example.gov.uk"}

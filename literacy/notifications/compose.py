"""Turning an outbox row into an email: its kind's words in the recipient's language, as plain text
and a simple accessible HTML part, from the organisation, with List-Unsubscribe for optional kinds."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app, render_template, url_for
from flask_babel import force_locale, gettext

from ..extensions import db
from ..i18n import FORMAT_LOCALES
from ..mail import POLICY
from ..models import Organisation, OutboxMessage, User
from . import kinds, sealing, unsubscribe


def site_url(message: OutboxMessage) -> str:
    """Where links point: the address the request that queued it came to, else ``LITERACY_SITE_URL``."""
    return (message.context or {}).get("base_url") or current_app.config.get("SITE_URL") or "http://localhost:5000/"


def build(message: OutboxMessage, user: User | None) -> EmailMessage:
    """The email for a row (raises kinds.Skip when it is no longer needed). Also fills in its subject."""
    kind = kinds.get(message.kind)
    if kind.preference and user is not None and not getattr(user, kind.preference):
        raise kinds.Skip("the person turned these messages off")
    if user is not None and not user.is_enabled:
        raise kinds.Skip("the account is deactivated")
    language = message.language if message.language in current_app.config["LANGUAGES"] else "en"
    formats = FORMAT_LOCALES.get(language, language)  # British dates in English, as the pages have them
    with current_app.test_request_context("/", base_url=site_url(message)), force_locale(formats):
        written = kind.write(message, sealing.unseal(message.secret))
        organisation = db.session.get(Organisation, message.organisation_id) if message.organisation_id else None
        stop = unsubscribe.link(user.id, kind.preference) if kind.preference and user is not None else None
        settings = url_for("account.notifications", _external=True) if kind.preference else None
        parts = {
            "written": written,
            "organisation": organisation.name if organisation else None,
            "site_name": gettext("AI literacy"),
            "unsubscribe": stop,
            "settings": settings,
            "language": language,
        }
        text = render_template("email/message.txt", **parts)
        html = render_template("email/message.html", **parts)
        sender_name = (
            gettext("%(organisation)s via %(site)s", organisation=parts["organisation"], site=parts["site_name"])
            if organisation
            else parts["site_name"]
        )
    message.subject = written.subject[:300]
    email = EmailMessage(policy=POLICY)
    email["From"] = f'"{sender_name}" <{current_app.config.get("MAIL_SENDER") or "no-reply@localhost"}>'
    email["To"] = message.recipient
    email["Subject"] = written.subject
    domain = (current_app.config.get("MAIL_SENDER") or "localhost").rpartition("@")[2]
    email["Message-ID"] = f"<outbox-{message.id}-{message.attempts}@{domain}>"
    if stop:
        email["List-Unsubscribe"] = f"<{stop}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    email["Content-Language"] = language  # after the parts: set_content drops Content-* headers
    return email

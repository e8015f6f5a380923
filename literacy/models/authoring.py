"""Authoring in the browser: a module's working draft, and text kept when a session expired mid-edit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class ModuleDraft(db.Model):
    """The files of a module written in the browser, as the trainers last saved them (one per module)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # The organisation whose trainers edit it (and whose people it is offered to unless shared).
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80), unique=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)  # offered to everyone (set by a site admin)
    # JSON: {"text": {path: text}, "images": {name: base64}}; text so one column holds any module.
    files: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))


class EditStash(db.Model):
    """Text posted to the editor after the trainer's own session expired, kept until they sign in again.

    Only the SHA-256 of the token is stored; the token travels in the sign-in link's ``next`` address, and
    only the trainer whose expired session sent the text can take it back (``user_id``).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    file_name: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

"""Practice tools: draft ATRS records for an organisation's own algorithmic tools."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AtrsRecord(db.Model):
    """A draft ATRS record, kept in the template version it was started with (its field map)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # the tool's name (field 1.1), for lists and titles
    template_version: Mapped[str] = mapped_column(String(10))  # the field map's version, e.g. "4.0"
    # JSON object: field key -> the text written for it (absent or "" when not answered yet)
    answers: Mapped[str] = mapped_column(Text, default="{}")
    # readable by every member of the organisation; otherwise by its trainers, managers and admins only
    is_shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # the GOV.UK path of the published record whose metadata it started from, if any
    started_from: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

"""Organisations, people and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .types import UTCDateTime, utcnow


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    MANAGER = "manager"
    ORG_ADMIN = "org_admin"


ROLE_VALUES = tuple(role.value for role in Role)


def password_hash_method() -> str:
    """Werkzeug's scrypt by default; the tests choose a cheaper setting to stay fast."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
    return "scrypt"


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)  # used in /organisations/<slug>/ URLs
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Archived: gone from navigation and managers' pages; its people keep their learning and certificates.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The header logo (PNG or JPEG only, size capped) kept in the database so every instance serves it;
    # deferred so pages that only need the name never load the bytes. logo_hash (SHA-256) versions its URL.
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary()))
    logo_type: Mapped[str | None] = mapped_column(String(20))  # image/png or image/jpeg
    logo_hash: Mapped[str | None] = mapped_column(String(64))
    # "#rrggbb", only a colour with at least 4.5:1 contrast against white (admin/organisations.py checks).
    accent_colour: Mapped[str | None] = mapped_column(String(7))
    # Members sign in with their work account only (password sign-in refused for them).
    sso_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reminders (issue 15): days before a due date that learners are reminded (e.g. [7, 1]); whether
    # overdue work is reminded weekly until done; days before a certificate expires that its holder is told.
    reminder_days_before: Mapped[list[int]] = mapped_column(JSON, default=lambda: [7, 1])
    overdue_reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    expiry_notice_days: Mapped[int] = mapped_column(Integer, default=30)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def has_theme(self) -> bool:
        return bool(self.accent_colour or self.logo_hash)

    @property
    def theme_version(self) -> str:
        """Changes whenever the logo or colour does, so their URLs can be cached for a year."""
        import hashlib

        return hashlib.sha256(f"{self.accent_colour}|{self.logo_hash}".encode()).hexdigest()[:12]


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None until an invitation is accepted
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))  # the interface language the person chose
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the owner followed a link emailed to this address (an invitation that was emailed, a
    # password reset or a verification link); never by a link a manager copied.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optional messages the person can turn off on /account or by the link in each one (issue 15):
    # reminders of due and overdue work, notices of certificates about to expire, and (opt-in) the
    # weekly digest of the cohorts they manage.
    notify_reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_renewals: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_digest: Mapped[bool] = mapped_column(Boolean, default=False)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<User {self.email}>"

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to disabled accounts
        return self.is_enabled

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash or "", password)

    def roles_in(self, organisation_id: int) -> set[str]:
        return {m.role for m in self.memberships if m.organisation_id == organisation_id}

    def organisations_with(self, *roles: str) -> list[Organisation]:
        """Organisations where this person holds any of ``roles``, by name."""
        found = {m.organisation.id: m.organisation for m in self.memberships if m.role in roles}
        return sorted(found.values(), key=lambda org: org.name)


class Membership(db.Model):
    """A person's role in an organisation; a person may hold several roles in one organisation."""

    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "role"),
        CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role"),
        Index("ix_membership_organisation_role", "organisation_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class UserSession(db.Model):
    """One signed-in browser. The cookie carries a random id whose SHA-256 is stored here, so ending a
    session (sign-out, password change or reset, deactivation, "sign out everywhere") refuses every copy
    of its cookie at once."""

    __table_args__ = (Index("ix_user_session_user_ended", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")  # shown on the account page
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(40))  # e.g. "sign_out", "password_reset"


class AccountToken(db.Model):
    """A single-use, expiring link emailed to someone: a password reset or an email verification.

    Only the token's SHA-256 is stored. ``email`` is the address the link was sent to: for a
    verification of a changed address, the new one.
    """

    __table_args__ = (
        CheckConstraint("purpose IN ('password_reset', 'verify_email')", name="purpose"),
        Index("ix_account_token_user_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdentityProvider(db.Model):
    """An organisation's OpenID Connect provider. The client secret is never stored: only the name of the
    environment variable that holds it, so a database copy gives nobody the organisation's sign-in."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))  # shown on the button, e.g. "Example Council (Entra ID)"
    issuer: Mapped[str] = mapped_column(String(500))  # discovery is {issuer}/.well-known/openid-configuration
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_env: Mapped[str] = mapped_column(String(100))
    email_domains: Mapped[list[str]] = mapped_column(JSON, default=list)  # lower-case, e.g. ["example.gov.uk"]
    create_accounts: Mapped[bool] = mapped_column(Boolean, default=False)  # just-in-time learners, or invited first
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class UserIdentity(db.Model):
    """A provider identity (issuer + subject) linked to an account; the subject never changes, an email may."""

    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254), default="")  # the address the provider gave when linked
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def user_by_email(email: str):
    """The select for one account by email, ignoring case and surrounding spaces."""
    return select(User).where(User.email == email.strip().lower())

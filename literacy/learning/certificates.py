"""Certificates of completion: issued with every module completion, checked by anyone at /certificates/<code>.

A code is 128 random bits (``secrets.token_urlsafe(16)``, 22 characters), so codes cannot be guessed or
enumerated; verification needs no account and shows only what the certificate itself shows.

A certificate is valid until ``valid_until`` (the completion date plus the module version's ``valid_for``;
None when the module sets none) unless it is revoked. Expiry is never written: the state is worked out from
``valid_until`` and "now" whenever it is read, so a certificate expires on time with nobody writing anything.
Revoking is the only change ever made to a certificate, and it is audit-logged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from .. import audit, summaries, validity
from ..auth.access import may
from ..extensions import db
from ..models import Certificate, Module, ModuleCompletion, ModuleVersion, Organisation, Role, User, utcnow
from ..titles import page_language, title_in

CODE_BYTES = 16
#: the longest reason a revoker may give (it is shown on the public page)
REASON_MAX = 500


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def valid_until(completion: ModuleCompletion, version: ModuleVersion) -> datetime | None:
    """When a certificate for ``completion`` stops being valid: its completion date plus the version's period."""
    return validity.add(completion.completed_at, version.valid_for) if version.valid_for else None


def issue(completion: ModuleCompletion, version: ModuleVersion | None = None) -> Certificate:
    """The completion's certificate, created when it has none yet; the caller commits.

    ``version`` is the version completed (looked up when not given); its ``valid_for`` sets ``valid_until``.
    """
    if completion.id is not None:
        existing = db.session.scalar(select(Certificate).where(Certificate.completion_id == completion.id))
        if existing is not None:
            return existing
    if version is None or version.id != completion.version_id:
        version = db.session.get(ModuleVersion, completion.version_id)
    assert version is not None
    certificate = Certificate(
        code=new_code(), completion=completion, issued_at=utcnow(), valid_until=valid_until(completion, version)
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


class State(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


def state_of(valid_until: datetime | None, revoked_at: datetime | None, now: datetime | None = None) -> State:
    """Revoked wins over expired (a revoked certificate says why); no ``valid_until`` never expires."""
    if revoked_at is not None:
        return State.REVOKED
    if valid_until is not None and valid_until <= (now or utcnow()):
        return State.EXPIRED
    return State.VALID


@dataclass(frozen=True)
class CertificateView:
    """Everything a certificate shows, from one query."""

    code: str
    learner_name: str
    user_id: int
    module_id: int
    module_slug: str
    module_organisation_id: int | None  # who may revoke it: see may_revoke
    module_title: str  # in the language of the page that shows it, where the module has one
    language: str  # the title's
    edition: int
    version_number: int
    completed_at: datetime
    issued_at: datetime
    percent: int | None
    revoked_at: datetime | None
    valid_until: datetime | None = None  # None: never expires
    revoked_reason: str | None = None
    renewal: int = 0  # 0: the first completion of its edition; 1, 2 ...: renewals
    # Who issues it, in words a reader of the certificate understands: the organisation whose module it is
    # (None for a shared module: the site issues those) and when the edition completed was first published.
    organisation_name: str | None = None
    edition_published_at: datetime | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def state(self, now: datetime | None = None) -> State:
        return state_of(self.valid_until, self.revoked_at, now)

    def is_valid(self, now: datetime | None = None) -> bool:
        return self.state(now) == State.VALID


def _query():
    same_edition = aliased(ModuleVersion)
    edition_published = (
        select(func.min(same_edition.published_at))
        .where(same_edition.module_id == ModuleCompletion.module_id, same_edition.edition == ModuleCompletion.edition)
        .scalar_subquery()
    )
    return (
        select(Certificate, ModuleCompletion, User.name, User.id, Module, ModuleVersion, Organisation.name,
               edition_published)
        .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
        .join(User, User.id == ModuleCompletion.user_id)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .join(ModuleVersion, ModuleVersion.id == ModuleCompletion.version_id)
        .outerjoin(Organisation, Organisation.id == Module.organisation_id)
    )


def _view(row: Any) -> CertificateView:
    certificate, completion, name, user_id, module, version, organisation_name, edition_published_at = row
    title = title_in(version.texts, version.language, page_language())  # the page's language where it has one
    return CertificateView(
        code=certificate.code,
        learner_name=name,
        user_id=user_id,
        module_id=module.id,
        module_slug=module.slug,
        module_organisation_id=module.organisation_id,
        module_title=title,
        language=title.lang,
        edition=completion.edition,
        version_number=version.number,
        completed_at=completion.completed_at,
        issued_at=certificate.issued_at,
        percent=completion.percent,
        revoked_at=certificate.revoked_at,
        valid_until=certificate.valid_until,
        revoked_reason=certificate.revoked_reason,
        renewal=completion.renewal,
        organisation_name=organisation_name,
        edition_published_at=edition_published_at,
    )


def by_code(code: str) -> CertificateView | None:
    """The certificate with this code (revoked and expired ones too, so the page can say so); None when unknown."""
    if not code or len(code) > 64:
        return None
    row = db.session.execute(_query().where(Certificate.code == code)).first()
    return _view(row) if row else None


def may_revoke(user: Any, certificate: CertificateView) -> bool:
    """Site administrators, and the trainers (org_admins included) of the organisation whose module it is.

    The same people who may author an organisation's module in the browser. A shared module (no organisation:
    the courses in files, or one published for everyone) has learners from every organisation, so only site
    administrators may withdraw its certificates. An archived organisation's trainers may no longer act.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_site_admin:
        return True
    organisation_id = certificate.module_organisation_id
    if organisation_id is None or not may(user, organisation_id, Role.TRAINER):
        return False
    archived = db.session.scalar(select(Organisation.archived_at).where(Organisation.id == organisation_id))
    return archived is None


class RevokeError(ValueError):
    """Why a revocation was refused, in words for the form: the reason is missing or too long."""


def check_reason(reason: str | None) -> str:
    """The reason as it will be stored (trimmed); raises RevokeError when it is empty or too long."""
    cleaned = (reason or "").strip()
    if not cleaned:
        raise RevokeError("empty")
    if len(cleaned) > REASON_MAX:
        raise RevokeError("too-long")
    return cleaned


def revoke(code: str, actor: User | None, reason: str, now: datetime | None = None) -> bool:
    """Withdraw a certificate (issued in error, or obtained dishonestly); it stays on record as revoked, with
    who did it and why, and the public page shows the reason. False when it is unknown or already revoked.

    Raises RevokeError for a missing or over-long reason. The learner's summary is refreshed (a revoked
    completion no longer counts as valid); the caller commits.
    """
    cleaned = check_reason(reason)
    row = db.session.execute(
        select(Certificate, ModuleCompletion, Module, User)
        .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .join(User, User.id == ModuleCompletion.user_id)
        .where(Certificate.code == code)
        .with_for_update(of=Certificate)
    ).first()
    if row is None or row[0].revoked_at is not None:
        return False
    certificate, completion, module, learner = row
    certificate.revoked_at = now or utcnow()
    certificate.revoked_by_id = actor.id if actor is not None else None
    certificate.revoked_reason = cleaned
    organisation = db.session.get(Organisation, module.organisation_id) if module.organisation_id else None
    audit.record(
        actor, organisation, "certificate.revoked", certificate,
        name=learner.name, email=learner.email, module=module.slug, reason=cleaned,
    )
    summaries.refresh_learner(completion.user_id, completion.module_id)
    return True

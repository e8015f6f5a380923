"""Certificates of completion: issued with every module completion, checked by anyone at /certificates/<code>.

A code is 128 random bits (``secrets.token_urlsafe(16)``, 22 characters), so codes cannot be guessed or
enumerated; verification needs no account and shows only what the certificate itself shows.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Certificate, Module, ModuleCompletion, ModuleVersion, User, utcnow

CODE_BYTES = 16


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def issue(completion: ModuleCompletion) -> Certificate:
    """The completion's certificate, created when it has none yet; the caller commits."""
    if completion.id is not None:
        existing = db.session.scalar(select(Certificate).where(Certificate.completion_id == completion.id))
        if existing is not None:
            return existing
    certificate = Certificate(code=new_code(), completion=completion, issued_at=utcnow())
    db.session.add(certificate)
    db.session.flush()
    return certificate


@dataclass(frozen=True)
class CertificateView:
    """Everything a certificate shows, from one query."""

    code: str
    learner_name: str
    user_id: int
    module_slug: str
    module_title: str
    language: str
    edition: int
    version_number: int
    completed_at: datetime
    issued_at: datetime
    percent: int | None
    revoked_at: datetime | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def _query():
    return (
        select(Certificate, ModuleCompletion, User.name, User.id, Module.slug, ModuleVersion)
        .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
        .join(User, User.id == ModuleCompletion.user_id)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .join(ModuleVersion, ModuleVersion.id == ModuleCompletion.version_id)
    )


def _view(row: Any) -> CertificateView:
    certificate, completion, name, user_id, slug, version = row
    return CertificateView(
        code=certificate.code,
        learner_name=name,
        user_id=user_id,
        module_slug=slug,
        module_title=version.text("title", completion.language),
        language=completion.language if completion.language in version.languages else version.language,
        edition=completion.edition,
        version_number=version.number,
        completed_at=completion.completed_at,
        issued_at=certificate.issued_at,
        percent=completion.percent,
        revoked_at=certificate.revoked_at,
    )


def by_code(code: str) -> CertificateView | None:
    """The certificate with this code (revoked ones too, so the page can say so); None when unknown."""
    if not code or len(code) > 64:
        return None
    row = db.session.execute(_query().where(Certificate.code == code)).first()
    return _view(row) if row else None


def revoke(code: str) -> bool:
    """Withdraw a certificate (for example one issued in error); it stays on record as revoked."""
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if certificate is None or certificate.revoked_at is not None:
        return False
    certificate.revoked_at = utcnow()
    return True

"""A certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (a W3C Verifiable Credential, data model 2.0).

The credential says the same as the certificate, in the module's own language: who issued it (a ``Profile``
published at ``/credentials/issuers/...``), the achievement (the module's edition: its title, summary and
the criteria from its outcomes and pass mark), when it was completed (``validFrom``) and, where the module
sets a validity period, when it stops being valid (``validUntil``). The learner is named by a pseudonymous
``urn:uuid`` (never their email address) and by their name, which the public certificate shows already.
Revocation is published in a W3C Bitstring Status List (``credentialStatus``, see :mod:`.status`).

Everything in it is worked out from the certificate (and the learner's name as it is now), so the same
certificate gives the same credential: ``credential.json`` is exactly what ``credential.jwt`` signs. The
subject's ``urn:uuid`` is derived from the site's address and the account's number: stable and no email
address, but pseudonymous rather than secret (whoever knows both can work it out).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Certificate, Module, ModuleCompletion, ModuleVersion, Organisation, User
from .status import status_entry
from .urls import absolute, base_url, site_name, timestamp

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT = [VC_CONTEXT, OB_CONTEXT]
TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
SITE_ISSUER = "site"  # the issuer key of the modules offered to everyone

__all__ = ["CONTEXT", "SITE_ISSUER", "VC_CONTEXT", "Issued", "absolute", "credential", "find", "issuer_profile",
           "site_name"]


def subject_id(user_id: int) -> str:
    """The learner's pseudonymous id: the same in every credential of this site, and no email address."""
    site = uuid.uuid5(uuid.NAMESPACE_URL, base_url() + "/")
    return "urn:uuid:" + str(uuid.uuid5(site, f"learner/{user_id}"))


def issuer_key(organisation_id: int | None) -> str:
    return str(organisation_id) if organisation_id is not None else SITE_ISSUER


def issuer_profile(organisation_id: int | None, organisation_name: str | None) -> dict[str, Any]:
    """The ``Profile`` of who issues a module's certificates: its organisation, or the site for a shared one."""
    return {
        "id": absolute("credentials.issuer", key=issuer_key(organisation_id)),
        "type": ["Profile"],
        "name": organisation_name or site_name(),
        "url": absolute("site.home"),
    }


@dataclass(frozen=True)
class Issued:
    """One certificate and what its credential is made of."""

    certificate: Certificate
    completion: ModuleCompletion
    module: Module
    version: ModuleVersion
    organisation_name: str | None

    @property
    def revoked(self) -> bool:
        return self.certificate.revoked_at is not None


def find(code: str) -> Issued | None:
    if not code or len(code) > 64:
        return None
    row = db.session.execute(
        select(Certificate, ModuleCompletion, Module, ModuleVersion, Organisation.name)
        .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .join(ModuleVersion, ModuleVersion.id == ModuleCompletion.version_id)
        .outerjoin(Organisation, Organisation.id == Module.organisation_id)
        .where(Certificate.code == code)
    ).first()
    return Issued(*row) if row else None


def _narrative(version: ModuleVersion, text: dict[str, Any]) -> str:
    """What earning it takes, in Markdown: the lessons, the assessment's pass mark, the outcomes."""
    if version.question_count:
        lines = [_("Complete every lesson of the module and pass its assessment with a score of at least "
                   "%(percent)s%%.", percent=version.pass_mark)]
    else:
        lines = [_("Complete every lesson of the module.")]
    outcomes = [str(outcome) for outcome in text.get("outcomes") or []]
    if outcomes:
        lines += ["", _("Learning outcomes: someone who has completed it can"), ""]
        lines += [f"- {outcome}" for outcome in outcomes]
    return "\n".join(lines)


def credential(issued: Issued) -> dict[str, Any]:
    """The ``OpenBadgeCredential`` of one certificate (without a proof: ``signing`` adds one)."""
    certificate, completion, module, version = issued.certificate, issued.completion, issued.module, issued.version
    language = version.language
    text = version.texts.get(language) or next(iter(version.texts.values()), {})
    title = str(text.get("title") or module.slug)
    with force_locale(language):  # the module's language, whichever language the page that asks is in
        narrative = _narrative(version, text)
    achievement = {
        "id": absolute("learning.module", module_slug=module.slug, _anchor=f"edition-{completion.edition}"),
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": title,
        "description": str(text.get("summary") or title),
        "criteria": {"narrative": narrative},
        "version": str(completion.edition),
        "inLanguage": language,
    }
    result: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": absolute("credentials.credential_json", code=certificate.code),
        "type": list(TYPES),
        "name": title,
        "issuer": issuer_profile(module.organisation_id, issued.organisation_name),
        "validFrom": timestamp(completion.completed_at),
    }
    if certificate.valid_until is not None:
        result["validUntil"] = timestamp(certificate.valid_until)
    result["awardedDate"] = timestamp(certificate.issued_at)
    result["credentialSubject"] = {
        "id": subject_id(completion.user_id),
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityHash": _learner_name(completion.user_id),
                        "identityType": "name", "hashed": False}],
        "achievement": achievement,
    }
    result["credentialStatus"] = status_entry(certificate.id)
    return result


def _learner_name(user_id: int) -> str:
    return str(db.session.scalar(select(User.name).where(User.id == user_id)) or "")

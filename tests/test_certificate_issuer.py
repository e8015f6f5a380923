"""What a certificate says about who issued it and which edition: the module's organisation (or, for a module
offered to everyone, the site), and the edition with the date it was first published, never version numbers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import Certificate, ModuleVersion, User

from .cohorts_support import complete, make_module

FIRST = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CORRECTED = datetime(2026, 5, 9, 9, 0, tzinfo=UTC)
SECOND = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _add_version(module, number: int, edition: int, published_at: datetime) -> ModuleVersion:
    current = db.session.get(ModuleVersion, module.current_version_id)
    version = ModuleVersion(
        module_id=module.id, number=number, edition=edition, content_hash=f"{module.slug}-{number}",
        language="en", languages=["en"], texts=current.texts, level="introductory", minutes=10, pass_mark=50,
        question_count=0, source={}, published_at=published_at,
    )
    db.session.add(version)
    db.session.flush()
    module.current_version_id = version.id
    return version


def _certificate(user: User, module, edition: int) -> certificates.CertificateView:
    certificates.issue(complete(user, module, edition=edition))
    db.session.commit()
    code = db.session.scalars(select(Certificate.code).order_by(Certificate.id.desc())).first()
    return certificates.by_code(code)


def test_an_organisations_module_is_issued_by_it_with_its_editions_first_publication(app, make_user,
                                                                                     make_organisation):
    organisation = make_organisation("org-a", "Organisation A")
    learner = make_user("lee@a.example", name="Lee Learner", organisation=organisation)
    module = make_module("own", organisation=organisation)
    db.session.get(ModuleVersion, module.current_version_id).published_at = FIRST
    _add_version(module, 2, 1, CORRECTED)  # a correction within edition 1
    db.session.commit()

    view = _certificate(learner, module, edition=1)
    assert view.organisation_name == "Organisation A"
    assert view.version_number == 2
    assert view.edition_published_at == FIRST  # the edition's, not the correction's

    _add_version(module, 3, 2, SECOND)
    db.session.commit()
    renewed = _certificate(learner, module, edition=2)
    assert renewed.edition == 2 and renewed.edition_published_at == SECOND


def test_the_pages_say_it_in_words(app, client, make_user, make_organisation, auth):
    organisation = make_organisation("org-a", "Organisation A")
    learner = make_user("lee@a.example", name="Lee Learner", organisation=organisation)
    module = make_module("own", organisation=organisation)
    _add_version(module, 2, 2, SECOND)
    db.session.commit()
    view = _certificate(learner, module, edition=2)
    auth.sign_in("lee@a.example")
    for path in [f"/my-learning/certificates/{view.code}", f"/certificates/{view.code}"]:
        text = client.get(path).get_data(as_text=True)
        assert "Edition 2, published 3 November 2026" in text, path
        assert "Organisation A" in text and "Issued by" in text, path
        assert "version 2" not in text, path
    assert auth.post("/language/cy", {"next": "/"}).status_code == 302
    text = client.get(f"/my-learning/certificates/{view.code}").get_data(as_text=True)
    assert "Argraffiad 2, a gyhoeddwyd ar 3 Tachwedd 2026" in text
    assert "Cyhoeddwyd gan Organisation A" in text


def test_a_module_offered_to_everyone_is_issued_by_the_site(app, client, make_user, auth):
    learner = make_user("lee@example.org", name="Lee Learner")
    view = _certificate(learner, make_module("shared"), edition=1)
    assert view.organisation_name is None
    auth.sign_in("lee@example.org")
    text = client.get(f"/my-learning/certificates/{view.code}").get_data(as_text=True)
    assert "Issued by AI literacy" in text


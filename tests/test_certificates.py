"""Certificates: issued with a completion, valid until the completion date plus the module's valid_for,
printable by the learner, checkable by anyone at /certificates/<code> without signing in (valid, expired or
revoked, with the reason); revoked by site administrators or the module's organisation's trainers only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from literacy import content, summaries, validity
from literacy.content.courses import read_folder
from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import AuditEvent, Certificate, Module, ModuleCompletion, ModuleVersion, utcnow
from literacy.publishing import publish, sync_courses

from .conftest import REPO
from .quiz_support import RIGHT, complete_lessons, take, text_of, write_quiz_module


def with_valid_for(folder: Path, valid_for: str) -> Path:
    yaml = folder / "module.yaml"
    yaml.write_text(yaml.read_text() + f"valid_for: {valid_for}\n")
    return folder


def publish_for(folder: Path, organisation_id: int | None) -> Module:
    """Publish a module folder as the browser editor does: an organisation's own module (or a shared one)."""
    parsed = content.parse_module(read_folder(folder))
    assert parsed.module is not None, parsed.problems
    result = publish(parsed.module, organisation_id=organisation_id, origin="browser")
    db.session.commit()
    return result.module


@pytest.fixture
def certified(tmp_path, app, make_user, auth):
    write_quiz_module(tmp_path)
    sync_courses(tmp_path)
    make_user("cert@example.org", name="Ceri Certified")
    auth.sign_in("cert@example.org")
    complete_lessons(auth, "quiz-module")
    take(auth, "quiz-module", RIGHT)
    return db.session.scalar(select(Certificate))


@pytest.fixture
def org_certificate(tmp_path, app, make_user, make_organisation, auth):
    """A certificate of organisation A's own module, valid for 12 months, held by one of its learners."""
    organisation = make_organisation("org-a", "Organisation A")
    folder = with_valid_for(write_quiz_module(tmp_path, "own-module", precheck=False), "12 months")
    publish_for(folder, organisation.id)
    make_user("learner@a.example", name="Lee Learner", organisation=organisation)
    auth.sign_in("learner@a.example")
    complete_lessons(auth, "own-module")
    take(auth, "own-module", RIGHT)
    auth.sign_out()
    certificate = db.session.scalar(select(Certificate))
    assert certificate is not None
    return certificate


def test_a_completion_issues_one_certificate_with_an_unguessable_code(certified):
    assert certified is not None and certified.revoked_at is None
    assert len(certified.code) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", certified.code)
    codes = {certificates.new_code() for _ in range(1000)}
    assert len(codes) == 1000  # 128 random bits each


def test_a_module_without_valid_for_gives_a_certificate_that_never_expires(certified):
    assert certified.valid_until is None
    view = certificates.by_code(certified.code)
    assert view.state(datetime(2999, 1, 1, tzinfo=UTC)) == certificates.State.VALID


def test_the_certificate_is_valid_until_the_completion_date_plus_valid_for(org_certificate):
    completion = db.session.get(ModuleCompletion, org_certificate.completion_id)
    version = db.session.get(ModuleVersion, completion.version_id)
    assert version.valid_for == "P12M"
    assert org_certificate.valid_until == validity.add(completion.completed_at, "P12M")
    view = certificates.by_code(org_certificate.code)
    assert view.valid_until == org_certificate.valid_until and view.revoked_reason is None
    assert view.state(org_certificate.valid_until - timedelta(seconds=1)) == certificates.State.VALID
    assert view.state(org_certificate.valid_until) == certificates.State.EXPIRED  # valid *until*, not on
    assert view.is_valid(completion.completed_at) and not view.is_valid(org_certificate.valid_until)


def test_state_prefers_revoked_to_expired():
    now = datetime(2027, 6, 1, tzinfo=UTC)
    past, future = now - timedelta(days=1), now + timedelta(days=1)
    assert certificates.state_of(None, None, now) == "valid"
    assert certificates.state_of(future, None, now) == "valid"
    assert certificates.state_of(past, None, now) == "expired"
    assert certificates.state_of(past, past, now) == "revoked"
    assert certificates.state_of(None, past, now) == "revoked"


def test_the_learner_sees_a_printable_certificate(client, certified):
    page = client.get(f"/my-learning/certificates/{certified.code}").get_data(as_text=True)
    text = text_of(page)
    version = db.session.scalar(select(ModuleVersion))
    assert "Certificate of completion" in text and "Ceri Certified" in text
    published = version.published_at
    assert "Quiz module quiz-module" in text
    assert f"Edition 1, published {published.day} {published:%B} {published.year}" in text
    assert "Issued by AI literacy" in text  # a module from the courses folder: the site issues it
    assert "Score 100%" in text and "Valid until Does not expire" in text
    assert f"http://localhost/certificates/{certified.code}" in page  # the verification link, in full
    assert 'class="certificate"' in page and page.count("<h1") == 1


def test_the_printed_certificate_says_until_when_it_is_valid(client, auth, org_certificate):
    auth.sign_in("learner@a.example")
    text = text_of(client.get(f"/my-learning/certificates/{org_certificate.code}").get_data(as_text=True))
    assert f"Valid until {org_certificate.valid_until.day} " in text
    assert str(org_certificate.valid_until.year) in text


def test_the_print_stylesheet_prints_on_a4_without_the_sites_furniture():
    """tests/browser/test_certificate_print.py counts the pages Chromium prints; this is the stylesheet's part."""
    css = (REPO / "literacy" / "static" / "css" / "print.css")
    css = css if css.exists() else REPO / "static" / "css" / "print.css"
    text = css.read_text()
    assert re.search(r"@page \{[^}]*size: A4", text)
    hidden = re.search(r"([^}]*)\{ display: none !important; \}", text)
    assert hidden and {".site-header", ".site-nav", ".site-footer", ".no-print"} <= {
        selector.strip() for selector in hidden.group(1).split(",")
    }


def test_anyone_can_check_a_certificate_without_signing_in(client, auth, certified):
    auth.sign_out()
    response = client.get(f"/certificates/{certified.code}")
    text = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "This certificate is genuine" in text and "Ceri Certified" in text and "Quiz module quiz-module" in text
    assert "Score 100%" in text and "It does not expire." in text and "Valid" in text
    assert "Revoke this certificate" not in text


def test_the_check_says_until_when_a_certificate_is_valid(client, org_certificate):
    org_certificate.valid_until = datetime(2027, 12, 12, 10, 0, tzinfo=UTC)
    db.session.commit()
    page = client.get(f"/certificates/{org_certificate.code}").get_data(as_text=True)
    assert "Valid until 12 December 2027" in text_of(page)
    assert '<strong class="tag tag--green">Valid</strong>' in page


def test_an_expired_certificate_says_when_it_expired(client, org_certificate):
    org_certificate.valid_until = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    db.session.commit()
    response = client.get(f"/certificates/{org_certificate.code}")
    page = response.get_data(as_text=True)
    text = text_of(page)
    assert response.status_code == 200  # it is a real certificate: it just no longer counts
    assert "This certificate has expired" in text and "Expired on 5 March 2026" in text
    assert "genuine" not in text and '<strong class="tag tag--grey">Expired</strong>' in page
    assert "Lee Learner" in text


def test_a_revoked_certificate_says_so_with_the_reason(client, auth, make_user, certified):
    admin = make_user("admin@example.org", site_admin=True)
    moment = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert certificates.revoke(certified.code, admin, "  Issued in error: the wrong person took it.  ", now=moment)
    db.session.commit()
    assert not certificates.revoke(certified.code, admin, "again")  # once is enough
    auth.sign_out()
    page = client.get(f"/certificates/{certified.code}").get_data(as_text=True)
    text = text_of(page)
    assert "This certificate has been revoked" in text and "genuine" not in text
    assert "Revoked on 20 November 2026 — Issued in error: the wrong person took it." in text
    assert '<strong class="tag tag--red">Revoked</strong>' in page


def test_revoking_records_who_and_why_in_the_audit_log_and_the_summary(make_user, org_certificate):
    admin = make_user("admin@example.org", site_admin=True)
    completion = db.session.get(ModuleCompletion, org_certificate.completion_id)
    assert certificates.revoke(org_certificate.code, admin, "Obtained dishonestly")
    db.session.commit()
    db.session.refresh(org_certificate)
    assert org_certificate.revoked_at is not None
    assert (org_certificate.revoked_by_id, org_certificate.revoked_reason) == (admin.id, "Obtained dishonestly")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoked"))
    assert event.actor_id == admin.id and event.target_type == "certificate"
    assert event.target_id == str(org_certificate.id)
    module = db.session.get(Module, completion.module_id)
    assert event.organisation_id == module.organisation_id is not None  # the organisation's own log shows it
    assert event.details == {
        "name": "Lee Learner", "email": "learner@a.example", "module": "own-module", "reason": "Obtained dishonestly"
    }
    assert summaries.differences() == []


@pytest.mark.parametrize("reason", ["", "   ", "x" * (certificates.REASON_MAX + 1)])
def test_a_revocation_needs_a_reason(make_user, certified, reason):
    admin = make_user("admin@example.org", site_admin=True)
    with pytest.raises(certificates.RevokeError):
        certificates.revoke(certified.code, admin, reason)
    db.session.rollback()
    assert db.session.get(Certificate, certified.id).revoked_at is None


def test_a_revoked_certificate_is_no_longer_offered_to_the_learner(client, make_user, certified):
    certificates.revoke(certified.code, None, "Withdrawn by the service")
    db.session.commit()
    assert client.get(f"/my-learning/certificates/{certified.code}").status_code == 404
    assert certified.code not in client.get("/my-learning").get_data(as_text=True)


def test_an_unknown_code_says_so(client, certified):
    for code in ("not-a-real-code", certified.code[:-1] + ("A" if certified.code[-1] != "A" else "B"), "x" * 200):
        response = client.get(f"/certificates/{code}")
        assert response.status_code == 404
        assert "No certificate has this code" in response.get_data(as_text=True)


def test_a_learner_cannot_open_someone_elses_certificate_page(client, auth, make_user, certified):
    auth.sign_out()
    make_user("nosy@example.org")
    auth.sign_in("nosy@example.org")
    assert client.get(f"/my-learning/certificates/{certified.code}").status_code == 404


def test_the_printable_page_needs_an_account(client, auth, certified):
    auth.sign_out()
    response = client.get(f"/my-learning/certificates/{certified.code}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


def test_a_module_without_an_assessment_gives_a_certificate_without_a_score(tmp_path, app, client, auth, make_user):
    from .support.modules import write_module

    write_module(tmp_path, "reading", questions=0, lessons=1)
    sync_courses(tmp_path)
    make_user("r@example.org")
    auth.sign_in("r@example.org")
    auth.post("/modules/reading/lesson-1/complete")
    code = db.session.scalar(select(Certificate.code))
    assert "Score No assessment" in text_of(client.get(f"/certificates/{code}").get_data(as_text=True))


# --- the revoke screen ------------------------------------------------------------------------------


def revoke_path(certificate: Certificate) -> str:
    return f"/certificates/{certificate.code}/revoke"


def test_a_trainer_of_the_modules_organisation_revokes_with_a_reason(client, auth, make_user, org_certificate):
    organisation_id = db.session.scalar(select(Module.organisation_id).where(Module.slug == "own-module"))
    from literacy.models import Organisation

    trainer = make_user("trainer@a.example", organisation=db.session.get(Organisation, organisation_id),
                        roles=("trainer",))
    auth.sign_in("trainer@a.example")
    check = client.get(f"/certificates/{org_certificate.code}").get_data(as_text=True)
    assert f'href="{revoke_path(org_certificate)}"' in check  # found from the check page
    page = client.get(revoke_path(org_certificate))
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Revoke this certificate" in text and "Lee Learner" in text and "Reason for revoking" in text

    response = auth.post(revoke_path(org_certificate), {"reason": "Completed on another account"})
    assert response.status_code == 302 and response.headers["Location"] == f"/certificates/{org_certificate.code}"
    db.session.refresh(org_certificate)
    assert org_certificate.revoked_by_id == trainer.id
    assert org_certificate.revoked_reason == "Completed on another account"
    followed = text_of(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Certificate revoked." in followed and "Completed on another account" in followed
    assert "Revoke this certificate" not in followed
    again = client.get(revoke_path(org_certificate))  # already revoked: back to the check page
    assert again.status_code == 302 and again.headers["Location"] == f"/certificates/{org_certificate.code}"
    assert db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "certificate.revoked")) == (
        trainer.id
    )


def test_a_revocation_without_a_reason_shows_the_error_and_keeps_what_was_typed(client, auth, make_user,
                                                                                   org_certificate):
    make_user("admin@example.org", site_admin=True)
    auth.sign_in("admin@example.org")
    response = auth.post(revoke_path(org_certificate), {"reason": "   "})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error:" in page and "There is a problem" in page
    assert 'href="#reason"' in page and "Enter the reason for revoking this certificate" in page
    long = "Too long. " * 60
    page = auth.post(revoke_path(org_certificate), {"reason": long}).get_data(as_text=True)
    assert "The reason must be 500 characters or fewer" in page and long.strip() in page
    db.session.expire_all()
    assert db.session.get(Certificate, org_certificate.id).revoked_at is None


def test_the_revoke_form_needs_its_csrf_token(client, auth, make_user, org_certificate):
    make_user("admin@example.org", site_admin=True)
    auth.sign_in("admin@example.org")
    response = client.post(revoke_path(org_certificate), data={"reason": "No token"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Certificate, org_certificate.id).revoked_at is None


def test_revoking_is_refused_to_everyone_else(client, auth, make_user, make_organisation, org_certificate):
    from literacy.models import Organisation

    own = db.session.scalar(select(Organisation).where(Organisation.slug == "org-a"))
    other = make_organisation("org-b", "Organisation B")
    make_user("trainer@b.example", organisation=other, roles=("trainer",))
    make_user("admin@b.example", organisation=other, roles=("org_admin",))
    make_user("manager@a.example", organisation=own, roles=("manager",))
    path = revoke_path(org_certificate)

    anonymous = client.get(path)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/sign-in?next=")
    assert client.post(path, data={"reason": "x"}).status_code in (302, 400)
    for email in ("learner@a.example", "trainer@b.example", "admin@b.example", "manager@a.example"):
        auth.sign_in(email)
        assert client.get(path).status_code == 403, email
        assert auth.post(path, {"reason": "Not mine to revoke"}).status_code == 403, email
        assert "Revoke this certificate" not in client.get(f"/certificates/{org_certificate.code}").get_data(
            as_text=True
        )
        auth.sign_out()
    assert client.get("/certificates/not-a-code/revoke").status_code == 302  # sign in first, as for any code
    db.session.expire_all()
    assert db.session.get(Certificate, org_certificate.id).revoked_at is None


def test_an_org_admin_may_revoke_their_organisations_certificates(client, auth, make_user, org_certificate):
    from literacy.models import Organisation

    own = db.session.scalar(select(Organisation).where(Organisation.slug == "org-a"))
    make_user("admin@a.example", organisation=own, roles=("org_admin",))
    auth.sign_in("admin@a.example")
    assert client.get(revoke_path(org_certificate)).status_code == 200
    assert client.get("/certificates/not-a-code/revoke").status_code == 404


def test_an_archived_organisations_trainer_may_no_longer_revoke(client, auth, make_user, org_certificate):
    from literacy.models import Organisation

    own = db.session.scalar(select(Organisation).where(Organisation.slug == "org-a"))
    make_user("trainer@a.example", organisation=own, roles=("trainer",))
    own.archived_at = utcnow()
    db.session.commit()
    auth.sign_in("trainer@a.example")
    assert client.get(revoke_path(org_certificate)).status_code == 403


def test_a_shared_modules_certificates_are_revoked_by_site_administrators_only(
    client, auth, make_user, make_organisation, certified
):
    """A shared module's learners come from every organisation: no organisation's trainer may withdraw them."""
    organisation = make_organisation("org-a")
    make_user("trainer@a.example", organisation=organisation, roles=("trainer", "org_admin"))
    auth.sign_out()
    auth.sign_in("trainer@a.example")
    assert client.get(revoke_path(certified)).status_code == 403
    auth.sign_out()
    make_user("admin@example.org", site_admin=True)
    auth.sign_in("admin@example.org")
    assert "Revoke this certificate" in client.get(f"/certificates/{certified.code}").get_data(as_text=True)
    assert auth.post(revoke_path(certified), {"reason": "Issued in error"}).status_code == 302
    db.session.refresh(certified)
    assert certified.revoked_reason == "Issued in error"

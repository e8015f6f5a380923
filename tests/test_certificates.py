"""Certificates: issued with a completion, printable by the learner, checkable by anyone at
/certificates/<code> without signing in; unguessable codes; revoked and unknown codes say so."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import Certificate, ModuleVersion
from literacy.publishing import sync_courses

from .conftest import REPO
from .quiz_support import RIGHT, complete_lessons, take, text_of, write_quiz_module


@pytest.fixture
def certified(tmp_path, app, make_user, auth):
    write_quiz_module(tmp_path)
    sync_courses(tmp_path)
    make_user("cert@example.org", name="Ceri Certified")
    auth.sign_in("cert@example.org")
    complete_lessons(auth, "quiz-module")
    take(auth, "quiz-module", RIGHT)
    return db.session.scalar(select(Certificate))


def test_a_completion_issues_one_certificate_with_an_unguessable_code(certified):
    assert certified is not None and certified.revoked_at is None
    assert len(certified.code) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", certified.code)
    codes = {certificates.new_code() for _ in range(1000)}
    assert len(codes) == 1000  # 128 random bits each


def test_the_learner_sees_a_printable_certificate(client, certified):
    page = client.get(f"/my-learning/certificates/{certified.code}").get_data(as_text=True)
    text = text_of(page)
    version = db.session.scalar(select(ModuleVersion))
    assert "Certificate of completion" in text and "Ceri Certified" in text
    assert "Quiz module quiz-module" in text and f"Edition 1, version {version.number}" in text
    assert "Score 100%" in text
    assert f"http://localhost/certificates/{certified.code}" in page  # the verification link, in full
    assert 'class="certificate"' in page and page.count("<h1") == 1


def test_the_print_stylesheet_fits_the_certificate_on_one_a4_page():
    css = (REPO / "static" / "css" / "site.css").read_text()
    assert re.search(r"@page certificate \{[^}]*size: A4", css)
    assert re.search(r"@media print \{[^@]*\.certificate \{[^}]*page: certificate", css)


def test_anyone_can_check_a_certificate_without_signing_in(client, auth, certified):
    auth.sign_out()
    response = client.get(f"/certificates/{certified.code}")
    text = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "This certificate is genuine" in text and "Ceri Certified" in text and "Quiz module quiz-module" in text
    assert "Score 100%" in text


def test_a_revoked_certificate_says_so(client, auth, certified):
    assert certificates.revoke(certified.code)
    db.session.commit()
    assert not certificates.revoke(certified.code)  # once is enough
    auth.sign_out()
    text = text_of(client.get(f"/certificates/{certified.code}").get_data(as_text=True))
    assert "This certificate has been revoked" in text and "genuine" not in text


def test_a_revoked_certificate_is_no_longer_offered_to_the_learner(client, certified):
    certificates.revoke(certified.code)
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

"""The self-assessment report as a PDF (issue 21), when WeasyPrint is installed with the system's Pango
(the optional ``pdf`` extra; the ``test`` extra has it, and CI's chromium brings Pango): the same access
rules as the report, A4 with one page per part, and without WeasyPrint no link and a 404, while the
browser's print command is always offered."""

from __future__ import annotations

import io

import pytest
from flask_babel import force_locale, gettext

from literacy.extensions import db
from literacy.practice.assessment import pdf, service

from .test_self_assessment import BASE, answer_some, assessment, people  # noqa: F401 - fixtures

needs_weasyprint = pytest.mark.skipif(not pdf.available(), reason="WeasyPrint (the pdf extra, with Pango) is "
                                      "not installed")
A4 = (595, 842)  # points


def read(body: bytes):  # noqa: ANN201
    """The PDF's pages (pypdf: WeasyPrint packs its page objects into compressed object streams, so they
    cannot be counted in the raw bytes as Chromium's can)."""
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(body)).pages


def pages_of(body: bytes) -> list[tuple[int, int]]:
    """The size of each page in points, rounded."""
    return [(round(float(page.mediabox.width)), round(float(page.mediabox.height))) for page in read(body)]


@needs_weasyprint
def test_the_report_downloads_as_a_pdf_of_one_a4_page_per_part(client, auth, people, assessment):  # noqa: F811
    answer_some(assessment, people)
    auth.sign_in("learner@a.example")
    report = client.get(f"{BASE}/{assessment.id}/report").get_data(as_text=True)
    assert f'href="{BASE}/{assessment.id}/report.pdf" download' in report and "browser's print command" in report
    overview = client.get(f"{BASE}/{assessment.id}/").get_data(as_text=True)
    assert "Download the report as PDF" in overview
    response = client.get(f"{BASE}/{assessment.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="self-assessment-{assessment.id}.pdf"'
    body = response.get_data()
    assert body.startswith(b"%PDF-")
    assert pages_of(body) == [A4, A4, A4]  # before development, development, follow-up


@needs_weasyprint
def test_the_pdf_is_in_the_readers_language_and_fetches_only_the_sites_stylesheets(app, client, auth,
                                                                                   people, assessment, monkeypatch):  # noqa: F811
    asked: list[str] = []
    real = pdf._static_file
    monkeypatch.setattr(pdf, "_static_file", lambda url: asked.append(url) or real(url))
    people["learner"].locale = "cy"
    db.session.commit()
    auth.sign_in("learner@a.example")
    response = client.get(f"{BASE}/{assessment.id}/report.pdf")
    assert response.status_code == 200
    first, *rest = read(response.get_data())
    assert len(rest) == 2 and "Adroddiad: Repairs triage" in first.extract_text()
    with app.test_request_context(), force_locale("cy"):
        hidden = [gettext("Sign out"), gettext("Back to the assessment"), gettext("Accessibility statement")]
    assert not [words for words in hidden if words in first.extract_text()]  # header, links, footer: not printed
    assert any("/static/css/print.css" in url for url in asked)
    assert all(url.startswith("http://localhost/static/") for url in asked), asked
    assert pdf._static_file("http://localhost/static/../../pyproject.toml") is None  # nothing outside static
    assert pdf._static_file("https://example.org/static/css/site.css").name == "site.css"  # by path, from disk


@needs_weasyprint
def test_the_pdf_is_refused_as_the_report_is(client, auth, people, assessment):  # noqa: F811
    path = f"{BASE}/{assessment.id}/report.pdf"
    assert client.get(path).headers["Location"].startswith("/sign-in?next=")  # anonymous
    auth.sign_in("outsider@a.example")  # in the organisation, not in the team: private, so not there
    assert client.get(path).status_code == 404
    service.set_published(assessment, people["org_a"], people["trainer"], True)
    assert client.get(path).status_code == 200  # published: every member reads it
    auth.sign_out()
    auth.sign_in("manager@b.example")  # another organisation
    assert client.get(path).status_code == 403
    assert client.get(f"{BASE}/999999/report.pdf").status_code == 403


def test_without_weasyprint_only_the_browsers_print_command_is_offered(client, auth, people, assessment,  # noqa: F811
                                                                       monkeypatch):
    monkeypatch.setattr(pdf, "available", lambda: False)
    auth.sign_in("learner@a.example")
    report = client.get(f"{BASE}/{assessment.id}/report").get_data(as_text=True)
    assert "report.pdf" not in report and "use your browser's print command" in report
    assert "report.pdf" not in client.get(f"{BASE}/{assessment.id}/").get_data(as_text=True)
    assert client.get(f"{BASE}/{assessment.id}/report.pdf").status_code == 404

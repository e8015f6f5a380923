"""The audit log's read side: /admin/audit (every event) and /organisations/<org>/audit (its own events),
filters as a shareable GET form, dates that are not dates, and a CSV with every cell escaped."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from literacy import audit
from literacy.extensions import db
from literacy.models import AuditEvent, User

ADMIN = "admin@example.org"


@pytest.fixture
def log(app, make_user, make_organisation):
    """Events in two organisations and one site-wide, on three days, by three people."""
    first, second = make_organisation("org-a", "Agency A"), make_organisation("org-b", "Bureau B")
    admin = make_user(ADMIN, name="Ada Admin", site_admin=True)
    boss_a = make_user("boss@org-a.example", name="Boss A", organisation=first, roles=("org_admin",))
    boss_b = make_user("boss@org-b.example", name="Boss B", organisation=second, roles=("org_admin",))
    sam = make_user("sam@example.org", name="=HYPERLINK(\"http://evil\")")
    audit.record(boss_a, first, "organisation.roles_changed", sam, email=sam.email, roles=["manager"])
    audit.record(boss_b, second, "organisation.roles_changed", sam, email=sam.email, roles=["learner"])
    audit.record(admin, None, "account.deactivated", sam, email=sam.email, sessions_ended=2)
    db.session.commit()
    days = {"organisation.roles_changed": None, "account.deactivated": datetime(2026, 11, 20, 12, tzinfo=UTC)}
    for event in db.session.scalars(db.select(AuditEvent)):
        if event.organisation_id == second.id:
            event.at = datetime(2026, 11, 10, 9, tzinfo=UTC)
        elif days[event.action] is not None:
            event.at = days[event.action]
        else:
            event.at = datetime(2026, 11, 15, 9, tzinfo=UTC)
    db.session.commit()
    return {"first": first, "second": second, "sam": sam}


def rows_of(text: str) -> int:
    return text.count('<th scope="row">')


def test_site_administrators_see_every_event_in_plain_words(client, auth, log):
    auth.sign_in(ADMIN)
    page = client.get("/admin/audit")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "3 events match" in text and rows_of(text) == 3
    assert "Roles changed" in text and "Account deactivated" in text
    assert "Boss A" in text and "Agency A" in text and "Bureau B" in text
    assert "Sessions ended: 2" in text and "20 November 2026" in text
    assert "&#34;http://evil&#34;" in text or "&quot;http://evil&quot;" in text, "names are escaped"


def test_the_filters(client, auth, log):
    auth.sign_in(ADMIN)
    assert rows_of(client.get("/admin/audit?organisation=org-b").get_data(as_text=True)) == 1
    assert rows_of(client.get("/admin/audit?actor=BOSS@").get_data(as_text=True)) == 2
    assert rows_of(client.get("/admin/audit?actor=boss%40org-a").get_data(as_text=True)) == 1
    assert rows_of(client.get("/admin/audit?action=account.deactivated").get_data(as_text=True)) == 1
    assert rows_of(client.get("/admin/audit?from=2026-11-12").get_data(as_text=True)) == 2
    assert rows_of(client.get("/admin/audit?from=12/11/2026&to=15/11/2026").get_data(as_text=True)) == 1
    text = client.get("/admin/audit?action=account.deactivated&page=2").get_data(as_text=True)
    assert rows_of(text) == 0, "past the last page: an empty page, not an error"
    options = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="account.deactivated">Account deactivated</option>' in options
    assert "cohort.created" not in options, "only actions that happened are offered"


def test_a_date_that_is_not_a_date_is_an_error_that_keeps_what_was_typed(client, auth, log):
    auth.sign_in(ADMIN)
    text = client.get("/admin/audit?from=31/02/2026&actor=boss").get_data(as_text=True)
    assert "<title>Error:" in text and "There is a problem" in text
    assert 'href="#from"' in text and 'value="31/02/2026"' in text and 'value="boss"' in text
    assert rows_of(text) == 2, "the other filters still apply"
    text = client.get("/admin/audit?from=2026-11-20&to=2026-11-01").get_data(as_text=True)
    assert "must be the same as or after" in text
    for edge in ("from=0001-01-01", "to=31/12/9999", "to=99999-01-01", "from=" + "9" * 40):
        text = client.get(f"/admin/audit?{edge}").get_data(as_text=True)
        assert "There is a problem" in text and rows_of(text) == 3, edge
    response = client.get("/admin/audit.csv?from=nonsense")
    assert response.status_code == 302 and "from=nonsense" in response.headers["Location"]


def test_the_csv_has_the_rows_of_the_page_with_every_cell_escaped(client, auth, log):
    auth.sign_in(ADMIN)
    response = client.get("/admin/audit.csv?actor=boss")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    headings = ["When", "Organisation", "Who", "Their email address", "What happened", "To what or whom", "Details"]
    assert rows[0] == headings
    assert len(rows) == 3
    targets = {row[5] for row in rows[1:]}
    assert targets == {"'=HYPERLINK(\"http://evil\") (sam@example.org)"}, "a formula gets an apostrophe"
    assert rows[1][0] == "2026-11-15 09:00" and rows[1][1] == "Agency A"


def test_organisation_administrators_see_only_their_own_organisation(client, auth, log):
    auth.sign_in("boss@org-a.example")
    text = client.get("/organisations/org-a/audit").get_data(as_text=True)
    assert rows_of(text) == 1 and "Boss A" in text and "Boss B" not in text
    assert "Account deactivated" not in text, "site-wide events stay with the site administrators"
    assert 'name="organisation"' not in text
    csv_text = client.get("/organisations/org-a/audit.csv").get_data(as_text=True)
    assert "Boss A" in csv_text and "Boss B" not in csv_text
    assert "/organisations/org-a/audit" in client.get("/organisations/org-a/people").get_data(as_text=True)
    assert client.get("/organisations/org-b/audit").status_code == 403
    assert client.get("/organisations/org-b/audit.csv").status_code == 403
    assert client.get("/organisations/nowhere/audit").status_code == 404
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403


@pytest.mark.parametrize("role", ["manager", "trainer", "learner"])
def test_other_roles_are_refused(client, auth, log, make_user, role):
    make_user(f"{role}@org-a.example", organisation=log["first"], roles=(role,))
    auth.sign_in(f"{role}@org-a.example")
    assert client.get("/organisations/org-a/audit").status_code == 403
    assert client.get("/admin/audit").status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client, log):
    for path in ("/admin/audit", "/admin/audit.csv", "/organisations/org-a/audit", "/organisations/org-a/audit.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path


def test_an_event_whose_actor_has_gone_is_shown_as_the_system(client, auth, log):
    db.session.delete(db.session.scalar(db.select(User).where(User.email == "boss@org-b.example")))
    db.session.commit()
    auth.sign_in(ADMIN)
    text = client.get("/admin/audit?organisation=org-b").get_data(as_text=True)
    assert rows_of(text) == 1 and "The system" in text


@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999",
        "page=-1",
        "organisation=" + "x" * 5000,
        "actor=%25_%5C",
        "action=" + "a" * 5000,
        "from=2026-02-30&to=2026-13-01",
        "from=%E2%80%AE2026&to=%F0%9F%98%80",
        "actor=" + "é" * 3000,
    ],
)
def test_hostile_filters_never_make_a_server_error(client, auth, log, query):
    auth.sign_in(ADMIN)
    for path in ("/admin/audit", "/admin/audit.csv", "/organisations/org-a/audit", "/admin/people"):
        response = client.get(f"{path}?{query}&q={query.split('=', 1)[1]}")
        assert response.status_code in (200, 302, 400), (path, query, response.status_code)

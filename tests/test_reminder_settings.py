"""An organisation's reminder settings page: who may open and change it, what it accepts, what it records."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import AuditEvent, Organisation
from literacy.organisations.reminder_forms import parse_days

PAGE = "/organisations/org-a/reminders"


@pytest.fixture
def org(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("admin@a.example", name="Ada Admin", organisation=organisation, roles=("org_admin",))
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    make_user("learner@a.example", organisation=organisation, roles=("learner",))
    other = make_organisation("org-b", "Organisation B")
    make_user("admin@b.example", organisation=other, roles=("org_admin",))
    make_user("root@example.org", site_admin=True)
    return organisation


def settings(slug: str = "org-a") -> tuple[list[int], bool, int]:
    db.session.expire_all()
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    return organisation.reminder_days_before, organisation.overdue_reminders, organisation.expiry_notice_days


def test_the_page_shows_the_current_settings_and_saves_changes(client, auth, org):
    auth.sign_in("admin@a.example")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="7, 1"' in page and 'value="30"' in page
    assert re.search(r'<input [^>]*checked id="overdue_reminders"', page)
    response = auth.post(PAGE, {"days_before": "14, 3,1", "expiry_notice_days": "45"})
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert settings() == ([14, 3, 1], False, 45)  # the checkbox left unticked turns weekly reminders off
    assert "Reminder settings saved" in client.get(PAGE).get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.reminders_changed"))
    assert event.details == {"days_before": [14, 3, 1], "overdue_reminders": False, "expiry_notice_days": 45}
    assert event.organisation_id == org.id
    audit = client.get("/organisations/org-a/audit").get_data(as_text=True)
    assert "Reminder settings changed" in audit and "Days before a due date" in audit
    # saving the same again records nothing
    auth.post(PAGE, {"days_before": "1, 3, 14", "expiry_notice_days": "45"})
    assert len(list(db.session.scalars(select(AuditEvent.id).where(AuditEvent.action.like("%reminders%"))))) == 1


def test_the_overview_links_to_the_settings_for_administrators_only(client, auth, org):
    auth.sign_in("admin@a.example")
    assert PAGE in client.get("/organisations/org-a/").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in("manager@a.example")
    assert PAGE not in client.get("/organisations/org-a/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("days", "expiry", "message"),
    [
        ("", "30", "Enter the days before a due date to remind learners, like 7, 1"),
        ("7, one", "30", "Enter whole numbers of days separated by commas, like 7, 1"),
        ("7, -1", "30", "Enter whole numbers of days separated by commas, like 7, 1"),
        ("0", "30", "Each number of days must be between 1 and 60"),
        ("61, 7", "30", "Each number of days must be between 1 and 60"),
        ("30, 14, 7, 3, 1", "30", "Enter at most 4 numbers of days"),
        ("7, 1", "", "Enter the number of days before a certificate expires, like 30"),
        ("7, 1", "thirty", "Enter the number of days before a certificate expires as a whole number"),
        ("7, 1", "181", "The number of days before a certificate expires must be between 1 and 180"),
        ("7, 1", "0", "The number of days before a certificate expires must be between 1 and 180"),
        # Unicode digits and numbers too long for int() (over 4,300 digits) are refused, never a 500
        ("7, ²", "30", "Enter whole numbers of days separated by commas, like 7, 1"),
        ("7, " + "9" * 5000, "30", "Each number of days must be between 1 and 60"),
        ("7, 1", "³", "Enter the number of days before a certificate expires as a whole number"),
        ("7, 1", "9" * 5000, "The number of days before a certificate expires must be between 1 and 180"),
    ],
)
def test_problems_are_summarised_and_what_was_typed_is_kept(client, auth, org, days, expiry, message):
    auth.sign_in("admin@a.example")
    response = auth.post(PAGE, {"days_before": days, "expiry_notice_days": expiry, "overdue_reminders": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error:" in page and "There is a problem" in page and message in page
    assert page.count(message) == 2  # in the summary and next to the field
    assert f'value="{days}"' in page and f'value="{expiry}"' in page
    assert settings() == ([7, 1], True, 30)


def test_the_form_needs_its_csrf_token(client, auth, org):
    auth.sign_in("admin@a.example")
    response = client.post(PAGE, data={"days_before": "3", "expiry_notice_days": "10"})
    assert response.status_code in (200, 400)
    assert settings() == ([7, 1], True, 30)


def test_a_site_administrator_may_change_any_organisations_settings(client, auth, org):
    auth.sign_in("root@example.org")
    assert client.get(PAGE).status_code == 200
    assert auth.post(PAGE, {"days_before": "2", "expiry_notice_days": "7", "overdue_reminders": "y"}).status_code == 302
    assert settings() == ([2], True, 7)


@pytest.mark.parametrize("who", ["learner@a.example", "manager@a.example", "admin@b.example"])
def test_people_who_are_not_its_administrators_are_refused(client, auth, org, who):
    auth.sign_in(who)
    assert client.get(PAGE).status_code == 403
    assert auth.post(PAGE, {"days_before": "3", "expiry_notice_days": "10"}).status_code == 403
    assert settings() == ([7, 1], True, 30)


def test_anonymous_people_are_sent_to_sign_in(client, org):
    for response in (client.get(PAGE), client.post(PAGE, data={"days_before": "3"})):
        assert response.status_code in (302, 400)
    assert "/sign-in" in client.get(PAGE).headers["Location"]
    assert settings() == ([7, 1], True, 30)


def test_an_unknown_organisation_is_not_found(client, auth, org):
    auth.sign_in("root@example.org")
    assert client.get("/organisations/nobody/reminders").status_code == 404


def test_the_days_are_read_largest_first_without_repeats():
    assert parse_days(" 1,7 7\t3 ") == [7, 3, 1]
    with pytest.raises(ValueError):
        parse_days("1.5")

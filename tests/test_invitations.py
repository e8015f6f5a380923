"""Invitations: queued in the outbox and sent over real SMTP (a local aiosmtpd server) after the request,
followed from the received message, single use; the managers' list shows each email's real status."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import CohortMember, Invitation, Membership, OutboxMessage, User
from literacy.organisations import invitations

from .cohorts_support import make_cohort
from .support.mail import mail_config

LINK = re.compile(r"http://localhost/invitations/[A-Za-z0-9_-]+")


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


@pytest.fixture
def org(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", organisation=organisation, roles=("manager",))
    make_user("admin@a.example", organisation=organisation, roles=("org_admin",))
    return organisation


def invite(auth, cohort, emails: str = "new.person@a.example"):
    return auth.post(f"/organisations/org-a/cohorts/{cohort.id}/members/add", {"emails": emails})


def test_an_invited_person_follows_the_emailed_link_and_joins(app, client, auth, org, inbox):
    cohort = make_cohort(org, "Autumn")
    auth.sign_in("manager@a.example")
    invite(auth, cohort)
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "new.person@a.example"
    assert message["From"] == '"Organisation A via AI literacy" <ai@example.gov.uk>'
    assert "Organisation A" in message["Subject"]
    link = inbox.link()
    invitation = db.session.scalar(select(Invitation))
    assert link.split("/")[-1] not in invitation.token_hash
    row = db.session.get(OutboxMessage, invitation.message_id)
    assert (row.kind, row.status, row.recipient, row.secret) == ("invitation", "sent", "new.person@a.example", None)
    assert invitations.proves_mailbox(invitation)  # an SMTP server accepted it
    listed = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Sent " in listed and "1 invitation is being emailed" in listed
    auth.sign_out()
    page = client.get(link).get_data(as_text=True)
    assert "Join “Autumn”" in page and "Organisation A has invited you" in page
    response = auth.post(
        link, {"name": "Nia New", "password": "a long enough password", "confirm": "a long enough password"}
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@a.example"))
    assert user.name == "Nia New" and user.check_password("a long enough password")
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == user.id)) == "learner"
    assert db.session.scalar(select(CohortMember).where(CohortMember.user_id == user.id)).cohort_id == cohort.id
    assert "Signed in as Nia New" in client.get("/").get_data(as_text=True)
    # single use
    auth.sign_out()
    used = client.get(link)
    assert used.status_code == 404 and "This invitation link does not work" in used.get_data(as_text=True)


def test_acceptance_errors_are_summarised_and_nothing_is_saved(app, client, auth, org, inbox):
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    invite(auth, cohort)
    auth.sign_out()
    link = inbox.link()
    page = auth.post(link, {"name": "Nia", "password": "short", "confirm": "other"}).get_data(as_text=True)
    assert "<title>Error:" in page and "There is a problem" in page
    assert "Your password must be at least 12 characters long" in page and "The passwords do not match" in page
    assert 'value="Nia"' in page
    assert db.session.scalar(select(Invitation.accepted_at)) is None
    assert db.session.scalar(select(User.password_hash).where(User.email == "new.person@a.example")) is None


def test_expired_and_unknown_links_do_not_work(app, client, auth, org, inbox):
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    invite(auth, cohort)
    auth.sign_out()
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = invitation.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get(inbox.link()).status_code == 404
    assert client.get("/invitations/not-a-real-token").status_code == 404


def test_resend_copy_and_cancel(app, client, auth, org, inbox):
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    invite(auth, cohort)
    first = inbox.link()
    invitation = db.session.scalar(select(Invitation))
    auth.post(f"/organisations/org-a/invitations/{invitation.id}/resend")
    assert len(inbox.messages) == 2
    second = inbox.link()
    assert second != first
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "An invitation is being emailed to new.person@a.example" in page
    assert "Invitation sent" not in page
    current = db.session.scalar(select(Invitation).where(Invitation.cancelled_at.is_(None)))
    copied = auth.post(f"/organisations/org-a/invitations/{current.id}/link").get_data(as_text=True)
    third = LINK.search(copied).group(0).removeprefix("http://localhost")
    assert third not in (first, second)
    latest = db.session.scalar(select(Invitation).where(Invitation.cancelled_at.is_(None)))
    auth.post(f"/organisations/org-a/invitations/{latest.id}/cancel")
    auth.sign_out()
    for link in (first, second, third):
        assert client.get(link).status_code == 404, link
    assert db.session.scalar(select(Invitation).where(Invitation.cancelled_at.is_(None))) is None


def test_an_org_admin_invites_a_manager(app, client, auth, org, inbox):
    auth.sign_in("admin@a.example")
    page = auth.post("/organisations/org-a/people/invite", {"email": "bad"}).get_data(as_text=True)
    assert "Enter an email address in the correct format" in page and not inbox.messages
    auth.post("/organisations/org-a/people/invite", {"email": "boss@a.example", "name": "Bo", "role": "manager"})
    link = inbox.link()
    assert "boss@a.example" in client.get("/organisations/org-a/people").get_data(as_text=True)
    auth.sign_out()
    auth.post(link, {"name": "Bo Boss", "password": "another long password", "confirm": "another long password"})
    user = db.session.scalar(select(User).where(User.email == "boss@a.example"))
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == user.id)) == "manager"
    assert client.get("/organisations/org-a/").status_code == 200


def test_an_invitation_for_another_organisation_cannot_be_touched(
    app, client, auth, org, inbox, make_organisation, make_user
):
    other = make_organisation("org-b")
    make_user("manager@b.example", organisation=other, roles=("manager",))
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    invite(auth, cohort)
    invitation = db.session.scalar(select(Invitation))
    auth.sign_out()
    auth.sign_in("manager@b.example")
    for action in ("resend", "link", "cancel"):
        assert auth.post(f"/organisations/org-b/invitations/{invitation.id}/{action}").status_code == 404
    assert db.session.scalar(select(Invitation.cancelled_at)) is None


@pytest.mark.parametrize("app_config", [{}])
def test_without_a_mail_host_the_message_goes_to_the_log_and_the_list_says_so(app, client, auth, org, caplog):
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    with caplog.at_level("WARNING", logger="literacy.notifications"):
        response = invite(auth, cohort)
    assert "new.person@a.example" in caplog.text and "/invitations/" in caplog.text
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not sent: no mail server is configured" in page and "Copy link" in page
    assert "Sent " not in page.split("Not sent")[0].rsplit("<table", 1)[-1]
    invitation = db.session.scalar(select(Invitation))
    assert db.session.get(OutboxMessage, invitation.message_id).status == "not_sent"
    assert not invitations.proves_mailbox(invitation)  # the link was only in the log


@pytest.mark.parametrize("app_config", [{"MAIL_HOST": "127.0.0.1", "MAIL_PORT": "1"}])
def test_a_failed_send_says_so_and_the_link_can_be_copied(app, client, auth, org):
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    invite(auth, cohort)
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Retrying: the mail server could not be reached" in page and "Copy link" in page
    invitation = db.session.scalar(select(Invitation))
    row = db.session.get(OutboxMessage, invitation.message_id)
    assert (row.status, row.attempts) == ("queued", 1) and "could not be reached" in row.last_error
    assert row.secret is not None  # kept, sealed, for the retry
    assert not invitations.proves_mailbox(invitation)


def test_a_link_never_changes_an_existing_accounts_password(app, client, auth, org, inbox, make_user):
    make_user("taken@a.example", name="Tess Taken", password="the original password")
    auth.sign_in("admin@a.example")
    auth.post("/organisations/org-a/people/invite", {"email": "taken@a.example", "role": "manager"})
    link = inbox.link()
    auth.sign_out()
    page = client.get(link).get_data(as_text=True)
    assert "There is already an account with this email address" in page and 'name="password"' not in page
    response = auth.post(link, {"name": "Mallory", "password": "a takeover password", "confirm": "a takeover password"})
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "taken@a.example"))
    db.session.refresh(user)
    assert user.check_password("the original password") and user.name == "Tess Taken"
    assert db.session.scalar(select(Invitation.accepted_at)) is None
    # signed in as that person, the link adds the role
    auth.sign_in("taken@a.example", password="the original password")
    assert auth.post(link).status_code == 302
    assert "manager" in set(db.session.scalars(select(Membership.role).where(Membership.user_id == user.id)))
    assert client.get(link).status_code == 404

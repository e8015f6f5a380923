"""Consent before anyone outside the organisation joins its cohort (issue 12), through the real SMTP inbox.

A manager of A adds people by email: A's own people join at once; anyone else (an account of B, an
unknown address) is emailed an invitation, and the manager's words and lists are the same whatever
accounts exist. Nothing about B's account reaches A's pages or files until its owner accepts; the
invitation page says what A's managers will see; declining, leaving and removal stop it. A copied link
never verifies an address, so a manager cannot squat one; each manager has a daily invitation limit.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from literacy.extensions import db
from literacy.models import AuditEvent, CohortAnswerTally, CohortMember, Invitation, Membership, User

from .cohorts_support import attempt, complete, make_cohort, make_module
from .support.mail import mail_config

LINK = re.compile(r"http://localhost(/invitations/[A-Za-z0-9_-]+)")
FLASH = re.compile(r'<p class="notification__content">([^<]*)</p>')
PASSWORD = "a long enough password"


@pytest.fixture
def app_config(inbox):
    return {**mail_config(inbox), "SMALL_GROUP_THRESHOLD": "1"}


@pytest.fixture
def orgs(make_organisation, make_user):
    a = make_organisation("org-a", "Organisation A")
    b = make_organisation("org-b", "Organisation B")
    make_user("manager@a.example", name="Mina Manager", organisation=a, roles=("manager",))
    make_user("manager@b.example", name="Bryn Manager", organisation=b, roles=("manager",))
    make_user("bea@b.example", name="Bea From B", organisation=b)
    make_user("ann@a.example", name="Ann From A", organisation=a)
    return a, b


def add(auth, organisation: str, cohort, emails: str):
    return auth.post(f"/organisations/{organisation}/cohorts/{cohort.id}/members/add", {"emails": emails})


def flashed(client, path: str) -> list[str]:
    return FLASH.findall(client.get(path).get_data(as_text=True))


def a_pages(client, cohort) -> str:
    """Everything A's managers can read about the cohort: its page, dashboard and every CSV, and A's own view."""
    base = f"/organisations/org-a/cohorts/{cohort.id}"
    paths = [base, f"{base}/dashboard", "/organisations/org-a/", "/organisations/org-a/dashboard/cohorts.csv"]
    paths += [
        f"{base}/dashboard/{name}.csv"
        for name in ("learners", "modules", "scores", "weeks", "gain", "refresh", "questions", "options", "calibration")
    ]
    pages = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        pages.append(response.get_data(as_text=True))
    return "\n".join(pages)


def answers_counted(cohort) -> int:
    total = select(func.coalesce(func.sum(CohortAnswerTally.answers), 0))
    return db.session.scalar(total.where(CohortAnswerTally.cohort_id == cohort.id))


def csv_of(client, cohort, name: str) -> str:
    return client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/{name}.csv").get_data(as_text=True)


def sign_in_to(auth, email: str, link: str):
    """Sign in through the link the invitation page offers (back to the invitation)."""
    page = auth.client.get(link).get_data(as_text=True)
    assert f'href="/sign-in?next={link}"' in page
    return auth.sign_in(email, query_string={"next": link})


def test_another_organisations_account_is_invited_exactly_like_an_unknown_address(client, auth, orgs, inbox):
    module = make_module("basics")
    a, _b = orgs
    bea = db.session.scalar(select(User).where(User.email == "bea@b.example"))
    attempt(bea, module, {"q1": "b", "q2": "b", "q3": "a"})  # work done before she was invited: 67%
    complete(bea, module, percent=67)
    cohort = make_cohort(a, "Autumn", modules=[(module, None)])
    control = make_cohort(a, "Control", modules=[(module, None)])
    auth.sign_in("manager@a.example")

    response = add(auth, "org-a", cohort, "bea@b.example\nnobody@c.example")
    assert response.status_code == 302
    words = flashed(client, f"/organisations/org-a/cohorts/{cohort.id}")
    add(auth, "org-a", control, "first@c.example\nsecond@c.example")
    assert flashed(client, f"/organisations/org-a/cohorts/{control.id}") == words == [
        "0 added, 2 invited, 0 already in the cohort",
        "2 invitations are being emailed: the list of invitations shows when each has gone.",
    ]
    # both addresses got the same invitation
    assert {m["To"] for m in inbox.messages} == {"bea@b.example", "nobody@c.example", "first@c.example",
                                                 "second@c.example"}
    bodies = [inbox.body(m).replace(m["To"], "") for m in inbox.to("bea@b.example") + inbox.to("nobody@c.example")]
    assert LINK.sub("LINK", bodies[0]) == LINK.sub("LINK", bodies[1])
    assert "Organisation A" in bodies[0] and "Autumn" in bodies[0] and "accept or" in bodies[0]
    # nothing about Bea reaches A until she accepts: not her name, her score, nor her membership
    assert db.session.scalar(select(func.count(CohortMember.id))) == 0
    seen = a_pages(client, cohort)
    assert "Bea From B" not in seen
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert seen.count("bea@b.example") == page.count("bea@b.example")  # only the typed address, on the list
    assert "Waiting" in page and "nobody@c.example" in page
    learners = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/learners.csv").get_data(as_text=True)
    assert len(learners.strip().splitlines()) == 1  # the header only

    # Bea follows her emailed link: she signs in first, sees what A will see, and accepts
    auth.sign_out()
    link = inbox.link(to="bea@b.example")
    page = client.get(link).get_data(as_text=True)
    assert "There is already an account with this email address" in page and 'name="password"' not in page
    assert "Forgot your password?" in page and 'href="/password-reset"' in page
    assert "Bea From B" not in page and "Organisation B" not in page  # the link holder learns nothing of the account
    assert sign_in_to(auth, "bea@b.example", link).headers["Location"] == link
    page = client.get(link).get_data(as_text=True)
    assert "you stay a member of Organisation B and do not become a member of Organisation A" in page
    assert "Title of basics" in page
    assert auth.post(link).status_code == 302
    assert db.session.scalar(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)) == bea.id
    assert set(db.session.scalars(select(Membership.organisation_id).where(Membership.user_id == bea.id))) == {_b.id}
    db.session.refresh(bea)
    assert bea.email_verified_at is not None  # the link was emailed to her: she proved the mailbox
    assert bea.name == "Bea From B"
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.accepted")))
    assert len(events) == 1 and events[0].details["email_verified"] is True and events[0].details["role"] is None

    # now A's managers see her, with the work she had already done (as the invitation page said)
    auth.sign_out()
    auth.sign_in("manager@a.example")
    assert "Bea From B" in a_pages(client, cohort)
    learners = client.get(f"/organisations/org-a/cohorts/{cohort.id}/dashboard/learners.csv").get_data(as_text=True)
    assert "Bea From B,bea@b.example,Completed," in learners and learners.strip().endswith(",67")


def test_the_invitation_page_says_who_invites_to_what_and_what_they_will_see(client, auth, orgs, inbox):
    a, _b = orgs
    first, second = make_module("basics"), make_module("risks")
    cohort = make_cohort(a, "Cross-government pilot", modules=[(first, None), (second, None)])
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "newcomer@c.example")
    auth.sign_out()
    page = client.get(inbox.link()).get_data(as_text=True)
    assert "<h1 class=\"heading-l\">Join “Cross-government pilot”</h1>" in page
    assert "Invited by" in page and "Organisation A" in page and "newcomer@c.example" in page
    assert "What Organisation A will see" in page
    for words in (
        "for the modules assigned to “Cross-government pilot” only",
        "your name and email address, and the date you joined",
        "your progress in each of these modules",
        "your best assessment score",
        "your answers to the assessment questions, as totals for the whole cohort",
        "This includes what you have already done in these modules before joining.",
        "They will not see anything about your other learning.",
        "you will also join Organisation A as a learner",
        "You can leave the programme at any time from My learning.",
    ):
        assert words in page, words
    assert '<li lang="en">Title of basics</li>' in page and '<li lang="en">Title of risks</li>' in page
    assert "Decline this invitation" in page


def test_a_new_person_creates_an_account_and_gets_a_home(client, auth, orgs, inbox):
    a, _b = orgs
    cohort = make_cohort(a, "Autumn")
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "newcomer@c.example")
    auth.sign_out()
    link = inbox.link()
    page = auth.post(link, {"name": "", "password": "short", "confirm": "other"}).get_data(as_text=True)
    summary = page[page.index("There is a problem") : page.index("</ul>", page.index("There is a problem"))]
    assert summary.index("Enter your full name") < summary.index("at least 12 characters") < summary.index(
        "do not match"
    )  # the page's order (name first), not the form class's
    assert "<title>Error:" in page
    response = auth.post(link, {"name": "Nia New", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "newcomer@c.example"))
    assert user.name == "Nia New" and user.email_verified_at is not None
    assert list(db.session.scalars(select(Membership.role).where(Membership.user_id == user.id))) == ["learner"]
    assert client.get(link).status_code == 404  # single use


def test_the_organisations_own_people_are_added_at_once_without_email(client, auth, orgs, inbox):
    a, _b = orgs
    cohort = make_cohort(a)
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "ann@a.example")
    assert flashed(client, f"/organisations/org-a/cohorts/{cohort.id}") == [
        "1 added, 0 invited, 0 already in the cohort"
    ]
    assert not inbox.messages and db.session.scalar(select(func.count(Invitation.id))) == 0
    assert "Ann From A" in client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)


def test_an_old_placeholder_account_counts_as_no_account_yet(client, auth, orgs, inbox):
    a, _b = orgs
    db.session.add(User(email="placeholder@a.example", name="Old Placeholder"))  # made by an earlier version
    db.session.commit()
    cohort = make_cohort(a)
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "placeholder@a.example")
    assert flashed(client, f"/organisations/org-a/cohorts/{cohort.id}") == [
        "0 added, 1 invited, 0 already in the cohort",
        "1 invitation is being emailed: the list of invitations shows when it has gone.",
    ]
    auth.sign_out()
    link = inbox.link()
    assert 'name="password"' in client.get(link).get_data(as_text=True)
    auth.post(link, {"name": "Pat Placeholder", "password": PASSWORD, "confirm": PASSWORD})
    user = db.session.scalar(select(User).where(User.email == "placeholder@a.example"))
    db.session.refresh(user)
    assert user.name == "Pat Placeholder" and user.check_password(PASSWORD)
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "placeholder@a.example")) == 1


def test_an_org_admin_invitation_makes_no_account_until_accepted(client, auth, orgs, inbox, make_user):
    a, _b = orgs
    make_user("admin@a.example", organisation=a, roles=("org_admin",))
    auth.sign_in("admin@a.example")
    auth.post("/organisations/org-a/people/invite", {"email": "boss@c.example", "name": "Bo Boss", "role": "manager"})
    assert db.session.scalar(select(User).where(User.email == "boss@c.example")) is None
    assert db.session.scalar(select(Invitation.name)) == "Bo Boss"
    page = client.get("/organisations/org-a/people").get_data(as_text=True)
    assert "boss@c.example" in page and "Bo Boss" in page
    auth.sign_out()
    assert 'value="Bo Boss"' in client.get(inbox.link()).get_data(as_text=True)  # the typed name, to correct


def test_declining_shares_nothing_and_the_manager_sees_declined(client, auth, orgs, inbox):
    a, _b = orgs
    cohort = make_cohort(a, "Autumn")
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "bea@b.example")
    auth.sign_out()
    link = inbox.link()
    confirm = client.get(f"{link}/decline")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Decline the invitation to “Autumn”?" in page and "nothing about you is shared with Organisation A" in page
    response = auth.post(f"{link}/decline")
    assert response.status_code == 200 and "Invitation declined" in response.get_data(as_text=True)
    invitation = db.session.scalar(select(Invitation))
    assert invitation.declined_at is not None and invitation.accepted_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.declined"))
    assert event.details == {"email": "bea@b.example"} and event.actor_id is None
    # the link no longer works, to accept or to decline again
    for path in (link, f"{link}/decline"):
        used = client.get(path)
        assert used.status_code == 404 and "This invitation link does not work" in used.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CohortMember.id))) == 0
    # the manager sees a declined address, never an account
    auth.sign_in("manager@a.example")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Declined" in page and "bea@b.example" in page and "Bea From B" not in page
    assert "Remove from the list" in page and ">Resend<" not in page
    for action in ("resend", "link"):  # the person said no: no new link
        assert auth.post(f"/organisations/org-a/invitations/{invitation.id}/{action}").status_code == 404
    assert len(inbox.messages) == 1
    auth.post(f"/organisations/org-a/invitations/{invitation.id}/cancel")
    assert "bea@b.example" not in client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)


def test_another_organisations_managers_cannot_see_or_touch_the_invitations(client, auth, orgs, inbox):
    a, _b = orgs
    cohort = make_cohort(a)
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "someone@c.example")
    invitation = db.session.scalar(select(Invitation))
    auth.sign_out()
    auth.sign_in("manager@b.example")
    assert client.get(f"/organisations/org-a/cohorts/{cohort.id}").status_code == 403
    assert client.get(f"/organisations/org-b/cohorts/{cohort.id}").status_code == 404
    for action in ("resend", "link", "cancel"):
        assert auth.post(f"/organisations/org-a/invitations/{invitation.id}/{action}").status_code == 403
        assert auth.post(f"/organisations/org-b/invitations/{invitation.id}/{action}").status_code == 404
    db.session.refresh(invitation)
    assert invitation.cancelled_at is None and invitation.link_copied_at is None and len(inbox.messages) == 1


def test_a_copied_link_never_verifies_so_a_manager_cannot_squat_an_address(client, auth, orgs, inbox):
    a, b = orgs
    cohort = make_cohort(a, "Autumn")
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "victim@b.example")
    emailed = db.session.scalar(select(Invitation))
    copied_page = auth.post(f"/organisations/org-a/invitations/{emailed.id}/link").get_data(as_text=True)
    assert "keeps an unconfirmed email address" in copied_page
    copied_link = LINK.search(copied_page).group(1)
    copied = db.session.scalar(select(Invitation).where(Invitation.cancelled_at.is_(None)))
    assert copied.link_copied_at is not None and copied.id != emailed.id
    # the manager accepts it themselves, as if they were the address's owner
    auth.sign_out()
    auth.post(copied_link, {"name": "Not Really Victim", "password": PASSWORD, "confirm": PASSWORD})
    squat = db.session.scalar(select(User).where(User.email == "victim@b.example"))
    assert squat is not None and squat.email_verified_at is None and not squat.is_email_verified
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.accepted"))
    assert event.details["email_verified"] is False and event.details["new_account"] is True
    # B's manager adds the address: it is emailed an invitation, and never attached to the squatted account
    auth.sign_out()
    auth.sign_in("manager@b.example")
    theirs = make_cohort(b, "B's programme")
    add(auth, "org-b", theirs, "victim@b.example")
    assert flashed(client, f"/organisations/org-b/cohorts/{theirs.id}") == [
        "0 added, 1 invited, 0 already in the cohort",
        "1 invitation is being emailed: the list of invitations shows when it has gone.",
    ]
    assert db.session.scalar(select(func.count(CohortMember.id)).where(CohortMember.cohort_id == theirs.id)) == 0
    assert "Not Really Victim" not in client.get(f"/organisations/org-b/cohorts/{theirs.id}").get_data(as_text=True)
    assert inbox.messages[-1]["To"] == "victim@b.example" and "Organisation B" in inbox.messages[-1]["Subject"]
    # the real owner, following that email, is told to sign in and offered a reset of the password
    auth.sign_out()
    page = client.get(inbox.link(to="victim@b.example")).get_data(as_text=True)
    assert "Sign in to accept" in page and "Forgot your password?" in page


def test_each_manager_may_send_a_limited_number_of_invitations_a_day(client, auth, orgs, inbox, app, make_user):
    a, _b = orgs
    app.config["INVITATIONS_PER_DAY"] = "2"
    make_user("other.manager@a.example", organisation=a, roles=("manager",))
    cohort = make_cohort(a)
    auth.sign_in("manager@a.example")
    typed = "one@c.example\ntwo@c.example\nthree@c.example"
    page = add(auth, "org-a", cohort, typed).get_data(as_text=True)
    assert "<title>Error:" in page and "There is a problem" in page
    assert "You can send at most 2 invitations in 24 hours and have 2 left." in page
    assert 'href="#emails"' in page and "one@c.example\ntwo@c.example\nthree@c.example</textarea>" in page
    assert db.session.scalar(select(func.count(Invitation.id))) == 0 and not inbox.messages
    assert add(auth, "org-a", cohort, "one@c.example\ntwo@c.example").status_code == 302
    # at the limit: no more invitations, resends or copied links, but the organisation's people still join
    page = add(auth, "org-a", cohort, "three@c.example\nann@a.example").get_data(as_text=True)
    assert "have 0 left" in page and db.session.scalar(select(func.count(CohortMember.id))) == 0
    assert add(auth, "org-a", cohort, "ann@a.example").status_code == 302
    assert db.session.scalar(select(func.count(CohortMember.id))) == 1
    first = db.session.scalar(select(Invitation).order_by(Invitation.id))
    for action in ("resend", "link"):
        auth.post(f"/organisations/org-a/invitations/{first.id}/{action}")
        assert "have 0 left" in flashed(client, f"/organisations/org-a/cohorts/{cohort.id}")[0]
    assert db.session.scalar(select(func.count(Invitation.id))) == 2 and len(inbox.messages) == 2
    # the limit is per manager, and counts the last 24 hours only
    auth.sign_out()
    auth.sign_in("other.manager@a.example")
    assert add(auth, "org-a", cohort, "three@c.example").status_code == 302
    for invitation in db.session.scalars(select(Invitation)):
        invitation.created_at -= timedelta(hours=25)
    db.session.commit()
    auth.sign_out()
    auth.sign_in("manager@a.example")
    assert add(auth, "org-a", cohort, "four@c.example\nfive@c.example").status_code == 302
    assert db.session.scalar(select(func.count(Invitation.id))) == 5


def test_the_org_admins_invitations_count_towards_the_limit(client, auth, orgs, inbox, app, make_user):
    a, _b = orgs
    app.config["INVITATIONS_PER_DAY"] = "1"
    make_user("admin@a.example", organisation=a, roles=("org_admin",))
    auth.sign_in("admin@a.example")
    auth.post("/organisations/org-a/people/invite", {"email": "one@c.example", "role": "learner"})
    page = auth.post(
        "/organisations/org-a/people/invite", {"email": "two@c.example", "name": "Kept Name", "role": "learner"}
    ).get_data(as_text=True)
    assert "<title>Error:" in page and "You can send at most 1 invitations in 24 hours" in page
    assert 'value="Kept Name"' in page and 'value="two@c.example"' in page
    assert db.session.scalar(select(func.count(Invitation.id))) == 1


def accept_as(auth, link: str, email: str) -> None:
    sign_in_to(auth, email, link)
    assert auth.post(link).status_code == 302


def test_leaving_a_programme_stops_the_organiser_seeing_new_work(client, auth, orgs, inbox):
    a, b = orgs
    module = make_module("basics")
    cohort = make_cohort(a, "Autumn", modules=[(module, None)])
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "bea@b.example")
    auth.sign_out()
    accept_as(auth, inbox.link(), "bea@b.example")
    bea = db.session.scalar(select(User).where(User.email == "bea@b.example"))
    attempt(bea, module, {"q1": "b", "q2": "b", "q3": "a"})  # while a member: A counts her answers
    assert answers_counted(cohort) == 3
    page = client.get("/my-learning").get_data(as_text=True)
    assert "Programmes you have joined" in page and "Autumn" in page and "Organisation A" in page
    confirm = client.get(f"/my-learning/programmes/{cohort.id}/leave").get_data(as_text=True)
    assert "Leave “Autumn”?" in confirm and "no longer see your progress" in confirm
    response = auth.post(f"/my-learning/programmes/{cohort.id}/leave")
    assert response.status_code == 302 and response.headers["Location"] == "/my-learning"
    assert "You have left “Autumn”" in client.get("/my-learning").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.member_left"))
    assert event.actor_id == bea.id and event.organisation_id == a.id
    assert auth.post(f"/my-learning/programmes/{cohort.id}/leave").status_code == 404  # left already
    # her new work reaches her own organisation, not the organiser
    attempt(bea, module, {"q1": "b", "q2": "b", "q3": "a"})
    complete(bea, module, percent=67)
    auth.sign_out()
    auth.sign_in("manager@a.example")
    seen = a_pages(client, cohort)
    assert "Bea From B" not in seen and "bea@b.example" not in seen
    assert len(csv_of(client, cohort, "questions").strip().splitlines()) == 1  # the header: no answers
    assert answers_counted(cohort) == 0  # her answers left with her, and the new ones never came
    assert "Title of basics,,0,0,0,0," in csv_of(client, cohort, "modules")  # nobody, nothing counted
    auth.sign_out()
    auth.sign_in("manager@b.example")
    coverage = client.get("/organisations/org-b/dashboard/coverage.csv").get_data(as_text=True)
    assert "Title of basics,1,2,1," in coverage  # edition 1, two people, one completed (Bea)


def test_after_removal_the_organiser_sees_nothing_new_and_the_home_view_is_unchanged(client, auth, orgs, inbox):
    a, b = orgs
    module = make_module("basics")
    cohort = make_cohort(a, "Autumn", modules=[(module, None)])
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "bea@b.example")
    auth.sign_out()
    accept_as(auth, inbox.link(), "bea@b.example")
    bea = db.session.scalar(select(User).where(User.email == "bea@b.example"))
    auth.sign_out()
    auth.sign_in("manager@a.example")
    auth.post(f"/organisations/org-a/cohorts/{cohort.id}/members/{bea.id}/remove")
    complete(bea, module, percent=67)
    seen = a_pages(client, cohort)
    assert "Bea From B" not in seen and "bea@b.example" not in seen
    auth.sign_out()
    auth.sign_in("manager@b.example")
    assert "Title of basics,1,2,1," in client.get("/organisations/org-b/dashboard/coverage.csv").get_data(as_text=True)
    auth.sign_out()
    auth.sign_in("bea@b.example")
    assert "Programmes you have joined" not in client.get("/my-learning").get_data(as_text=True)


def test_only_members_of_another_organisations_cohort_can_leave_it(client, auth, orgs):
    a, _b = orgs
    ann = db.session.scalar(select(User).where(User.email == "ann@a.example"))
    own = make_cohort(a, "Own", members=[ann])
    assert client.get(f"/my-learning/programmes/{own.id}/leave").headers["Location"].startswith("/sign-in")
    auth.sign_in("ann@a.example")
    assert "Programmes you have joined" not in client.get("/my-learning").get_data(as_text=True)
    assert client.get(f"/my-learning/programmes/{own.id}/leave").status_code == 404  # her organisation's cohort
    assert auth.post(f"/my-learning/programmes/{own.id}/leave").status_code == 404
    auth.sign_out()
    auth.sign_in("bea@b.example")
    assert auth.post(f"/my-learning/programmes/{own.id}/leave").status_code == 404  # not a member
    assert db.session.scalar(select(CohortMember.removed_at)) is None


def test_accepting_into_an_existing_account_never_changes_its_password_or_name(client, auth, orgs, inbox):
    a, _b = orgs
    cohort = make_cohort(a, "Autumn")
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "bea@b.example")
    auth.sign_out()
    link = inbox.link()
    response = auth.post(link, {"name": "Mallory", "password": "a takeover password", "confirm": "a takeover password"})
    assert response.status_code == 200 and db.session.scalar(select(Invitation.accepted_at)) is None
    auth.sign_in("ann@a.example")  # someone else signed in is told to sign out first
    page = client.get(link).get_data(as_text=True)
    assert "you are signed in with another account" in page and "Accept and join" not in page
    assert auth.post(link).status_code == 200 and db.session.scalar(select(Invitation.accepted_at)) is None
    auth.sign_out()
    accept_as(auth, link, "bea@b.example")
    bea = db.session.scalar(select(User).where(User.email == "bea@b.example"))
    db.session.refresh(bea)
    assert bea.name == "Bea From B" and bea.check_password("correct horse battery")


def test_accepting_declining_and_leaving_each_commit_once(client, auth, orgs, inbox):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    counted: list[object] = []

    def count(connection) -> None:  # noqa: ANN001
        counted.append(connection)

    def commits(request, status: tuple[int, ...] = (200, 302)) -> int:  # noqa: ANN001 - one request
        counted.clear()
        event.listen(Engine, "commit", count)
        try:
            assert request().status_code in status
        finally:
            event.remove(Engine, "commit", count)
        return len(counted)

    a, _b = orgs
    cohort = make_cohort(a, "Autumn")
    auth.sign_in("manager@a.example")
    add(auth, "org-a", cohort, "newcomer@c.example\nbea@b.example")
    auth.sign_out()
    new, bea = inbox.link(to="newcomer@c.example"), inbox.link(to="bea@b.example")
    assert commits(lambda: auth.post(f"{new}/decline")) == 1
    sign_in_to(auth, "bea@b.example", bea)
    assert commits(lambda: auth.post(bea)) == 1
    assert commits(lambda: auth.post(f"/my-learning/programmes/{cohort.id}/leave")) == 1
    # a link that no longer works writes nothing
    assert commits(lambda: auth.post(f"{new}/decline"), status=(404,)) == 0

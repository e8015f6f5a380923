"""Site administrators' people pages (/admin/people): search, memberships, deactivation, reset links and
site administration with its last-administrator rule (also under eight concurrent revokes)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, func, select

from literacy.admin import people
from literacy.admin.people import Outcome
from literacy.cohorts.dashboards import cohort_dashboard
from literacy.extensions import db, writing
from literacy.models import AuditEvent, User, UserSession

from .cohorts_support import complete, make_cohort, make_module
from .conftest import Auth
from .support.mail import mail_config
from .test_races import all_at_once, post_all, signed_in

ADMIN = "admin@example.org"


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox)


@pytest.fixture
def admin(make_user):
    return make_user(ADMIN, name="Ada Admin", site_admin=True)


def fresh(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def found(term: str) -> list[str]:
    return [user.email for user in db.session.scalars(people.search(term))]


def test_search_finds_names_and_emails_ignoring_case(app, make_user, admin):
    make_user("sam.jones@example.org", name="Sam Jones")
    make_user("ffion@gov.wales", name="Ffion Ap Rhys")
    make_user("under_score@example.org", name="Percent 100% Sure")
    assert found("JONES") == ["sam.jones@example.org"]
    assert found("ap rhys") == ["ffion@gov.wales"]
    assert found("GOV.WALES") == ["ffion@gov.wales"]
    assert found("100%") == ["under_score@example.org"], "a typed % is matched as itself"
    assert found("t_1") == [], "a typed _ is not a wildcard"
    assert found("r_s") == ["under_score@example.org"]
    assert found("") == [ADMIN, "ffion@gov.wales", "under_score@example.org", "sam.jones@example.org"]


def test_the_people_page_shows_matches_with_memberships_in_a_fixed_number_of_queries(
    app, client, auth, admin, make_user, make_organisation
):
    first, second = make_organisation("org-a", "Agency A"), make_organisation("org-b", "Bureau B")
    for n in range(12):
        make_user(f"learner{n}@example.org", name=f"Learner {n:02d}", organisation=first)
    make_user("both@example.org", name="Learner Both", organisation=second, roles=("manager", "learner"))
    auth.sign_in(ADMIN)

    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        page = client.get("/admin/people?q=LEARNER")
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "13 accounts match" in text
    assert "Bureau B: Learner, Manager" in text and "Agency A: Learner" in text
    membership_queries = [s for s in statements if "FROM membership JOIN organisation" in s]
    assert len(membership_queries) == 1, "one query for the memberships of the whole page"

    both_id = db.session.scalar(select(User.id).where(User.email == "both@example.org"))
    memberships = people.memberships([admin.id, both_id])
    assert list(memberships) == [both_id], "no row for someone without an organisation"
    both = memberships[both_id]
    assert [b.organisation.slug for b in both] == ["org-b"] and both[0].roles == ["learner", "manager"]


def test_a_person_page_lists_their_organisations_and_roles(app, client, auth, admin, make_user, make_organisation):
    organisation = make_organisation("org-a", "Agency A")
    person = make_user("sam@example.org", name="Sam Jones", organisation=organisation, roles=("org_admin",))
    auth.sign_in(ADMIN)
    text = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "<h1 class=\"heading-l\">Sam Jones</h1>" in text
    assert "Agency A" in text and "Organisation administrator" in text
    assert client.get("/admin/people/999999").status_code == 404


def test_deactivating_ends_sessions_refuses_sign_in_keeps_history_and_past_figures(
    app, client, auth, admin, make_user, make_organisation
):
    organisation = make_organisation("org-a")
    learner = make_user("sam@example.org", name="Sam Jones", organisation=organisation)
    module = make_module("basics")
    cohort = make_cohort(organisation, members=[learner], modules=[(module, date(2026, 12, 31))])
    complete(learner, module)
    before = cohort_dashboard(cohort, date(2026, 12, 1)).headline

    theirs = app.test_client()
    Auth(theirs).sign_in("sam@example.org")
    assert theirs.get("/my-learning").status_code == 200

    auth.sign_in(ADMIN)
    response = auth.post(f"/admin/people/{learner.id}/deactivate")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/people/{learner.id}")
    assert "cannot sign in" in client.get(response.headers["Location"]).get_data(as_text=True)

    assert not fresh(learner.id).is_enabled
    assert theirs.get("/my-learning").status_code == 302, "their session ended"
    assert db.session.scalar(
        select(func.count(UserSession.id)).where(UserSession.user_id == learner.id, UserSession.ended_at.is_(None))
    ) == 0
    assert Auth(app.test_client()).sign_in("sam@example.org").status_code == 200, "sign-in refused"
    after = cohort_dashboard(cohort, date(2026, 12, 1)).headline
    assert after == before and after["completed"] == 1, "their history still counts"
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.deactivated"))
    assert event_.actor_id == admin.id and event_.target_id == str(learner.id)

    again = auth.post(f"/admin/people/{learner.id}/deactivate")
    assert "already deactivated" in client.get(again.headers["Location"]).get_data(as_text=True)
    auth.post(f"/admin/people/{learner.id}/reactivate")
    assert fresh(learner.id).is_enabled
    assert Auth(app.test_client()).sign_in("sam@example.org").status_code == 302


def test_an_administrator_cannot_deactivate_themselves_or_the_last_administrator(app, client, auth, admin):
    auth.sign_in(ADMIN)
    response = auth.post(f"/admin/people/{admin.id}/deactivate")
    assert "cannot deactivate your own account" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert fresh(admin.id).is_enabled
    with writing():
        other = User(email="other@example.org", name="Other", is_site_admin=True)
        db.session.add(other)
        db.session.flush()
        db.session.commit()
    assert people.set_enabled(fresh(other.id), fresh(admin.id), False) is Outcome.CHANGED
    assert people.set_enabled(fresh(admin.id), fresh(other.id), False) is Outcome.LAST_ADMIN
    db.session.rollback()


def test_a_reset_link_is_emailed_and_works(app, client, auth, admin, make_user, inbox):
    person = make_user("sam@example.org", name="Sam Jones")
    auth.sign_in(ADMIN)
    response = auth.post(f"/admin/people/{person.id}/password-reset")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A password reset link is being emailed to sam@example.org" in page
    assert "Password reset link" in page and "Sent " in page  # the person's messages, with the real status
    link = inbox.link(to="sam@example.org", path="/password-reset/")
    assert app.test_client().get(link).status_code == 200
    assert "administrator asked us" in inbox.body(inbox.to("sam@example.org")[-1])
    sent = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.password_reset_sent"))
    assert sent.actor_id == admin.id

    waiting = User(email="new@example.org", name="Not Yet")
    db.session.add(waiting)
    db.session.commit()
    response = auth.post(f"/admin/people/{waiting.id}/password-reset")
    assert "has no password to reset yet" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not inbox.to("new@example.org")


def test_granting_and_revoking_site_administration(app, client, auth, admin, make_user):
    person = make_user("sam@example.org", name="Sam Jones")
    auth.sign_in(ADMIN)
    auth.post(f"/admin/people/{person.id}/site-admin/grant")
    assert fresh(person.id).is_site_admin
    auth.post(f"/admin/people/{admin.id}/site-admin/revoke")
    assert not fresh(admin.id).is_site_admin
    assert client.get("/admin/people").status_code == 403, "no longer an administrator"

    theirs = app.test_client()
    sam = Auth(theirs)
    sam.sign_in("sam@example.org")
    response = sam.post(f"/admin/people/{person.id}/site-admin/revoke")
    assert "must keep at least one site administrator" in theirs.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert fresh(person.id).is_site_admin
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("admin.site_admin_granted") == 1 and actions.count("admin.site_admin_revoked") == 1


def test_eight_administrators_revoking_at_once_leave_one(app, make_user):
    """Eight site administrators each revoke the next one at the same moment: the admins' rows are locked
    (PostgreSQL) or the writers queue (SQLite), so the last administrator always stays."""
    admins = [make_user(f"admin{n}@example.org", name=f"Admin {n}", site_admin=True) for n in range(8)]
    ids = [admin.id for admin in admins]

    def revoke(index: int) -> Outcome:
        with app.app_context(), writing():  # its own session, ended with the context
            actor = db.session.get(User, ids[index])
            target = db.session.get(User, ids[(index + 1) % len(ids)])
            outcome = people.set_site_admin(actor, target, False)
            db.session.commit()
            return outcome

    outcomes = all_at_once(len(ids), revoke)
    db.session.expire_all()
    left = db.session.scalar(select(func.count(User.id)).where(User.is_site_admin.is_(True)))
    assert left == 1, outcomes
    assert outcomes.count(Outcome.LAST_ADMIN) + outcomes.count(Outcome.UNCHANGED) >= 1
    assert outcomes.count(Outcome.CHANGED) == 7
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "admin.site_admin_revoked")
    ) == 7


def test_two_administrators_revoking_each_other_through_the_pages_leave_one(app, make_user):
    make_user("ada@example.org", name="Ada", site_admin=True)
    make_user("bob@example.org", name="Bob", site_admin=True)
    ids = {
        email: db.session.scalar(select(User.id).where(User.email == email))
        for email in ("ada@example.org", "bob@example.org")
    }
    browsers = signed_in(app, "ada@example.org", 4) + signed_in(app, "bob@example.org", 4)
    targets = [ids["bob@example.org"]] * 4 + [ids["ada@example.org"]] * 4
    outcomes = post_all(browsers, lambda index: f"/admin/people/{targets[index]}/site-admin/revoke")
    assert {status for status, _location, _page in outcomes} <= {302, 403}, outcomes
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id)).where(User.is_site_admin.is_(True))) == 1


@pytest.mark.parametrize("role", ["org_admin", "manager", "learner"])
def test_people_pages_are_refused_to_everyone_but_site_administrators(
    app, client, auth, admin, make_user, make_organisation, role
):
    organisation = make_organisation("org-a")
    make_user("someone@example.org", organisation=organisation, roles=(role,))
    auth.sign_in("someone@example.org")
    assert client.get("/admin/people").status_code == 403
    assert client.get(f"/admin/people/{admin.id}").status_code == 403
    for action in ("deactivate", "reactivate", "password-reset", "site-admin/grant", "site-admin/revoke"):
        assert auth.post(f"/admin/people/{admin.id}/{action}").status_code == 403, action
    assert fresh(admin.id).is_enabled and fresh(admin.id).is_site_admin


def test_people_pages_send_anonymous_people_to_sign_in(app, client, admin):
    for path in ("/admin/people", f"/admin/people/{admin.id}", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path

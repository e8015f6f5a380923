"""Running a programme: cohorts, members by paste or CSV, assignments, removal with history, roles, audit."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from literacy.cohorts import roster, service
from literacy.extensions import db
from literacy.models import AuditEvent, Cohort, CohortAssignment, CohortMember, Invitation, Membership, User
from literacy.organisations import invitations

from .cohorts_support import complete, make_cohort, make_module, make_people, typed


@pytest.fixture
def org(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", name="Mina Manager", organisation=organisation, roles=("manager",))
    make_user("admin@a.example", name="Ada Admin", organisation=organisation, roles=("org_admin",))
    return organisation


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_manager_creates_and_edits_a_cohort(client, auth, org):
    auth.sign_in("manager@a.example")
    response = auth.post(
        "/organisations/org-a/cohorts/new",
        {
            "name": " Autumn 2026 ",
            **typed("starts_on", "1 11 2026"),
            **typed("ends_on", "31 1 2027"),
            "description": "Pilot",
        },
    )
    cohort = db.session.scalar(select(Cohort))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    assert (cohort.name, cohort.starts_on, cohort.description) == ("Autumn 2026", date(2026, 11, 1), "Pilot")
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Autumn 2026" in page and "1 November 2026" in page
    auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/edit",
        {"name": "Autumn", **typed("starts_on", "  "), **typed("ends_on", "  ")},
    )
    db.session.refresh(cohort)
    assert cohort.name == "Autumn" and cohort.starts_on is None
    assert actions() == ["cohort.created", "cohort.updated"]
    assert "Autumn" in client.get("/organisations/org-a/cohorts").get_data(as_text=True)


def test_cohort_form_errors_keep_what_was_typed(client, auth, org):
    make_cohort(org, "Taken")
    auth.sign_in("manager@a.example")
    page = auth.post(
        "/organisations/org-a/cohorts/new",
        {
            "name": "Taken",
            **typed("starts_on", "1 12 2026"),
            **typed("ends_on", "1 11 2026"),
            "description": "Kept text",
        },
    ).get_data(as_text=True)
    assert "<title>Error:" in page and "There is a problem" in page
    assert "The end date must be the same as or after the start date" in page
    assert "Kept text" in page and 'value="Taken"' in page
    page = auth.post("/organisations/org-a/cohorts/new", {"name": "Taken"}).get_data(as_text=True)
    assert "There is already a cohort with this name" in page
    page = auth.post("/organisations/org-a/cohorts/new", {"name": ""}).get_data(as_text=True)
    assert "Enter a name for the cohort" in page
    assert db.session.scalar(select(func.count(Cohort.id))) == 1


def test_pasted_emails_add_the_organisations_people_and_invite_the_rest(
    client, auth, org, make_organisation, make_user
):
    other = make_organisation("org-b", "Organisation B")
    make_user("known@a.example", name="Known Person", organisation=org)
    make_user("visitor@b.example", name="From B", organisation=other)
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    response = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/members/add",
        {"emails": "Known@a.example\n\nvisitor@b.example; new.person@a.example\n"},
    )
    assert response.status_code == 302
    members = set(db.session.scalars(select(User.email).join(CohortMember, CohortMember.user_id == User.id)))
    assert members == {"known@a.example"}  # another organisation's account is invited, never added at once
    invited = {i.email: i for i in db.session.scalars(select(Invitation))}
    assert set(invited) == {"visitor@b.example", "new.person@a.example"}
    assert all(i.cohort_id == cohort.id and len(i.token_hash) == 64 for i in invited.values())
    # nobody gets an account from an invitation, and the visitor stays a member of their home organisation only
    assert db.session.scalar(select(User).where(User.email == "new.person@a.example")) is None
    roles = set(
        db.session.scalars(select(Membership.organisation_id).join(User).where(User.email == "visitor@b.example"))
    )
    assert roles == {other.id}
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "1 added, 2 invited, 0 already in the cohort" in page
    assert "new.person@a.example" in page and "visitor@b.example" in page and "From B" not in page
    assert "cohort.members_added" in actions() and "invitation.created" in actions()
    # adding the same list again: the member is "already", the others are invited again (new links)
    auth.post(f"/organisations/org-a/cohorts/{cohort.id}/members/add", {"emails": "known@a.example\nvisitor@b.example"})
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "0 added, 1 invited, 1 already in the cohort" in page


def test_csv_upload_with_bad_rows_lists_them_and_adds_nobody(client, auth, org):
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    upload = b"name,email\nGood One,good@a.example\nNo Email,\nBad,not-an-email\nTwice,good@a.example\n"
    page = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/members/add",
        {"upload": (io.BytesIO(upload), "people.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "<title>Error:" in page
    assert "Line 3 has no email address" in page
    assert "Line 4: “not-an-email” is not an email address" in page
    assert "Line 5: “good@a.example” appears more than once" in page
    assert db.session.scalar(select(func.count(CohortMember.id))) == 0
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert db.session.scalar(select(User).where(User.email == "good@a.example")) is None


def test_a_good_csv_upload_uses_names(client, auth, org):
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    upload = b"email,name\nrhian@a.example,Rhian Jones\n"
    auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/members/add",
        {"upload": (io.BytesIO(upload), "people.csv")},
        content_type="multipart/form-data",
    )
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.name) == ("rhian@a.example", "Rhian Jones")  # kept for the page
    assert db.session.scalar(select(User).where(User.email == "rhian@a.example")) is None
    assert "Rhian Jones" in client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)


def test_empty_submission_is_an_error(client, auth, org):
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    page = auth.post(f"/organisations/org-a/cohorts/{cohort.id}/members/add", {"emails": "  "}).get_data(as_text=True)
    assert "Enter at least one email address, or choose a CSV file" in page


def test_parsers_report_line_numbers():
    parsed = roster.parse_pasted("a@x.example\nbroken\n\nb@x.example, a@x.example")
    assert [c.email for c in parsed.candidates] == ["a@x.example", "b@x.example"]
    assert [(p.line, p.code) for p in parsed.problems] == [(2, "email_invalid"), (4, "duplicate")]
    parsed = roster.parse_csv(b"Ann,ann@x.example\nBob,bob@x.example\n")
    assert [(c.line, c.name, c.email) for c in parsed.candidates] == [
        (1, "Ann", "ann@x.example"),
        (2, "Bob", "bob@x.example"),
    ]
    assert roster.parse_csv(b"\xff\xfe\x00").problems[0].code == "not_csv"


def test_removing_a_member_keeps_their_history(client, auth, org):
    people = make_people(org, 2)
    module = make_module("basics")
    cohort = make_cohort(org, members=people, modules=[(module, None)])
    complete(people[0], module)
    auth.sign_in("manager@a.example")
    response = auth.post(f"/organisations/org-a/cohorts/{cohort.id}/members/{people[0].id}/remove")
    assert response.status_code == 302
    row = db.session.scalar(select(CohortMember).where(CohortMember.user_id == people[0].id))
    assert row.removed_at is not None
    assert db.session.get(User, people[0].id) is not None
    from literacy.models import ModuleCompletion

    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1
    assert "Learner 000" not in client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert auth.post(f"/organisations/org-a/cohorts/{cohort.id}/members/{people[0].id}/remove").status_code == 404
    assert actions()[-1] == "cohort.member_removed"
    # adding them again brings the same row back
    service.add_members(db.session.get(User, 1), cohort, roster.parse_pasted(people[0].email).candidates)
    db.session.commit()
    db.session.refresh(row)
    assert row.removed_at is None


def test_assigning_modules_with_due_dates(client, auth, org):
    module = make_module("basics")
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    assert "Title of basics" in client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/assignments",
        {"module": str(module.id), **typed("due_on", "12 12 2030")},
    )
    assignment = db.session.scalar(select(CohortAssignment))
    assert assignment.due_on == date(2030, 12, 12)
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert "12 December 2030" in page
    page = auth.post(f"/organisations/org-a/cohorts/{cohort.id}/assignments", {"module": ""}).get_data(as_text=True)
    assert "Select a module" in page and "<title>Error:" in page
    auth.post(f"/organisations/org-a/cohorts/{cohort.id}/assignments/{module.id}/remove")
    assert db.session.scalar(select(func.count(CohortAssignment.id))) == 0
    assert actions() == ["cohort.module_assigned", "cohort.module_unassigned"]


def test_another_organisations_module_cannot_be_assigned(client, auth, org, make_organisation):
    other = make_organisation("org-b")
    private = make_module("private", organisation=other)
    cohort = make_cohort(org)
    auth.sign_in("manager@a.example")
    page = auth.post(f"/organisations/org-a/cohorts/{cohort.id}/assignments", {"module": str(private.id)})
    assert page.status_code == 200 and "Not a valid choice" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CohortAssignment.id))) == 0


def test_org_admin_changes_roles_and_keeps_an_administrator(client, auth, org):
    person = make_people(org, 1)[0]
    admin = db.session.scalar(select(User).where(User.email == "admin@a.example"))
    auth.sign_in("admin@a.example")
    page = client.get("/organisations/org-a/people").get_data(as_text=True)
    assert "Change roles" in page
    auth.post(f"/organisations/org-a/people/{person.id}/roles", {"roles": ["learner", "manager"]})
    assert set(db.session.scalars(select(Membership.role).where(Membership.user_id == person.id))) == {
        "learner",
        "manager",
    }
    page = auth.post(f"/organisations/org-a/people/{admin.id}/roles", {"roles": ["learner"]}).get_data(as_text=True)
    assert "The organisation must keep at least one administrator" in page and "<title>Error:" in page
    page = auth.post(f"/organisations/org-a/people/{person.id}/roles", {}).get_data(as_text=True)
    assert "Select at least one role" in page
    assert actions() == ["organisation.roles_changed"]


def test_org_admin_cannot_change_people_of_another_organisation(client, auth, org, make_organisation, make_user):
    other = make_organisation("org-b")
    stranger = make_user("stranger@b.example", organisation=other)
    auth.sign_in("admin@a.example")
    assert client.get(f"/organisations/org-a/people/{stranger.id}/roles").status_code == 404
    assert auth.post(f"/organisations/org-a/people/{stranger.id}/roles", {"roles": ["org_admin"]}).status_code == 404


def test_a_manager_cannot_manage_roles(client, auth, org):
    person = make_people(org, 1)[0]
    auth.sign_in("manager@a.example")
    assert client.get(f"/organisations/org-a/people/{person.id}/roles").status_code == 403
    assert client.get("/organisations/org-a/people/invite").status_code == 403


# --- access: every cohort and organisation URL, refused to outsiders --------------------------------------


@pytest.fixture
def urls(org, make_organisation, make_user):
    make_user("learner@a.example", organisation=org, roles=("learner",))
    make_user("trainer@a.example", organisation=org, roles=("trainer",))
    other = make_organisation("org-b", "Organisation B")
    make_user("manager@b.example", organisation=other, roles=("manager",))
    make_user("admin@b.example", organisation=other, roles=("org_admin",))
    person = make_people(org, 1)[0]
    module = make_module("basics")
    cohort = make_cohort(org, members=[person], modules=[(module, None)])
    invitation, _token = invitations.invite_person(db.session.get(User, 1), org, "someone@a.example", "", "learner")
    db.session.commit()
    base = f"/organisations/org-a/cohorts/{cohort.id}"
    gets = [
        "/organisations/org-a/",
        "/organisations/org-a/people",
        "/organisations/org-a/people/invite",
        f"/organisations/org-a/people/{person.id}/roles",
        "/organisations/org-a/dashboard/coverage.csv",
        "/organisations/org-a/dashboard/cohorts.csv",
        "/organisations/org-a/dashboard/elsewhere.csv",
        "/organisations/org-a/cohorts",
        "/organisations/org-a/cohorts/new",
        base,
        f"{base}/edit",
        f"{base}/members/add",
        f"{base}/dashboard",
        *[
            f"{base}/dashboard/{name}.csv"
            for name in (
                "modules",
                "scores",
                "weeks",
                "gain",
                "refresh",
                "questions",
                "options",
                "calibration",
                "learners",
            )
        ],
    ]
    posts = [
        "/organisations/org-a/cohorts/new",
        f"{base}/edit",
        f"{base}/members/add",
        f"{base}/members/{person.id}/remove",
        f"{base}/assignments",
        f"{base}/assignments/{module.id}/remove",
        f"/organisations/org-a/invitations/{invitation.id}/resend",
        f"/organisations/org-a/invitations/{invitation.id}/link",
        f"/organisations/org-a/invitations/{invitation.id}/cancel",
        f"/organisations/org-a/people/{person.id}/roles",
        "/organisations/org-a/people/invite",
    ]
    return gets, posts


ADMIN_ONLY = ("/people",)


@pytest.mark.parametrize("email", ["manager@b.example", "admin@b.example", "learner@a.example", "trainer@a.example"])
def test_every_url_is_refused_to_outsiders_and_learners(client, auth, urls, email):
    gets, posts = urls
    auth.sign_in(email)
    for path in gets:
        assert client.get(path).status_code == 403, path
    for path in posts:
        assert auth.post(path, {"name": "x", "emails": "x@a.example", "roles": ["org_admin"]}).status_code == 403, path
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1  # only the fixture's invitation


def test_every_url_sends_anonymous_people_to_sign_in(client, urls):
    gets, posts = urls
    for path in gets:
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next="), path


def test_managers_see_every_page_and_people_pages_are_for_admins(client, auth, urls):
    gets, _posts = urls
    auth.sign_in("manager@a.example")
    for path in gets:
        expected = 403 if "/people" in path else 200
        assert client.get(path).status_code == expected, path
    auth.sign_out()
    auth.sign_in("admin@a.example")
    for path in gets:
        assert client.get(path).status_code == 200, path


def test_another_organisations_cohort_is_not_found_through_mine(client, auth, org, make_organisation):
    other = make_organisation("org-b")
    theirs = make_cohort(other, "Theirs")
    auth.sign_in("manager@a.example")
    assert client.get(f"/organisations/org-a/cohorts/{theirs.id}").status_code == 404
    assert client.get(f"/organisations/org-a/cohorts/{theirs.id}/dashboard").status_code == 404
    assert client.get(f"/organisations/org-b/cohorts/{theirs.id}").status_code == 403


def test_long_lists_of_members_and_people_come_in_pages_of_fifty(client, auth, org):
    people = make_people(org, 51)
    cohort = make_cohort(org, "Everyone", members=people)
    auth.sign_in("admin@a.example")
    for first, second in ((f"/organisations/org-a/cohorts/{cohort.id}", "Learner 050"),
                          ("/organisations/org-a/people", "Mina Manager")):
        page = client.get(first).get_data(as_text=True)
        assert "Page 1 of 2" in page and "Next page" in page and "Previous page" not in page
        assert second not in page
        later = client.get(f"{first}?page=2").get_data(as_text=True)
        assert "Page 2 of 2" in later and "Previous page" in later and second in later

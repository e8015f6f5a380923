"""The signed-in home page leads each role to its job (issue 18): a learner's work in order, a manager's
cohorts with members and overdue members, a trainer's drafts and modules, a site administrator's list of
what needs attention; each section only for a role the person holds, with only their organisation's rows."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.i18n import today as site_today
from literacy.learning import my_learning as my_learning_service
from literacy.models import IdentityProvider, Invitation, Module, User, utcnow
from literacy.organisations import dashboard
from literacy.publishing import sync_courses

from .authoring_support import make_draft
from .cohorts_support import make_cohort
from .quiz_support import complete_lessons, text_of
from .support.modules import write_module
from .test_learning import count_queries


@pytest.fixture
def courses(tmp_path, app):
    root = tmp_path / "courses"
    root.mkdir()
    for slug in ("overdue", "soon", "later", "started", "undated", "opened", "done"):
        write_module(root, slug, lessons=2, questions=0, title=f"Module {slug}")
    sync_courses(root)
    return root


@pytest.fixture
def places(make_organisation, make_user):
    """Two organisations, each with a manager, a trainer and learners; cohorts in both."""
    own = make_organisation("own", "Own council")
    other = make_organisation("other", "Other council")
    people = {
        "learner": make_user("learner@own.example", name="Lee Learner", organisation=own),
        "late": make_user("late@own.example", name="Lou Late", organisation=own),
        "manager": make_user("manager@own.example", name="Mo Manager", organisation=own, roles=("manager",)),
        "trainer": make_user("trainer@own.example", name="Tia Trainer", organisation=own, roles=("trainer",)),
        "both": make_user("both@own.example", name="Bo Both", organisation=own, roles=("manager", "trainer")),
        "admin": make_user("admin@example.org", name="Ada Admin", site_admin=True),
        "stranger": make_user("manager@other.example", organisation=other, roles=("manager", "trainer")),
    }
    return own, other, people


def module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def test_anonymous_visitors_keep_the_introduction(client):
    page = text_of(client.get("/").get_data(as_text=True))
    assert "Who it is for" in page and "Sign in" in page
    assert "Your learning" not in page and "Cohorts you manage" not in page


def test_a_learners_work_comes_in_order(courses, client, auth, places):
    own, _other, people = places
    learner = people["learner"]
    today = site_today()
    make_cohort(own, "Autumn", [learner], [
        (module("later"), today + timedelta(days=20)),
        (module("overdue"), today - timedelta(days=2)),
        (module("soon"), today + timedelta(days=3)),
        (module("undated"), None),
        (module("done"), today + timedelta(days=1)),
    ])
    auth.sign_in(learner.email)
    complete_lessons(auth, "done", 2)
    auth.post("/modules/started/lesson-1/complete")  # not assigned, something completed
    client.get("/modules/opened/lesson-2")  # not assigned, only opened
    client.get("/modules/later/lesson-2")  # assigned and only opened: still in due-date order

    steps = my_learning_service.next_steps(my_learning_service.my_learning(learner, "en", today))
    assert [step.module.slug for step in steps] == ["overdue", "soon", "later", "started", "undated", "opened"]
    html = client.get("/").get_data(as_text=True)
    page = text_of(html)
    assert "Who it is for" not in page and "Find a module to start" not in page
    assert re.search(r'<p class="lead">Next: <span lang="en">Module overdue</span> <strong class="tag tag--red">'
                     r"Overdue</strong>", html)
    assert '<a class="button" href="/modules/overdue">Start' in html
    listed = html[html.index('id="to-do"'):]
    positions = [listed.index(f'href="/modules/{slug}" lang="en"') for slug in
                 ("overdue", "soon", "later", "started", "undated", "opened")]
    assert positions == sorted(positions)
    assert 'href="/modules/done" lang="en"' not in listed  # validly completed: nothing to do
    assert '<a href="/modules/started/lesson-2">Continue with Lesson 2 title</a>' in listed
    assert "You have completed 1 of the 5 modules assigned to you." in page
    # a learner sees nobody's cohorts, drafts or the administrators' list
    assert "Autumn" not in page.replace("Assigned by Autumn", "")
    assert "Cohorts" not in page and "Modules you write" not in page and "needs attention" not in page
    assert "/cohorts/" not in html and "/author/" not in html


def test_a_learner_with_nothing_to_do_is_offered_the_catalogue(courses, client, auth, places):
    auth.sign_in(places[2]["learner"].email)
    html = client.get("/").get_data(as_text=True)
    assert '<a class="button" href="/modules">Find a module to start</a>' in html


def test_a_manager_sees_their_cohorts_with_members_and_overdue_members(courses, client, auth, places):
    own, other, people = places
    today = site_today()
    autumn = make_cohort(
        own, "Autumn", [people["learner"], people["late"]], [(module("overdue"), today - timedelta(days=1))]
    )
    spring = make_cohort(own, "Spring", [people["learner"]], [(module("soon"), today + timedelta(days=5))])
    theirs = make_cohort(other, "Their secret cohort", [people["stranger"]])
    auth.sign_in(people["learner"].email)
    complete_lessons(auth, "overdue", 2)  # one of Autumn's two members is no longer overdue
    auth.sign_out()
    auth.sign_in(people["manager"].email)

    html = client.get("/").get_data(as_text=True)
    page = text_of(html)
    # nothing is assigned to the manager: their cohorts come first, the catalogue is a plain link at the end
    assert page.index("Cohorts you manage") < page.index("Your learning") < page.index("Find a module to start")
    assert '<a href="/modules">Find a module to start</a>' in html and 'class="button" href="/modules"' not in html
    row = html[html.index(f'href="/organisations/own/cohorts/{autumn.id}">Autumn</a>'):]
    row = row[: row.index("</tr>")]
    assert re.search(r'<td class="numeric">2</td>\s*<td class="numeric"><strong class="tag tag--red">1 overdue', row)
    row = html[html.index(f'href="/organisations/own/cohorts/{spring.id}">Spring</a>'):]
    assert re.search(r'<td class="numeric">1</td>\s*<td class="numeric">0</td>', row[: row.index("</tr>")])
    # the same figures as the organisation dashboard's
    figures = dashboard.cohort_figures([autumn.id, spring.id], today, utcnow())
    assert (figures[autumn.id]["members"], figures[autumn.id]["overdue"]) == (2, 1)
    # another organisation's cohorts never
    assert "Their secret cohort" not in page and f"/cohorts/{theirs.id}" not in html
    assert "/organisations/other" not in html
    assert "Modules you write" not in page and "needs attention" not in page
    assert 'href="/organisations/own/cohorts/new"' in html


def test_the_manager_of_an_archived_organisation_sees_no_cohorts(courses, client, auth, places):
    own, _other, people = places
    make_cohort(own, "Autumn", [people["learner"]])
    own.archived_at = utcnow()
    db.session.commit()
    auth.sign_in(people["manager"].email)
    page = text_of(client.get("/").get_data(as_text=True))
    assert "Cohorts you manage" not in page and "Autumn" not in page


def test_a_trainer_sees_their_drafts_and_modules_only(courses, client, auth, places):
    own, other, people = places
    make_draft(own, people["trainer"], "our-draft", "Our draft")
    make_draft(other, people["stranger"], "their-draft", "Their draft")
    auth.sign_in(people["trainer"].email)
    html = client.get("/").get_data(as_text=True)
    page = text_of(html)
    assert "Modules you write" in page
    assert '<a href="/author/own/modules/our-draft">Our draft</a>' in html and "Draft" in page
    assert "Their draft" not in page and "their-draft" not in html
    assert "Cohorts you manage" not in page and "needs attention" not in page


def test_a_person_with_several_roles_sees_each_section(courses, client, auth, places):
    own, _other, people = places
    make_cohort(own, "Autumn", [people["learner"]])
    make_draft(own, people["both"], "our-draft", "Our draft")
    auth.sign_in(people["both"].email)
    page = text_of(client.get("/").get_data(as_text=True))
    assert "Your learning" in page and "Cohorts you manage" in page and "Autumn" in page
    assert "Modules you write" in page and "Our draft" in page and "needs attention" not in page


def test_a_site_administrator_sees_what_needs_attention(courses, client, auth, places, monkeypatch):
    own, other, people = places
    now = utcnow()
    for email, expires, accepted in (("new@own.example", now + timedelta(days=3), None),
                                     ("gone@own.example", now - timedelta(days=1), None),
                                     ("in@own.example", now + timedelta(days=3), now)):
        db.session.add(Invitation(token_hash=email.ljust(64, "x")[:64], email=email, organisation_id=own.id,
                                  expires_at=expires, accepted_at=accepted))
    people["late"].is_enabled = False
    other.sso_required = True  # and no sign-in option at all
    monkeypatch.delenv("LITERACY_SSO_OWN_SECRET", raising=False)
    db.session.add(IdentityProvider(organisation_id=own.id, name="Own login", issuer="https://login.own.example",
                                    client_id="literacy", client_secret_env="LITERACY_SSO_OWN_SECRET",
                                    email_domains=["own.example"]))
    db.session.commit()

    auth.sign_in(people["admin"].email)
    html = client.get("/").get_data(as_text=True)
    page = text_of(html)
    assert "Site administration: what needs attention" in page
    assert "2 active" in page
    assert re.search(r'<a href="/organisations/own/people">Own council</a>: 1</li>', html)  # one waiting, not expired
    assert f'<a href="/admin/people/{people["late"].id}">Lou Late</a> (late@own.example)' in html
    assert "Other council : work accounts are required but no sign-in option is switched on" in page
    assert "the sign-in option Own login needs the environment variable LITERACY_SSO_OWN_SECRET" in page
    monkeypatch.setenv("LITERACY_SSO_OWN_SECRET", "set")
    other.sso_required = False
    db.session.commit()
    assert "No problems found" in text_of(client.get("/").get_data(as_text=True))


def test_nobody_else_sees_the_administrators_list(courses, client, auth, places):
    own, _other, people = places
    people["late"].is_enabled = False
    db.session.commit()
    for who in ("learner", "manager", "trainer"):
        auth.sign_in(people[who].email)
        page = text_of(client.get("/").get_data(as_text=True))
        assert "needs attention" not in page and "Lou Late" not in page and "Accounts switched off" not in page
        auth.sign_out()


def test_the_home_page_costs_a_fixed_number_of_statements(courses, app, client, auth, places):
    own, _other, people = places
    auth.sign_in(people["learner"].email)
    client.get("/")
    learner_home = count_queries(app, lambda: client.get("/"))
    mine = count_queries(app, lambda: client.get("/my-learning"))
    assert len(learner_home) == len(mine), "\n".join(learner_home)  # the learner's home reads what My learning does
    auth.sign_out()
    auth.sign_in(people["both"].email)
    make_cohort(own, "One", [people["learner"]], [(module("soon"), None)])
    client.get("/")
    few = count_queries(app, lambda: client.get("/"))
    for number in range(4):
        make_cohort(own, f"More {number}", [people["learner"], people["late"]], [(module("overdue"), site_today())])
        make_draft(own, people["both"], f"draft-{number}", f"Draft {number}")
    many = count_queries(app, lambda: client.get("/"))
    assert len(many) == len(few), "\n".join(many)  # whatever the number of cohorts, members and drafts
    assert db.session.get(User, people["both"].id)


def test_every_section_speaks_welsh(courses, client, auth, places, monkeypatch):
    own, other, people = places
    late = [(module("overdue"), site_today() - timedelta(days=1))]
    make_cohort(own, "Autumn", [people["learner"], people["late"]], late)  # both members overdue
    make_draft(own, people["both"], "our-draft", "Our draft")
    people["late"].is_enabled = False
    other.sso_required = True
    people["both"].is_site_admin = True
    for person in people.values():
        person.locale = "cy"
    db.session.commit()
    auth.sign_in(people["learner"].email)
    page = text_of(client.get("/").get_data(as_text=True))
    assert "Eich dysgu" in page and "Nesaf:" in page and "Eich gwaith, yn ei drefn" in page and "Dechrau" in page
    assert "Your learning" not in page and "Assigned by" not in page
    auth.sign_out()
    auth.sign_in(people["both"].email)
    page = text_of(client.get("/").get_data(as_text=True))
    for welsh in ("Y carfanau rydych chi'n eu rheoli", "2 yn hwyr", "Y modiwlau rydych chi'n eu hysgrifennu",
                  "Gweinyddu'r safle: beth sydd angen sylw", "Cyfrifon wedi'u diffodd", "Mewngofnodi â chyfrif gwaith",
                  "does dim dewis mewngofnodi wedi'i droi ymlaen"):
        assert welsh in page, welsh
    for english in ("Cohorts you manage", "Modules you write", "what needs attention", "Accounts switched off",
                    "no sign-in option", "Find a module to start"):
        assert english not in page, english

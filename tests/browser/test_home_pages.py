"""The signed-in home page of each role (issue 18) in a real browser: a learner, a manager who is also a
trainer, and a site administrator, in English and in Welsh, on a desktop and on a 375 px phone: no axe
violations, the page never wider than the phone, and the green button going to the right place."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from literacy import summaries
from literacy.extensions import db
from literacy.i18n import today
from literacy.models import Invitation, Lesson, LessonProgress, Membership, Module, Organisation, User, utcnow
from literacy.publishing import sync_courses

from ..authoring_support import make_draft
from ..cohorts_support import make_cohort
from .conftest import assert_no_axe_violations

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def site(live_server):
    with live_server.app.app_context():
        report = sync_courses(Path(live_server.app.config["COURSES_DIR"]))
        assert not report.problems, report.problems
        organisation = Organisation(slug="council", name="Cyngor Sir Enghraifft")
        other = Organisation(slug="other", name="Another council", sso_required=True)
        db.session.add_all([organisation, other])
        db.session.flush()
        people = {}
        for key, name, roles, admin in (
            ("learner", "Lee Learner", ("learner",), False),
            ("both", "Bo Both", ("manager", "trainer"), False),
            ("admin", "Ada Admin", (), True),
            ("off", "Owen Off", ("learner",), False),
        ):
            person = User(email=f"{key}@council.example", name=name, is_site_admin=admin, is_enabled=key != "off")
            person.set_password(PASSWORD)
            db.session.add(person)
            db.session.flush()
            db.session.add_all(
                Membership(user_id=person.id, organisation_id=organisation.id, role=role) for role in roles
            )
            people[key] = person
        db.session.add(Invitation(token_hash="a" * 64, email="new@council.example", organisation_id=organisation.id,
                                  expires_at=utcnow() + timedelta(days=7)))
        db.session.commit()
        modules = {module.slug: module for module in db.session.scalars(select(Module))}
        make_cohort(organisation, "Autumn", [people["learner"], people["off"]], [
            (modules["ai-basics"], today() - timedelta(days=2)),
            (modules["managing-bias"], today() + timedelta(days=10)),
        ])
        make_cohort(organisation, "Spring", [people["learner"]])
        first = modules["procuring-ai"]
        lesson = db.session.scalar(
            select(Lesson.slug).where(Lesson.version_id == first.current_version_id).order_by(Lesson.position)
        )
        now = utcnow()
        db.session.add(LessonProgress(user_id=people["learner"].id, module_id=first.id, lesson_slug=lesson,
                                      started_at=now, completed_at=now, version_id=first.current_version_id))
        summaries.refresh_learner(people["learner"].id, first.id)
        db.session.commit()
        make_draft(organisation, people["both"], "our-module", "Our own module")
    return people


def sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def check_both_widths(page, paths: tuple[str, ...] = ("/",)) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        for path in paths:
            page.goto(path)
            assert_no_axe_violations(page)
            if size is PHONE:
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], f"{path} is {width} px wide on a phone"
    page.goto("/")


def in_welsh(page) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("button", name="Cymraeg").click()


@pytest.mark.parametrize("who", ["learner", "both", "admin"])
def test_each_roles_home_page_has_no_axe_violations_in_english_and_welsh(page, site, who):
    sign_in(page, f"{who}@council.example")
    paths = ("/", "/my-learning") if who == "learner" else ("/",)  # My learning's Start and Continue links too
    check_both_widths(page, paths)
    main = page.locator("main")
    assert main.get_by_text("Who it is for").count() == 0
    if who == "learner":
        button = main.locator("a.button").first
        assert button.get_attribute("href") == "/modules/ai-basics"  # the overdue assignment first
        assert main.locator(".tag--red", has_text="Overdue").count() >= 1
    if who == "both":
        cohort = main.get_by_role("link", name="Autumn").get_attribute("href")
        assert cohort.startswith("/organisations/council/cohorts/")
        assert main.get_by_role("link", name="Our own module").count() == 1
    if who == "admin":
        assert main.get_by_role("link", name="Owen Off").count() == 1
        assert main.get_by_text("no sign-in option is switched on").count() == 1
    in_welsh(page)
    check_both_widths(page, paths)
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("main h2", has_text="Eich dysgu").count() == 1


def test_the_anonymous_home_page_keeps_who_it_is_for(page, site):
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto("/")
        assert page.locator("main").get_by_text("Who it is for").count() == 1
        assert_no_axe_violations(page)

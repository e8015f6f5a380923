"""Pages with tables on a 375 px phone: the page never scrolls sideways (a wide table scrolls inside its own
focusable, named region instead), long unbroken strings wrap, and axe finds nothing at 375 px and on a desktop.

The data is made to be awkward: long names and module titles, long email addresses, a cohort with four
modules assigned, and an error message that echoes a 300-character unbroken string.
"""

from __future__ import annotations

from datetime import date

import pytest

from literacy import audit
from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import Membership, Organisation, User

from ..cohorts_support import attempt, complete, make_cohort, make_module, make_people, visit
from .conftest import assert_no_axe_violations

PASSWORD = "correct horse battery"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
LONG_NAME = "Gwenllian Angharad Llewellyn-Fitzgerald-Montgomery ap Rhys"
UNBROKEN = "x" * 300


@pytest.fixture
def awkward_site(live_server):
    """A site administrator who is also the organisation's administrator, a member of its cohort and a learner."""
    with live_server.app.app_context():
        org = Organisation(slug="dept", name="Department for Extremely Long Organisation Names and Acronyms")
        db.session.add(org)
        db.session.flush()
        boss = User(email="boss@dept.example", name=LONG_NAME, is_site_admin=True)
        boss.set_password(PASSWORD)
        db.session.add(boss)
        db.session.flush()
        db.session.add(Membership(user_id=boss.id, organisation_id=org.id, role="org_admin"))
        db.session.commit()
        people = make_people(org, 6, prefix="a-remarkably-long-local-part-of-an-email-address")
        for person in people:
            person.name = f"{LONG_NAME} {person.id}"
        modules = [make_module(slug, organisation=org if slug == "ethics" else None)
                   for slug in ("ethics", "basics", "law", "safety")]
        for module in modules:
            module.current_version.texts = {"en": {"title": f"Using generative AI safely at work: {module.slug}"}}
        db.session.commit()
        cohort = make_cohort(org, "Autumn cohort of the central policy and digital teams", [boss, *people],
                             [(module, date(2026, 12, 20)) for module in modules])
        for number, person in enumerate([boss, *people]):
            for module in modules[:2]:
                visit(person, module)
                attempt(person, module, {"q1": "b", "q2": "ab"[number % 2], "q3": "b"})
                if number % 2 == 0:
                    certificates.issue(complete(person, module, percent=80))
        audit.record(boss, org, "cohort.members_added", cohort, name=cohort.name, emails=f"{UNBROKEN}@dept.example")
        db.session.commit()
        return {"cohort": cohort.id, "person": people[0].id, "boss": boss.id}


def sign_in(page) -> None:
    page.goto("/sign-in")
    page.fill("#email", "boss@dept.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Sign in").click()


def paths(site: dict) -> list[str]:
    cohort = site["cohort"]
    return [
        f"/organisations/dept/cohorts/{cohort}/dashboard",
        "/organisations/dept/",
        f"/organisations/dept/cohorts/{cohort}",
        "/organisations/dept/cohorts",
        "/organisations/dept/people",
        "/organisations/dept/audit",
        "/my-learning",
        "/admin/",
        "/admin/people",
        f"/admin/people/{site['person']}",
        "/admin/organisations/dept",
        "/admin/audit",
        "/author/",
        "/author/modules/basics/statistics",
    ]


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def too_wide(page) -> list[str]:
    """The innermost elements that reach past the viewport's right edge: what to fix when a page is too wide."""
    return page.evaluate(
        """() => [...document.body.querySelectorAll('*')].filter(element =>
            element.getBoundingClientRect().right > innerWidth + 0.5
            && ![...element.children].some(child => child.getBoundingClientRect().right > innerWidth + 0.5)
            && !element.closest('.table-scroll, .visually-hidden')
        ).slice(0, 5).map(element => element.outerHTML.slice(0, 160))"""
    )


def assert_tables_in_named_regions(page) -> None:
    """Every table sits directly in a focusable region named by the table's own caption."""
    problems = page.evaluate(
        """() => [...document.querySelectorAll('main table')].flatMap(table => {
            const box = table.parentElement;
            const label = document.getElementById((box.getAttribute('aria-labelledby') || '').split(' ')[0]);
            const ok = box.matches('.table-scroll[role=region][tabindex="0"]') && label
                && table.caption === label && label.textContent.trim() !== '';
            return ok ? [] : [table.outerHTML.slice(0, 120)];
        })"""
    )
    assert problems == [], f"{page.url}: {problems}"


def open_every_details(page) -> None:
    """Charts' data tables sit in closed details; open them all, so that they are measured and checked too."""
    page.evaluate("document.querySelectorAll('details').forEach(details => { details.open = true; })")


def test_no_page_scrolls_sideways_on_a_phone(page, awkward_site):
    sign_in(page)
    page.set_viewport_size(PHONE)
    for path in paths(awkward_site):
        page.goto(path)
        open_every_details(page)
        assert page.locator("main table").count() > 0, path
        assert page_width(page) <= PHONE["width"], f"{path} is {page_width(page)} px wide: {too_wide(page)}"
        assert_tables_in_named_regions(page)
        assert_no_axe_violations(page)


def test_the_same_pages_have_no_axe_violations_on_a_desktop(page, awkward_site):
    sign_in(page)
    page.set_viewport_size(DESKTOP)
    for path in paths(awkward_site):
        page.goto(path)
        open_every_details(page)
        assert_tables_in_named_regions(page)
        assert_no_axe_violations(page)


def test_a_wide_table_scrolls_in_its_own_region_by_keyboard(page, awkward_site):
    sign_in(page)
    page.set_viewport_size(PHONE)
    page.goto(f"/organisations/dept/cohorts/{awkward_site['cohort']}/dashboard")
    region = page.locator(".table-scroll", has=page.locator("caption", has_text="Learners"))
    sizes = region.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert sizes[0] > sizes[1], "the learners' table should be wider than a phone"
    region.focus()
    assert region.evaluate("box => box === document.activeElement")
    assert region.evaluate("box => box.scrollLeft") == 0
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    # Chromium animates keyboard scrolling, so on a busy machine the first frames may not have run yet
    page.wait_for_function("box => box.scrollLeft > 0", arg=region.element_handle(), timeout=5000)
    # the header stays where it was: only the region moved
    assert page.evaluate("window.scrollX") == 0


def test_a_long_unbroken_string_in_an_error_wraps(page, awkward_site):
    sign_in(page)
    page.set_viewport_size(PHONE)
    page.goto(f"/organisations/dept/cohorts/{awkward_site['cohort']}/members/add")
    page.locator("textarea").first.fill(f"{UNBROKEN}\nann@dept.example")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert page.locator(".error-summary").count() == 1
    assert UNBROKEN in page.locator(".error-summary").inner_text()
    assert page_width(page) <= PHONE["width"], f"{page_width(page)} px wide: {too_wide(page)}"
    assert_no_axe_violations(page)

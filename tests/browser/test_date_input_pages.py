"""The date inputs in Chromium, at desktop width and on a 375 px phone: day, month and year boxes on the
assign-module and cohort forms, axe-clean with and without errors; a mistyped date (the 31/02/2027 that
Chromium's own date field turned into "no date") is refused and the stored due date is unchanged; the error
summary's link takes focus to the wrong box; a past due date is saved only once confirmed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from literacy.extensions import db
from literacy.models import Cohort, CohortAssignment

from .conftest import assert_no_axe_violations
from .test_cohort_pages import programme, sign_in  # noqa: F401 - the fixture and the sign-in step

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
STORED_DUE = date(2026, 11, 20)  # the programme fixture's due date for "basics"


def due_dates(live_server, cohort_id: int) -> dict[int, date | None]:
    with live_server.app.app_context():
        rows = db.session.execute(
            select(CohortAssignment.module_id, CohortAssignment.due_on).where(CohortAssignment.cohort_id == cohort_id)
        )
        return {module_id: due_on for module_id, due_on in rows}


def fill_date(page, field: str, day: str, month: str, year: str) -> None:
    for part, text in (("day", day), ("month", month), ("year", year)):
        page.fill(f"#{field}-{part}", text)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_mistyped_due_date_is_refused_and_the_stored_one_kept(page, live_server, programme, width):  # noqa: F811
    page.set_viewport_size(WIDTHS[width])
    sign_in(page)
    cohort = programme["cohort"]
    before = due_dates(live_server, cohort)
    assert STORED_DUE in before.values()
    page.goto(f"/organisations/org-a/cohorts/{cohort}")
    assert page.get_by_role("group", name="Due date").is_visible()
    assert page.get_by_label("Day").get_attribute("inputmode") == "numeric"
    assert_no_axe_violations(page)
    page.select_option("#module", label="Title of basics")
    fill_date(page, "due_on", "31", "02", "2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign module").click()
    assert page.title().startswith("Error:")
    assert due_dates(live_server, cohort) == before
    summary = page.locator(".error-summary")
    assert summary.is_visible() and summary.evaluate("e => e === document.activeElement")
    assert page.locator("#due_on-error").inner_text().endswith("Due date must be a real date")
    assert [page.input_value(f"#due_on-{part}") for part in ("day", "month", "year")] == ["31", "02", "2027"]
    assert_no_axe_violations(page)
    assert no_sideways_scroll(page)
    summary.get_by_role("link", name="Due date must be a real date").click()
    assert page.evaluate("document.activeElement.id") == "due_on-day"
    # a missing year, then letters: each refused with its own words, nothing saved
    fill_date(page, "due_on", "1", "12", "")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign module").click()
    assert "Due date must include a year" in summary.inner_text()
    assert page.locator("#due_on-year").get_attribute("class").split().count("input--error") == 1
    fill_date(page, "due_on", "1", "Dec", "2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign module").click()
    assert "Due date must be a real date" in summary.inner_text()
    assert due_dates(live_server, cohort) == before


@pytest.mark.parametrize("width", WIDTHS)
def test_a_past_due_date_is_saved_only_once_confirmed(page, live_server, programme, width):  # noqa: F811
    page.set_viewport_size(WIDTHS[width])
    sign_in(page)
    cohort = programme["cohort"]
    before = due_dates(live_server, cohort)
    page.goto(f"/organisations/org-a/cohorts/{cohort}")
    page.select_option("#module", label="Title of basics")
    fill_date(page, "due_on", "3", "3", "2020")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign module").click()
    assert page.title().startswith("Error:") and due_dates(live_server, cohort) == before
    confirm = page.get_by_label("Yes, the due date is 3 March 2020, which has passed")
    assert confirm.is_visible() and not confirm.is_checked()
    assert_no_axe_violations(page)
    assert no_sideways_scroll(page)
    page.locator(".error-summary").get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "confirm_past"
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.get_by_role("button", name="Assign module").click()
    assert "Title of basics assigned, due 3 March 2020" in page.locator(".notification").inner_text()
    assert date(2020, 3, 3) in due_dates(live_server, cohort).values()
    assert_no_axe_violations(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_cohort_form_refuses_a_bad_start_date_and_keeps_everything(page, live_server, programme, width):  # noqa: F811
    page.set_viewport_size(WIDTHS[width])
    sign_in(page)
    cohort = programme["cohort"]
    page.goto(f"/organisations/org-a/cohorts/{cohort}/edit")
    assert_no_axe_violations(page)
    fill_date(page, "starts_on", "30", "2", "2027")
    page.fill("#description", "Kept as typed")
    with page.expect_navigation():
        page.get_by_role("button", name="Save cohort").click()
    assert page.title().startswith("Error:")
    assert page.locator(".error-summary a").get_attribute("href") == "#starts_on-day"
    assert page.input_value("#description") == "Kept as typed"
    assert page.input_value("#starts_on-day") == "30"
    with live_server.app.app_context():
        assert db.session.scalar(select(Cohort.starts_on).where(Cohort.id == cohort)) == date(2026, 11, 1)  # as it was
    assert_no_axe_violations(page)
    assert no_sideways_scroll(page)
    fill_date(page, "starts_on", "1", "3", "2027")
    with page.expect_navigation():
        page.get_by_role("button", name="Save cohort").click()
    assert "1 March 2027" in page.locator("main").inner_text()
    with live_server.app.app_context():
        assert db.session.scalar(select(Cohort.starts_on).where(Cohort.id == cohort)) == date(2027, 3, 1)

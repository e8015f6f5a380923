"""Dates typed as day, month and year (issue 18): a typo never changes a stored date, every mistake has its
own words and links to the box that is wrong, what was typed stays; errors are named in aria-describedby;
long names are refused with the limit, never cut."""

from __future__ import annotations

import io
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from literacy.cohorts.forms import DUE_DATE
from literacy.date_input import YEAR_DIGITS, read_date
from literacy.extensions import db
from literacy.models import AuditEvent, Cohort, CohortAssignment, CohortMember, Invitation

from .cohorts_support import make_cohort, make_module, typed

STORED_DUE = date(2030, 12, 31)
STORED_START = date(2027, 1, 4)


class Elements(HTMLParser):
    """Every element's attributes (``all``, with its tag), those with an id by id, and the error summary's links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.all: list[dict[str, str]] = []
        self.by_id: dict[str, dict[str, str]] = {}
        self.tags: dict[str, str] = {}
        self.summary_links: list[str] = []
        self._in_summary = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.all.append(values | {"tag": tag})
        if "id" in values:
            self.by_id[values["id"]] = values
            self.tags[values["id"]] = tag
        if "error-summary" in values.get("class", "").split():
            self._in_summary = True
        elif self._in_summary and tag == "a":
            self.summary_links.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self._in_summary:
            self._in_summary = False

    def described_by(self, element_id: str) -> list[str]:
        return self.by_id[element_id].get("aria-describedby", "").split()


def fieldset_of(elements: Elements, field: str) -> dict[str, str]:
    """The date input's fieldset: the one element whose aria-describedby names the field's hint."""
    found = [attrs for attrs in elements.all if f"{field}-hint" in attrs.get("aria-describedby", "").split()]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def org(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", name="Mina Manager", organisation=organisation, roles=("manager",))
    return organisation


@pytest.fixture
def assigned(org):
    """A cohort (starting 4 January 2027) with a module due on 31 December 2030."""
    module = make_module("basics")
    cohort = make_cohort(org, "Autumn", [], [(module, STORED_DUE)])
    cohort.starts_on = STORED_START
    db.session.commit()
    return cohort, module


def stored_due(cohort: Cohort) -> date | None:
    db.session.expire_all()
    return db.session.scalar(select(CohortAssignment.due_on).where(CohortAssignment.cohort_id == cohort.id))


def stored_start(cohort: Cohort) -> date | None:
    db.session.expire_all()
    return db.session.scalar(select(Cohort.starts_on).where(Cohort.id == cohort.id))


# --- reading the three boxes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "month", "year", "message", "wrong"),
    [
        ("31", "2", "2027", DUE_DATE.real, ("day",)),
        ("29", "2", "2027", DUE_DATE.real, ("day",)),
        ("31", "2", "", DUE_DATE.year, ("year",)),
        ("", "", "2027", DUE_DATE.day_month, ("day", "month")),
        ("", "3", "", DUE_DATE.day_year, ("day", "year")),
        ("4", "", "", DUE_DATE.month_year, ("month", "year")),
        ("", "3", "2027", DUE_DATE.day, ("day",)),
        ("4", "", "2027", DUE_DATE.month, ("month",)),
        ("ten", "3", "2027", DUE_DATE.real, ("day",)),
        ("4", "March", "2027", DUE_DATE.real, ("month",)),
        ("4", "13", "2027", DUE_DATE.real, ("month",)),
        ("4", "3", "27", YEAR_DIGITS, ("year",)),
        ("4", "3", "20277", YEAR_DIGITS, ("year",)),
        ("4", "3", "２０２７", DUE_DATE.real, ("year",)),  # full-width digits are not ASCII digits
        ("1", "1", "0000", DUE_DATE.real, ("year",)),
        ("9" * 5000, "3", "2027", DUE_DATE.real, ("day",)),  # longer than int() reads: a message, not a 500
        ("4", "1" * 5000, "2027", DUE_DATE.real, ("month",)),
    ],
)
def test_each_mistake_has_its_own_message_and_wrong_boxes(app, day, month, year, message, wrong):
    reading = read_date({"day": day, "month": month, "year": year}, DUE_DATE)
    assert reading.value is None and reading.message is message and reading.wrong == wrong


def test_real_dates_are_read_and_empty_means_no_date(app):
    assert read_date({"day": "29", "month": "02", "year": "2028"}, DUE_DATE).value == date(2028, 2, 29)
    assert read_date({"day": "5", "month": "1", "year": "2027"}, DUE_DATE).value == date(2027, 1, 5)
    empty = read_date({"day": "", "month": "", "year": ""}, DUE_DATE)
    assert (empty.value, empty.message) == (None, None)


# --- the assign-module form ---------------------------------------------------------------------------

BAD_DUE_DATES = {
    "an impossible date": ("31 2 2027", "Due date must be a real date", "due_on-day"),
    "no year": ("31 12 ", "Due date must include a year", "due_on-year"),
    "letters": ("1 Dec 2027", "Due date must be a real date", "due_on-month"),
    "a two-digit year": ("1 12 27", "The year must include 4 numbers", "due_on-year"),
    "a past date not confirmed": ("3 3 2020", "The due date, 3 March 2020, has already passed", "confirm_past"),
}


@pytest.mark.parametrize("case", BAD_DUE_DATES)
def test_a_bad_due_date_never_changes_the_stored_one(client, auth, assigned, case):
    cohort, module = assigned
    text, message, target = BAD_DUE_DATES[case]
    auth.sign_in("manager@a.example")
    response = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/assignments", {"module": str(module.id), **typed("due_on", text)}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error:" in page and "There is a problem" in page
    assert stored_due(cohort) == STORED_DUE
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "cohort.module_assigned")) == 0
    )
    elements = Elements(page)
    assert elements.summary_links == [f"#{target}"] and target in elements.by_id
    assert page.count(message) == 2  # in the summary and next to the field
    day, month, year = (text.split(" ") + ["", "", ""])[:3]
    assert [elements.by_id[f"due_on-{part}"]["value"] for part in ("day", "month", "year")] == [day, month, year]
    assert elements.by_id[f"due_on-{'day'}"]["inputmode"] == "numeric"
    if target != "confirm_past":
        assert "input--error" in elements.by_id[target]["class"]
    assert "Success" not in page


def test_the_error_and_hint_are_named_in_aria_describedby(client, auth, assigned):
    cohort, module = assigned
    auth.sign_in("manager@a.example")
    page = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/assignments", {"module": "", **typed("due_on", "31 2 2027")}
    ).get_data(as_text=True)
    elements = Elements(page)
    assert elements.summary_links == ["#module", "#due_on-day"]
    assert elements.described_by("module") == ["module-error"] and elements.tags["module-error"] == "p"
    fieldset = fieldset_of(elements, "due_on")
    assert fieldset["tag"] == "fieldset" and fieldset["role"] == "group"
    assert fieldset["aria-describedby"].split() == ["due_on-hint", "due_on-error"]
    assert "15 1 2027" in page and "Leave all three boxes empty for no due date" in page
    assert stored_due(cohort) == STORED_DUE


def test_a_past_due_date_is_saved_once_confirmed_for_that_date(client, auth, assigned):
    cohort, module = assigned
    auth.sign_in("manager@a.example")
    url = f"/organisations/org-a/cohorts/{cohort.id}/assignments"
    past = date.today() - timedelta(days=40)
    other = past - timedelta(days=1)
    page = auth.post(url, {"module": str(module.id), **typed("due_on", f"{past.day} {past.month} {past.year}")})
    elements = Elements(page.get_data(as_text=True))
    assert (
        elements.by_id["confirm_past"]["value"] == past.isoformat() and "checked" not in elements.by_id["confirm_past"]
    )
    assert elements.described_by("confirm_past") == ["confirm_past-hint", "confirm_past-error"]
    assert stored_due(cohort) == STORED_DUE
    # a tick given for one past date does not confirm another
    fields = {"module": str(module.id), "confirm_past": past.isoformat()}
    auth.post(url, fields | typed("due_on", f"{other.day} {other.month} {other.year}"))
    assert stored_due(cohort) == STORED_DUE
    response = auth.post(url, fields | typed("due_on", f"{past.day} {past.month} {past.year}"))
    assert response.status_code == 302 and stored_due(cohort) == past


def test_a_valid_due_date_saves_and_says_what_was_saved(client, auth, assigned):
    cohort, module = assigned
    auth.sign_in("manager@a.example")
    url = f"/organisations/org-a/cohorts/{cohort.id}/assignments"
    spaced = {"due_on-day": " 7", "due_on-month": "03 ", "due_on-year": " 2031 "}  # spaces and a leading zero
    response = auth.post(url, {"module": str(module.id), **spaced}, follow_redirects=True)
    assert stored_due(cohort) == date(2031, 3, 7)
    assert "Title of basics assigned, due 7 March 2031" in response.get_data(as_text=True)
    page = client.get(f"/organisations/org-a/cohorts/{cohort.id}").get_data(as_text=True)
    assert [Elements(page).by_id[f"due_on-{part}"]["value"] for part in ("day", "month", "year")] == ["", "", ""]


def test_leaving_all_three_boxes_empty_is_no_due_date_and_says_so(client, auth, assigned):
    cohort, module = assigned
    auth.sign_in("manager@a.example")
    url = f"/organisations/org-a/cohorts/{cohort.id}/assignments"
    response = auth.post(url, {"module": str(module.id), **typed("due_on", "")}, follow_redirects=True)
    assert stored_due(cohort) is None
    assert "Title of basics assigned with no due date" in response.get_data(as_text=True)


# --- the cohort form ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "target"),
    [
        ("31 2 2027", "Start date must be a real date", "starts_on-day"),
        ("4 1 ", "Start date must include a year", "starts_on-year"),
        ("four 1 2027", "Start date must be a real date", "starts_on-day"),
        (" 1 2027", "Start date must include a day", "starts_on-day"),
    ],
)
def test_a_bad_start_date_never_changes_the_stored_one(client, auth, assigned, text, message, target):
    cohort, _module = assigned
    auth.sign_in("manager@a.example")
    page = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/edit",
        {"name": "Renamed", **typed("starts_on", text), "description": "Kept", "renewal_days": "30"},
    ).get_data(as_text=True)
    assert stored_start(cohort) == STORED_START
    assert db.session.scalar(select(Cohort.name).where(Cohort.id == cohort.id)) == "Autumn"
    elements = Elements(page)
    assert elements.summary_links == [f"#{target}"] and page.count(message) == 2
    assert "input--error" in elements.by_id[target]["class"]
    assert elements.by_id["starts_on-day"]["value"] == text.split(" ")[0]
    assert fieldset_of(elements, "starts_on")["aria-describedby"].split() == ["starts_on-hint", "starts_on-error"]
    assert 'value="Renamed"' in page and "Kept</textarea>" in page


def test_the_edit_form_shows_the_stored_dates_and_a_valid_one_saves(client, auth, assigned):
    cohort, _module = assigned
    auth.sign_in("manager@a.example")
    elements = Elements(client.get(f"/organisations/org-a/cohorts/{cohort.id}/edit").get_data(as_text=True))
    assert [elements.by_id[f"starts_on-{part}"]["value"] for part in ("day", "month", "year")] == ["4", "1", "2027"]
    assert [elements.by_id[f"ends_on-{part}"]["value"] for part in ("day", "month", "year")] == ["", "", ""]
    response = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/edit",
        {"name": "Autumn", **typed("starts_on", "10 1 2027"), **typed("ends_on", "30 6 2027"), "renewal_days": "30"},
    )
    assert response.status_code == 302 and stored_start(cohort) == date(2027, 1, 10)
    assert db.session.scalar(select(Cohort.ends_on).where(Cohort.id == cohort.id)) == date(2027, 6, 30)


def test_an_end_before_the_start_highlights_the_whole_end_date(client, auth, assigned):
    cohort, _module = assigned
    auth.sign_in("manager@a.example")
    page = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/edit",
        {"name": "Autumn", **typed("starts_on", "10 1 2027"), **typed("ends_on", "1 1 2027"), "renewal_days": "30"},
    ).get_data(as_text=True)
    elements = Elements(page)
    assert elements.summary_links == ["#ends_on-day"]
    assert all("input--error" in elements.by_id[f"ends_on-{part}"]["class"] for part in ("day", "month", "year"))
    assert stored_start(cohort) == STORED_START


# --- names, descriptions and the list of addresses ----------------------------------------------------


def test_a_long_cohort_name_is_refused_with_the_limit_and_kept(client, auth, org):
    auth.sign_in("manager@a.example")
    long_name = "A" * 150 + " " + "B" * 60
    page = auth.post(
        "/organisations/org-a/cohorts/new", {"name": long_name, "description": "x" * 5001, "renewal_days": "30"}
    ).get_data(as_text=True)
    assert "The name must be 200 characters or fewer" in page
    assert "The description must be 5,000 characters or fewer" in page
    elements = Elements(page)
    assert elements.by_id["name"]["value"] == long_name and "maxlength" not in elements.by_id["name"]
    assert elements.described_by("name") == ["name-error"]
    assert elements.described_by("description") == ["description-error"]
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_line_errors_are_named_in_aria_describedby_and_quote_what_was_typed(client, auth, assigned):
    cohort, _module = assigned
    auth.sign_in("manager@a.example")
    page = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/members/add",
        {"emails": "Ann Jones\nGood@A.example\ngood@a.example\n"},
    ).get_data(as_text=True)
    assert "Line 1: “Ann Jones” is not an email address" in page
    assert "Line 3: “good@a.example” appears more than once" in page
    elements = Elements(page)
    assert elements.described_by("emails") == ["emails-hint", "emails-error", "emails-error-2"]
    assert elements.tags["emails-error-2"] == "p" and elements.tags["emails"] == "textarea"
    assert "Ann Jones\nGood@A.example\ngood@a.example\n</textarea>" in page  # kept as typed
    assert db.session.scalar(select(func.count(CohortMember.id))) == 0


def test_a_long_name_in_a_csv_file_is_refused_not_cut(client, auth, assigned):
    cohort, _module = assigned
    auth.sign_in("manager@a.example")
    upload = f"name,email\nAnn,ann@b.example\n{'N' * 201},long@b.example\n".encode()
    page = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/members/add",
        {"upload": (io.BytesIO(upload), "people.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "The name on line 3 is longer than 200 characters: shorten it" in page
    assert Elements(page).described_by("upload") == ["upload-hint", "upload-error"]
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_long_names_elsewhere_are_refused_with_the_limit(client, auth, org, make_user):
    make_user("admin@a.example", name="Ada Admin", organisation=org, roles=("org_admin",))
    auth.sign_in("admin@a.example")
    long_name = "N" * 201
    page = auth.post("/account/name", {"name": long_name}).get_data(as_text=True)
    assert "Your name must be 200 characters or fewer" in page and f'value="{long_name}"' in page
    page = auth.post(
        "/organisations/org-a/people/invite", {"name": long_name, "email": "new@b.example", "role": "learner"}
    ).get_data(as_text=True)
    assert "The name must be 200 characters or fewer" in page and f'value="{long_name}"' in page
    assert "maxlength" not in page
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_the_messages_and_labels_are_in_welsh(client, auth, assigned):
    cohort, module = assigned
    auth.sign_in("manager@a.example")
    assert auth.post("/language/cy", {"next": "/"}).status_code == 302
    page = auth.post(
        f"/organisations/org-a/cohorts/{cohort.id}/assignments",
        {"module": str(module.id), **typed("due_on", "31 2 2027")},
    ).get_data(as_text=True)
    assert page.count("Rhaid i’r dyddiad cau fod yn ddyddiad go iawn") == 2
    assert ">Diwrnod</label>" in page and ">Mis</label>" in page and ">Blwyddyn</label>" in page
    assert "Er enghraifft, 15 1 2027. Gadewch y tri blwch yn wag os nad oes dyddiad cau." in page
    assert stored_due(cohort) == STORED_DUE

"""Certificate validity periods: module.yaml's valid_for read, checked and stored as an ISO 8601 period, and
added to a completion date by the calendar."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from literacy import validity
from literacy.extensions import db
from literacy.models import Module, ModuleVersion
from literacy.publishing import sync_courses

from .content.support import MODULE_YAML, parse, problems
from .support.modules import write_module


@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("12 months", "P12M"),
        ("1 month", "P1M"),
        ("2 years", "P2Y"),
        ("1 year", "P1Y"),
        ("90 days", "P90D"),
        ("1 day", "P1D"),
        ("6 weeks", "P6W"),
        ("  12   Months ", "P12M"),
        ("12months", "P12M"),
        ("P18M", "P18M"),
        ("p3y", "P3Y"),
        ("none", None),
        ("never", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_reads_a_number_and_a_unit(written, period):
    assert validity.parse(written) == period


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("12", "must be a number and a unit (days, weeks, months or years), like 12 months"),
        ("a year", "must be a number and a unit"),
        ("12 monts", "must be a number and a unit"),
        ("1 year 6 months", "must be a number and a unit"),
        ("-3 months", "must be a number and a unit"),
        ("1.5 years", "must be a number and a unit"),
        ("P1Y6M", "must be a number and a unit"),
        ("0 days", "must be at least 1 day"),
        ("101 years", "must be at most 100 years"),
        ("40000 days", "must be at most 36500 days"),
    ],
)
def test_parse_refuses_anything_else_in_plain_words(written, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validity.parse(written)


def test_add_counts_months_and_years_by_the_calendar():
    at = datetime(2027, 1, 31, 9, 30, tzinfo=UTC)
    assert validity.add(at, "P1M") == datetime(2027, 2, 28, 9, 30, tzinfo=UTC)
    assert validity.add(datetime(2028, 1, 31, tzinfo=UTC), "P1M") == datetime(2028, 2, 29, tzinfo=UTC)  # leap
    assert validity.add(datetime(2028, 2, 29, tzinfo=UTC), "P1Y") == datetime(2029, 2, 28, tzinfo=UTC)
    assert validity.add(datetime(2026, 12, 12, tzinfo=UTC), "P12M") == datetime(2027, 12, 12, tzinfo=UTC)
    assert validity.add(datetime(2026, 11, 30, tzinfo=UTC), "P3M") == datetime(2027, 2, 28, tzinfo=UTC)
    assert validity.add(at, "P90D") == at + timedelta(days=90)
    assert validity.add(at, "P6W") == at + timedelta(weeks=6)


def test_describe_and_amount_read_a_stored_period():
    assert validity.amount("P12M") == (12, "M")
    assert validity.describe("P12M") == "12 months" and validity.describe("P1Y") == "1 year"
    with pytest.raises(ValueError):
        validity.amount("12 months")


moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2200, 12, 31), timezones=st.just(UTC))


@given(moments, st.integers(min_value=1, max_value=1200))
def test_adding_months_lands_on_the_same_day_or_the_months_last(start, months):
    end = validity.add(start, f"P{months}M")
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    last = calendar.monthrange(end.year, end.month)[1]
    assert end.day == min(start.day, last)
    assert (end.hour, end.minute, end.second, end.microsecond, end.tzinfo) == (
        start.hour, start.minute, start.second, start.microsecond, start.tzinfo
    )
    assert end > start


@given(moments, st.integers(min_value=1, max_value=100))
def test_a_year_is_twelve_months(start, years):
    assert validity.add(start, f"P{years}Y") == validity.add(start, f"P{years * 12}M")


@given(moments, st.integers(min_value=1, max_value=600), st.integers(min_value=1, max_value=600))
def test_adding_months_never_goes_backwards(start, first, more):
    """A longer period never ends earlier, so a renewal's certificate never expires before the one it renews."""
    assert validity.add(start, f"P{first}M") <= validity.add(start, f"P{first + more}M")


@given(moments, st.integers(min_value=1, max_value=36_500))
def test_days_and_weeks_are_exact(start, days):
    assert validity.add(start, f"P{days}D") - start == timedelta(days=days)
    assert validity.add(start, f"P{days // 7 + 1}W") - start == timedelta(weeks=days // 7 + 1)


@given(st.sampled_from(["day", "week", "month", "year"]), st.integers(min_value=1, max_value=100))
def test_what_parse_accepts_describe_gives_back(unit, number):
    period = validity.parse(f"{number} {unit}{'' if number == 1 else 's'}")
    assert validity.parse(validity.describe(period)) == period


# --- module.yaml --------------------------------------------------------------------------------------


def test_the_checker_reads_valid_for_into_the_module():
    assert parse({"module.yaml": MODULE_YAML + "valid_for: 2 years\n"}).module.valid_for == "P2Y"
    assert parse().module.valid_for is None  # left out: never expires
    assert parse({"module.yaml": MODULE_YAML + "valid_for: none\n"}).module.valid_for is None
    assert parse({"module.yaml": MODULE_YAML + "valid_for:\n"}).module.valid_for is None


def test_the_checker_reports_a_bad_valid_for_on_its_line():
    line = MODULE_YAML.count("\n") + 1
    assert problems({"module.yaml": MODULE_YAML + "valid_for: 12 monts\n"}) == [
        f'courses/demo/module.yaml:{line}: valid_for "12 monts" must be a number and a unit (days, weeks, months '
        "or years), like 12 months"
    ]
    assert problems({"module.yaml": MODULE_YAML + "valid_for: 12\n"})[0].startswith(
        f'courses/demo/module.yaml:{line}: valid_for "12" must be'
    )
    assert problems({"module.yaml": MODULE_YAML + "valid_for:\n  - 12 months\n"}) == [
        f'courses/demo/module.yaml:{line + 1}: "valid_for" must be text, not a list'
    ]


def test_publishing_stores_the_period_and_a_change_of_it_is_a_new_version(courses):
    folder = write_module(courses, "expiring")
    yaml = folder / "module.yaml"
    yaml.write_text(yaml.read_text() + "valid_for: 12 months\n")
    sync_courses(courses)
    first = db.session.scalar(
        select(ModuleVersion).join(Module, Module.id == ModuleVersion.module_id).where(Module.slug == "expiring")
    )
    assert first.valid_for == "P12M"
    yaml.write_text(yaml.read_text().replace("valid_for: 12 months", "valid_for: 2 years"))
    report = sync_courses(courses)
    assert [r.version.number for r in report.published] == [2]
    assert report.published[0].version.valid_for == "P2Y"
    assert report.published[0].version.content_hash != first.content_hash
    yaml.write_text(yaml.read_text().replace("valid_for: 2 years\n", ""))
    assert sync_courses(courses).published[0].version.valid_for is None


def test_the_browser_editor_publishes_valid_for_too(make_organisation, make_user):
    from literacy.authoring import drafts, versions

    from .authoring_support import files_of, make_draft

    organisation = make_organisation("org-a")
    trainer = make_user("trainer@a.example", organisation=organisation, roles=("trainer",))
    draft = make_draft(organisation, trainer)
    files = files_of(draft)
    files.text["module.yaml"] += "valid_for: 2 years\n"
    drafts.save_files(draft, files, trainer)
    outcome = versions.publish_draft(draft, trainer)
    db.session.commit()
    assert outcome.version.valid_for == "P2Y"
    files.text["module.yaml"] = files.text["module.yaml"].replace("2 years", "forever")
    drafts.save_files(draft, files, trainer)
    problems = versions.publish_draft(draft, trainer)
    assert isinstance(problems, list) and len(problems) == 1
    assert 'valid_for "forever" must be a number and a unit' in str(problems[0])

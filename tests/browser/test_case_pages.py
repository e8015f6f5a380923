"""The case library in a real browser, with the real cases: axe-clean in English, Welsh and at phone width, the
filters work as a plain form without JavaScript, and a lesson page's "Real cases" aside links to its cases."""

from __future__ import annotations

import pytest

from .conftest import assert_no_axe_violations
from .test_learning_pages import curriculum, sign_in  # noqa: F401 (a fixture used by name)

PHONE = {"width": 375, "height": 740}


def choose_language(page, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_library_and_a_case_pass_axe(page, language, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    page.goto("/cases")
    if language == "cy":
        choose_language(page, "Cymraeg")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1
    assert_no_axe_violations(page)
    if viewport:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto("/cases/bridges-south-wales-police")
    assert page.locator("h1").get_attribute("lang") == language
    assert_no_axe_violations(page)
    if viewport:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_filters_work_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/cases")
        everything = page.locator(".case-list > li").count()
        page.select_option("#country", "wales")
        with page.expect_navigation():
            page.get_by_role("button", name="Show cases").click()
        titles = page.locator(".case-list h2").all_inner_texts()
        assert 0 < len(titles) < everything
        assert any("Bridges" in title for title in titles)
        page.fill("#q", "no such words anywhere xyzzy")
        with page.expect_navigation():
            page.get_by_role("button", name="Show cases").click()
        assert page.locator(".case-list").count() == 0
        assert page.get_by_text("No cases match.").is_visible()
    finally:
        context.close()


def test_the_empty_result_passes_axe(page):
    page.goto("/cases?q=xyzzy&risk=bias&sector=policing")
    assert page.locator(".case-list").count() == 0
    assert_no_axe_violations(page)


def test_an_english_fallback_case_has_english_lang(page):
    page.goto("/cases")
    choose_language(page, "Svenska")
    page.goto("/cases/robodebt-australia")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("h1").get_attribute("lang") == "en"
    assert page.locator(".prose.case").get_attribute("lang") == "en"
    assert_no_axe_violations(page)


def test_a_lesson_lists_its_real_cases(page, curriculum):  # noqa: F811 (the fixture)
    sign_in(page)
    page.goto("/modules/managing-bias/learning-from-real-cases")
    aside = page.locator("aside.case-aside")
    assert aside.get_by_role("heading", name="Real cases").is_visible()
    assert aside.get_by_role("link", name="The Dutch childcare benefits scandal").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        aside.get_by_role("link", name="The Dutch childcare benefits scandal").click()
    assert page.url.endswith("/cases/dutch-childcare-benefits")

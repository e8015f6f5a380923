"""The legal dates page in a real browser: no axe violations in English and Welsh, at desktop and phone
width, and a phone never scrolls the page sideways (its tables scroll in their own regions)."""

from __future__ import annotations

import pytest

from .conftest import assert_no_axe_violations

PHONE = {"width": 375, "height": 740}


@pytest.mark.parametrize("language", ["en", "cy"])
@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_the_legal_dates_page_passes_axe(page, language, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    page.goto("/legal-dates")
    if language == "cy":  # the language switch, as a person would use it
        with page.expect_navigation():
            page.get_by_role("button", name="Cymraeg").click()
    assert page.locator("h1").count() == 1
    assert page.locator("html").get_attribute("lang") == language
    assert_no_axe_violations(page)
    if viewport:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

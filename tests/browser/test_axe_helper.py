"""The shared axe helper checks WCAG 2.2 AA, target size included: a page of two tiny buttons side by side
fails it, and the same buttons at 24 px pass."""

from __future__ import annotations

import pytest

from .conftest import assert_no_axe_violations

PAGE = """<!DOCTYPE html><html lang="en"><head><title>Targets</title></head><body><main><h1>Targets</h1>
<button type="button" aria-label="Previous" style="{size}">&lt;</button><button type="button" aria-label="Next"
style="{size}">&gt;</button></main></body></html>"""


@pytest.fixture
def blank(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def test_tiny_targets_side_by_side_fail(blank):
    blank.set_content(PAGE.format(size="width:12px;height:12px;padding:0;margin:0;border:0;font-size:8px"))
    with pytest.raises(AssertionError, match="target-size"):
        assert_no_axe_violations(blank)


def test_targets_of_24_px_pass(blank):
    blank.set_content(PAGE.format(size="width:24px;height:24px;padding:0;margin:0 4px"))
    assert_no_axe_violations(blank)

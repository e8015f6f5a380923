"""The service's error pages in a real browser: the 503 page for a database that cannot be reached and the
500 page, each with the request id to quote, have no axe violations in English and in Welsh."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from .conftest import assert_no_axe_violations


def _lost(*args, **kwargs):
    raise OperationalError("SELECT ...", {}, Exception("server closed the connection unexpectedly"))


def _broken(*args, **kwargs):
    raise IntegrityError("INSERT ...", {}, Exception("duplicate key value"))


@pytest.mark.parametrize(("failure", "status", "heading"), [
    (_lost, 503, "Sorry, the service is unavailable"),
    (_broken, 500, "Sorry, there is a problem with the service"),
])
def test_error_pages_have_no_axe_violations(page, monkeypatch, failure, status, heading):
    monkeypatch.setattr("literacy.site.views.render_template", failure)  # the home page's rendering fails
    response = page.goto("/", wait_until="load")
    assert response.status == status
    assert page.get_by_role("heading", level=1).inner_text() == heading
    request_id = response.headers["x-request-id"]
    assert request_id in page.locator("main").inner_text()  # the reference a person can quote
    assert_no_axe_violations(page)


@pytest.mark.parametrize("failure", [_lost, _broken])
def test_welsh_error_pages_have_no_axe_violations(browser, live_server, monkeypatch, failure):
    monkeypatch.setattr("literacy.site.views.render_template", failure)
    context = browser.new_context(base_url=live_server.url, locale="cy-GB")
    try:
        page = context.new_page()
        page.goto("/", wait_until="load")
        assert page.locator("html").get_attribute("lang") == "cy"
        assert_no_axe_violations(page)
    finally:
        context.close()

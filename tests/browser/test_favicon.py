"""In a real browser, loading pages asks for nothing that is missing: the favicon included."""

from __future__ import annotations


def test_no_page_load_asks_for_something_missing(page):
    failures: list[str] = []
    page.on("response", lambda response: failures.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    for path in ["/", "/sign-in", "/modules", "/accessibility"]:
        page.goto(path)
        # the browser fetches the icon after the page has loaded; wait for it rather than for a fixed time
        icon = page.locator('link[rel="icon"]').get_attribute("href")
        response = page.request.get(icon)
        assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
    page.wait_for_load_state("networkidle")
    assert failures == []

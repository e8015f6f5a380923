"""Browser tests: the app on a free localhost port, Debian's Chromium driven by Playwright, axe-core.

They skip, saying why, when /usr/bin/chromium is absent; CI installs it (``apt-get install chromium``).
Never a downloaded browser: Playwright is pointed at the system Chromium.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from literacy import create_app

from ..conftest import IsolatedClient, _clean, make_config

CHROMIUM = os.environ.get("LITERACY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices. WCAG 2.2's target size (2.5.8, tag wcag22aa) is
# off in axe by default; AXE_RULES turns it on by name, so it runs whatever the tag selection does.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RULES = {"target-size": {"enabled": True}}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # The development server in the live-server thread can leave a static file's handle to the
            # garbage collector when Chromium drops a connection early; that is not the app's doing.
            item.add_marker(pytest.mark.filterwarnings("ignore::ResourceWarning"))
            item.add_marker(pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        reason = f"browser tests need Chromium at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("LITERACY_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(browser: Any, database_url: str) -> Iterator[LiveServer]:
    # Secure cookies need HTTPS; this local server speaks plain HTTP.
    app = create_app(make_config(database_url, SECURE_COOKIES="false", TESTING=False))
    app.test_client_class = IsolatedClient
    with LiveServer(app) as server:
        yield server
    _clean(app)


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def assert_no_axe_violations(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "rules": AXE_RULES})
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

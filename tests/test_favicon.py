"""The favicon: every page names one in its head, and it is served (no 404 on every page load)."""

from __future__ import annotations

import re


def test_every_page_links_a_favicon_that_is_served(client):
    for path in ["/", "/sign-in", "/modules", "/no-such-page"]:
        page = client.get(path)
        links = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.get_data(as_text=True))
        assert len(links) == 1, path
        with client.get(links[0]) as icon:
            assert icon.status_code == 200
            assert icon.mimetype == "image/svg+xml"
            assert b"<svg" in icon.data and b"<script" not in icon.data

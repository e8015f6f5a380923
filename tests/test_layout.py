"""The base layout: language attribute, skip link, landmarks, one h1, navigation by role."""

from __future__ import annotations

import re

import pytest


def h1_count(page: str) -> int:
    return len(re.findall(r"<h1[\s>]", page))


@pytest.mark.parametrize("path", ["/", "/sign-in", "/accessibility", "/privacy", "/help", "/missing"])
def test_every_page_has_the_accessible_frame(client, path):
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert '<a href="#main-content" class="skip-link">' in page
    assert '<main id="main-content"' in page
    assert "<header" in page and "<footer" in page and 'aria-label="Main"' in page
    assert h1_count(page) == 1
    assert re.search(r"<title>[^<]+ – AI literacy</title>", page)


def test_anonymous_navigation_offers_sign_in_and_no_management(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/sign-in"' in page
    assert "/organisations/" not in page and 'href="/admin/"' not in page


def test_manager_sees_their_organisation_and_not_admin(client, auth, make_organisation, make_user):
    org = make_organisation("org-a", "Org A")
    make_user("m@example.org", organisation=org, roles=("manager",))
    auth.sign_in("m@example.org")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/organisations/org-a/"' in page
    assert 'href="/admin/"' not in page
    assert "Signed in as Test Person" in page


def test_learner_sees_no_management_links(client, auth, make_organisation, make_user):
    org = make_organisation("org-a")
    make_user("l@example.org", organisation=org, roles=("learner",))
    auth.sign_in("l@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "/organisations/" not in page and 'href="/admin/"' not in page


def test_site_admin_sees_admin(client, auth, make_user):
    make_user("a@example.org", site_admin=True)
    auth.sign_in("a@example.org")
    assert 'href="/admin/"' in client.get("/").get_data(as_text=True)


def test_flash_messages_use_the_notification_banner(client, auth, make_user):
    make_user("l@example.org")
    response = auth.sign_in("l@example.org", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'class="notification notification--success" role="status"' in page
    assert "You are signed in." in page

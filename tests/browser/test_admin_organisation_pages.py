"""Site administration of organisations in a real browser: the index, the create form with its errors, an
organisation's admin page and its themed pages, with no axe violations."""

from __future__ import annotations

import struct
import zlib

import pytest

from literacy.admin import organisations
from literacy.extensions import db
from literacy.models import Membership, Organisation, User

from .conftest import assert_no_axe_violations

EMAIL = "root@example.org"
PASSWORD = "correct horse battery"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


#: a real 1x1 white PNG, so the browser decodes it
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
    + _chunk(b"IEND", b"")
)


@pytest.fixture
def signed_in(page, live_server):
    with live_server.app.app_context():
        root = User(email=EMAIL, name="Rhian Root", is_site_admin=True)
        root.set_password(PASSWORD)
        admin = User(email="ada@a.example", name="Ada Admin")
        organisation = Organisation(slug="org-a", name="Organisation A")
        db.session.add_all([root, admin, organisation])
        db.session.flush()
        db.session.add(Membership(user_id=admin.id, organisation_id=organisation.id, role="org_admin"))
        organisations.set_theme(root, organisation, "#00703c", organisations.read_logo(PNG), False)
        db.session.commit()
    page.goto("/sign-in")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).last.click()
    return page


def test_the_index_and_an_organisation_s_page_have_no_axe_violations(signed_in):
    page = signed_in
    page.goto("/admin/")
    assert page.get_by_role("link", name="Create an organisation").is_visible()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Organisation A").click()
    assert page.locator("h1").inner_text() == "Organisation A"
    assert page.get_by_role("cell", name="Ada Admin", exact=True).is_visible()
    assert_no_axe_violations(page)


def test_the_create_form_and_its_errors_have_no_axe_violations(signed_in):
    page = signed_in
    page.goto("/admin/organisations/new")
    assert_no_axe_violations(page)
    page.fill("#slug", "Not a slug")
    with page.expect_navigation():
        page.get_by_role("button", name="Create organisation").click()
    assert page.title().startswith("Error:")
    page.wait_for_function("document.activeElement && document.activeElement.classList.contains('error-summary')")
    assert page.input_value("#slug") == "not a slug"
    assert_no_axe_violations(page)


def test_the_theme_form_errors_and_a_themed_page_have_no_axe_violations(signed_in):
    page = signed_in
    page.goto("/admin/organisations/org-a/theme")
    page.fill("#accent_colour", "#ffdd00")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the theme").click()
    assert page.title().startswith("Error:")
    assert_no_axe_violations(page)
    page.goto("/organisations/org-a/")
    accent = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent == "#00703c"
    assert page.locator("img.site-header__logo").evaluate("image => image.naturalWidth") == 1
    assert_no_axe_violations(page)

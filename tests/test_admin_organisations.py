"""Site administrators create, rename, theme and archive organisations and appoint their administrators;
every change is audited; nobody else may (anonymous: sign in; org_admin, manager, learner: 403)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from literacy.admin import organisations as service
from literacy.extensions import db
from literacy.models import AuditEvent, Certificate, Membership, Organisation, Role

from .quiz_support import RIGHT, complete_lessons, take, write_quiz_module

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def world(make_organisation, make_user):
    org = make_organisation("org-a", "Organisation A")
    people = {
        "root": make_user("root@example.org", name="Rhian Root", site_admin=True),
        "org_admin": make_user("admin@a.example", name="Ada Admin", organisation=org, roles=("org_admin",)),
        "manager": make_user("manager@a.example", name="Mina Manager", organisation=org, roles=("manager",)),
        "learner": make_user("learner@a.example", name="Lee Learner", organisation=org),
    }
    return org, people


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# --- plain rules --------------------------------------------------------------------------------------------


def test_contrast_ratio_follows_wcag():
    assert service.contrast_ratio("#000000") == pytest.approx(21)
    assert service.contrast_ratio("#ffffff") == pytest.approx(1)
    assert service.contrast_ratio("#1d70b8") == pytest.approx(5.17, abs=0.01)  # the site's own accent
    assert service.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes
    assert service.accent_is_readable("#767676") and not service.accent_is_readable("#777777")
    assert service.normalise_colour(" 1D70B8 ") == "#1d70b8" and service.normalise_colour("#12345") is None


def test_slug_rules():
    assert service.slug_is_valid("cabinet-office") and service.slug_is_valid("dwp2")
    for bad in ("Cabinet", "a--b", "-a", "a-", "a b", "a_b", "", "x" * 81, "café"):
        assert not service.slug_is_valid(bad), bad


def test_logo_types_are_sniffed_not_trusted():
    assert service.logo_type(PNG) == "image/png" and service.logo_type(JPEG) == "image/jpeg"
    assert service.logo_type(SVG) is None and service.logo_type(b"GIF89a") is None
    assert service.read_logo(PNG + b"\x00" * service.LOGO_MAX_BYTES) is None  # too large


# --- creating -----------------------------------------------------------------------------------------------


def test_a_new_site_admin_is_offered_to_create_an_organisation(client, auth, make_user):
    make_user("root@example.org", site_admin=True)
    auth.sign_in("root@example.org")
    page = text(client.get("/admin/"))
    assert "There are no organisations yet." in page and 'href="/admin/organisations/new"' in page
    assert "Create an organisation" in page


def test_create_an_organisation_and_go_on_to_appoint_its_administrators(client, auth, world):
    auth.sign_in("root@example.org")
    response = auth.post("/admin/organisations/new", {"name": "  Cabinet Office ", "slug": "Cabinet-Office"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/organisations/cabinet-office"
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == "cabinet-office"))
    assert organisation.name == "Cabinet Office" and organisation.archived_at is None
    page = text(client.get(response.headers["Location"]))
    assert "Cabinet Office created. Next, appoint its administrators." in page
    assert "This organisation has no administrators yet." in page
    assert "organisation.created" in actions()
    assert 'href="/admin/organisations/cabinet-office"' in text(client.get("/admin/"))


def test_create_errors_are_summarised_and_keep_what_was_typed(client, auth, world):
    auth.sign_in("root@example.org")
    response = auth.post("/admin/organisations/new", {"name": "", "slug": "Not a slug!"})
    assert response.status_code == 400
    page = text(response)
    assert "<title>Error: Create an organisation" in page and "There is a problem" in page
    assert '<a href="#name">Enter the organisation\'s name</a>' in page
    assert 'href="#slug">The URL slug must use only lowercase letters' in page
    assert 'value="not a slug!"' in page  # kept (lower-cased as the slug always is)
    assert db.session.scalar(select(Organisation).where(Organisation.name == "")) is None


def test_a_slug_in_use_is_refused_and_the_name_kept(client, auth, world):
    auth.sign_in("root@example.org")
    response = auth.post("/admin/organisations/new", {"name": "Another A", "slug": "org-a"})
    assert response.status_code == 400
    page = text(response)
    assert "Another organisation already uses this URL slug" in page and 'value="Another A"' in page
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Another A")) is None


def test_a_slug_taken_in_a_race_is_the_database_s_to_refuse(app, world):
    org, people = world
    from literacy.extensions import Taken

    with pytest.raises(Taken):
        service.create(people["root"], "Twin", "org-a")
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Twin")) is None


# --- renaming, theming ----------------------------------------------------------------------------------


def test_rename_keeps_the_slug(client, auth, world):
    auth.sign_in("root@example.org")
    assert auth.post("/admin/organisations/org-a/name", {"name": ""}).status_code == 400
    response = auth.post("/admin/organisations/org-a/name", {"name": "Organisation Alpha"})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.slug == "org-a"))
    assert org.name == "Organisation Alpha"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.renamed"))
    assert event.details == {"before": "Organisation A", "after": "Organisation Alpha"}


def test_a_colour_without_enough_contrast_is_refused_with_the_reason(client, auth, world):
    auth.sign_in("root@example.org")
    response = auth.post("/admin/organisations/org-a/theme", {"accent_colour": "#ffdd00"})
    assert response.status_code == 400
    page = text(response)
    assert "Choose a darker accent colour: #ffdd00 has a contrast ratio of 1.34 to 1 against white" in page
    assert 'value="#ffdd00"' in page and '<a href="#accent_colour">' in page
    assert "Enter the accent colour as a hex code" in text(
        auth.post("/admin/organisations/org-a/theme", {"accent_colour": "blue"})
    )
    assert db.session.scalar(select(Organisation.accent_colour)) is None


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SVG, "The logo must be a PNG or JPEG image (SVG files are not accepted because they can contain scripts)"),
        (b"GIF89a" + b"\x00" * 10, "The logo must be a PNG or JPEG image"),
        (PNG + b"\x00" * service.LOGO_MAX_BYTES, "The logo must be 200 KB or smaller"),
    ],
)
def test_a_logo_of_the_wrong_type_or_size_is_refused(client, auth, world, upload, message):
    auth.sign_in("root@example.org")
    response = auth.post(
        "/admin/organisations/org-a/theme",
        {"accent_colour": "#00703c", "logo": (io.BytesIO(upload), "logo.svg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and message in text(response)
    assert 'value="#00703c"' in text(response)  # the colour typed is kept
    assert db.session.scalar(select(Organisation.logo_hash)) is None


def test_the_theme_shows_on_the_organisation_s_pages_only(client, auth, world):
    auth.sign_in("root@example.org")
    response = auth.post(
        "/admin/organisations/org-a/theme",
        {"accent_colour": "#1D70B8", "logo": (io.BytesIO(PNG), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation))
    assert org.accent_colour == "#1d70b8" and org.logo_type == "image/png"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.theme_changed"))
    assert event.details == {"accent_colour": {"before": None, "after": "#1d70b8"}, "logo": "replaced"}

    page = client.get("/organisations/org-a/").get_data(as_text=True)
    css_url = re.search(r'href="(/organisations/org-a/theme\.css\?v=\w+)"', page).group(1)
    logo_url = re.search(r'src="(/organisations/org-a/logo\?v=\w+)" alt="Organisation A" height="40"', page).group(1)
    assert "theme.css" not in client.get("/admin/").get_data(as_text=True)  # elsewhere, no theme

    client.get("/sign-out")
    css = client.get(css_url)  # public, like any stylesheet
    assert css.mimetype == "text/css" and ":root { --accent: #1d70b8; }" in css.get_data(as_text=True)
    assert "immutable" in css.headers["Cache-Control"]
    assert client.get(css_url, headers={"If-None-Match": css.headers["ETag"]}).status_code == 304
    assert client.get("/organisations/org-a/theme.css?v=old").headers["Cache-Control"] == "no-cache"
    logo = client.get(logo_url)
    assert logo.data == PNG and logo.mimetype == "image/png"
    assert logo.headers["X-Content-Type-Options"] == "nosniff"


def test_removing_the_logo_and_colour(client, auth, world):
    org, people = world
    service.set_theme(people["root"], org, "#00703c", service.read_logo(JPEG), False)
    db.session.commit()
    auth.sign_in("root@example.org")
    assert auth.post("/admin/organisations/org-a/theme", {"accent_colour": "", "remove_logo": "y"}).status_code == 302
    db.session.expire_all()
    org = db.session.scalar(select(Organisation))
    assert org.accent_colour is None and org.logo_hash is None and not org.has_theme
    assert client.get("/organisations/org-a/theme.css").status_code == 404
    assert client.get("/organisations/org-a/logo").status_code == 404


def test_a_colour_refused_by_the_form_is_refused_by_the_service_too(app, world):
    org, people = world
    with pytest.raises(ValueError):
        service.set_theme(people["root"], org, "#ffdd00", None, False)


# --- archiving ----------------------------------------------------------------------------------------------


def test_archiving_hides_the_organisation_but_people_keep_their_learning(tmp_path, client, auth, world):
    from literacy.publishing import sync_courses

    org, people = world
    write_quiz_module(tmp_path)
    sync_courses(tmp_path)
    auth.sign_in("learner@a.example")
    complete_lessons(auth, "quiz-module")
    take(auth, "quiz-module", RIGHT)
    code = db.session.scalar(select(Certificate.code))
    auth.sign_out()

    auth.sign_in("root@example.org")
    assert "Archive organisation" in text(client.get("/admin/organisations/org-a/archive"))
    assert auth.post("/admin/organisations/org-a/archive").status_code == 302
    assert "organisation.archived" in actions()
    page = text(client.get("/admin/organisations/org-a"))
    assert "This organisation is archived." in page and "Unarchive organisation" in page
    assert client.get("/organisations/org-a/").status_code == 200  # site admins still open it
    assert 'href="/organisations/org-a/"' not in text(client.get("/admin/"))  # gone from the navigation
    auth.sign_out()

    auth.sign_in("manager@a.example")
    refused = client.get("/organisations/org-a/")
    assert refused.status_code == 403 and "This organisation is archived" in text(refused)
    assert 'href="/organisations/org-a/"' not in text(client.get("/my-learning"))
    auth.sign_out()

    auth.sign_in("learner@a.example")
    mine = text(client.get("/my-learning"))
    assert "Quiz module" in mine
    assert client.get(f"/my-learning/certificates/{code}").status_code == 200
    auth.sign_out()
    assert "This certificate is genuine" in text(client.get(f"/certificates/{code}"))

    auth.sign_in("root@example.org")
    assert auth.post("/admin/organisations/org-a/unarchive").status_code == 302
    assert actions()[-1] == "organisation.unarchived"
    auth.sign_out()
    auth.sign_in("manager@a.example")
    assert client.get("/organisations/org-a/").status_code == 200


def test_an_archived_organisation_shows_no_theme(client, world):
    org, people = world
    service.set_theme(people["root"], org, "#00703c", None, False)
    db.session.commit()
    assert client.get("/organisations/org-a/theme.css").status_code == 200
    service.archive(people["root"], org)
    db.session.commit()
    assert client.get("/organisations/org-a/theme.css").status_code == 404


# --- administrators -----------------------------------------------------------------------------------------


def test_appoint_and_remove_an_administrator(client, auth, world):
    org, people = world
    auth.sign_in("root@example.org")
    response = auth.post("/admin/organisations/org-a/administrators", {"email": " Manager@A.example "})
    assert response.status_code == 302
    assert "Mina Manager is now an administrator of Organisation A" in text(client.get(response.headers["Location"]))
    roles = set(db.session.scalars(select(Membership.role).where(Membership.user_id == people["manager"].id)))
    assert roles == {Role.MANAGER, Role.ORG_ADMIN}
    assert actions()[-1] == "organisation.roles_changed"

    again = auth.post("/admin/organisations/org-a/administrators", {"email": "manager@a.example"})
    assert "already an administrator" in text(client.get(again.headers["Location"]))

    response = auth.post(f"/admin/organisations/org-a/administrators/{people['manager'].id}/remove")
    assert "Mina Manager is no longer an administrator" in text(client.get(response.headers["Location"]))
    roles = set(db.session.scalars(select(Membership.role).where(Membership.user_id == people["manager"].id)))
    assert roles == {Role.MANAGER}


def test_the_last_administrator_is_not_removed_and_the_page_says_so(client, auth, world):
    org, people = world
    auth.sign_in("root@example.org")
    response = auth.post(f"/admin/organisations/org-a/administrators/{people['org_admin'].id}/remove")
    page = text(client.get(response.headers["Location"]))
    assert "Ada Admin is the only administrator of Organisation A, so they stay one." in page
    assert db.session.scalar(
        select(Membership.id).where(Membership.user_id == people["org_admin"].id, Membership.role == Role.ORG_ADMIN)
    )


def test_removing_someone_who_was_only_an_administrator_keeps_them_as_a_learner(app, world):
    org, people = world
    service.appoint_administrator(people["root"], org, "manager@a.example")
    assert service.remove_administrator(people["root"], org, people["org_admin"])
    roles = set(db.session.scalars(select(Membership.role).where(Membership.user_id == people["org_admin"].id)))
    assert roles == {Role.LEARNER}


def test_appointing_an_unknown_address_says_what_to_do(client, auth, world):
    auth.sign_in("root@example.org")
    response = auth.post("/admin/organisations/org-a/administrators", {"email": "nobody@example.org"})
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and '<a href="#email">There is no account with this email address' in page
    assert 'value="nobody@example.org"' in page and "<title>Error: Organisation A" in page
    bad = auth.post("/admin/organisations/org-a/administrators", {"email": "not an address"})
    assert bad.status_code == 400 and "Enter an email address in the correct format" in text(bad)


def test_an_unknown_organisation_or_person_is_not_found(client, auth, world):
    org, people = world
    auth.sign_in("root@example.org")
    assert client.get("/admin/organisations/nowhere").status_code == 404
    assert client.get("/admin/organisations/Not%20A%20Slug").status_code == 404
    assert auth.post(f"/admin/organisations/org-a/administrators/{people['learner'].id}/remove").status_code == 404


# --- who may ------------------------------------------------------------------------------------------------

ADMIN_GETS = [
    "/admin/organisations/new",
    "/admin/organisations/org-a",
    "/admin/organisations/org-a/name",
    "/admin/organisations/org-a/theme",
    "/admin/organisations/org-a/archive",
]
ADMIN_POSTS = [
    "/admin/organisations/new",
    "/admin/organisations/org-a/name",
    "/admin/organisations/org-a/theme",
    "/admin/organisations/org-a/archive",
    "/admin/organisations/org-a/unarchive",
    "/admin/organisations/org-a/administrators",
    "/admin/organisations/org-a/administrators/1/remove",
]


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_anonymous_people_are_sent_to_sign_in(client, world, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("identity", ["org_admin", "manager", "learner"])
def test_nobody_but_a_site_admin_may(client, auth, world, identity):
    org, people = world
    auth.sign_in(people[identity].email)
    for path in ADMIN_GETS:
        assert client.get(path).status_code == 403, path
    form = {"name": "Taken over", "slug": "taken", "email": people[identity].email}
    for path in ADMIN_POSTS:
        assert auth.post(path, form).status_code == 403, path
    assert db.session.scalar(select(Organisation.name).where(Organisation.slug == "org-a")) == "Organisation A"
    assert db.session.scalar(select(Organisation).where(Organisation.slug == "taken")) is None
    assert actions() == []

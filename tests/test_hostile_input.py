"""Hostile input gets a clear answer, never a 500: NUL bytes, line breaks in ``next=``, absurd page numbers.

Each test is one of the examples named in issue 13 (NUL bytes fail only on PostgreSQL, so run this file
on both databases); ``test_url_map_property.py`` walks every route with generated values.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from literacy import pagination, request_guard
from literacy.auth.sessions import safe_next
from literacy.cohorts import roster
from literacy.extensions import db
from literacy.models import Cohort, CohortMember

from .cohorts_support import make_cohort, make_people

NUL_PAGE = "Sorry, the site cannot read that request"


@pytest.fixture
def org(make_organisation, make_user):
    organisation = make_organisation("org-a", "Organisation A")
    make_user("manager@a.example", name="Mina Manager", organisation=organisation, roles=("manager",))
    make_user("admin@a.example", name="Ada Admin", organisation=organisation, roles=("org_admin",))
    return organisation


@pytest.mark.parametrize("path", ["/certificates/a%00b", "/modules/a%00b", "/modules/a%00b/lesson", "/a%0Ab"])
def test_a_nul_or_line_break_in_the_path_is_a_clear_400(client, published_curriculum, path):
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert NUL_PAGE in page and "The web address contains a character that cannot be used" in page


def test_a_nul_in_the_query_string_names_the_value(client):
    response = client.get("/modules?q=a%00b")
    assert response.status_code == 400
    assert "The value of “q” in the web address contains a control character" in response.get_data(as_text=True)


def test_a_cohort_name_with_a_nul_is_refused_before_csrf_and_nothing_is_written(client, auth, org):
    auth.sign_in("manager@a.example")
    for fields in ({"name": "Autumn\x002026"}, {"name": "Autumn", "description": "Pilot\x00"}):
        response = auth.post("/organisations/org-a/cohorts/new", fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        field = next(iter(key for key, value in fields.items() if "\x00" in value))
        assert f"What was sent in the form field “{field}” contains a control character" in page
    # without a CSRF token the NUL is still what the person is told about
    response = client.post("/organisations/org-a/cohorts/new", data={"name": "x\x00"})
    assert response.status_code == 400 and "form field “name”" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_line_breaks_and_tabs_in_a_description_are_kept(client, auth, org):
    auth.sign_in("manager@a.example")
    response = auth.post("/organisations/org-a/cohorts/new", {"name": "Autumn", "description": "One\r\n\tTwo"})
    assert response.status_code == 302
    assert db.session.scalar(select(Cohort.description)) == "One\r\n\tTwo"


def test_member_names_and_files_with_nul_bytes_get_a_clear_message(client, auth, org):
    cohort = make_cohort(org, "Autumn")
    auth.sign_in("manager@a.example")
    path = f"/organisations/org-a/cohorts/{cohort.id}/members/add"
    response = auth.post(path, {"emails": "a\x00@a.example"})
    assert response.status_code == 400 and "form field “emails”" in response.get_data(as_text=True)
    # a NUL inside the CSV (a UTF-16 or spreadsheet file): the form's own error summary says so
    upload = (io.BytesIO(b"name,email\nAnn,ann\x00@a.example\n"), "people.csv")
    response = auth.post(path, {"emails": "", "upload": upload}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page
    assert "The file must be a CSV file saved as UTF-8" in page
    # a NUL in the uploaded file's name
    upload = (io.BytesIO(b"ann@a.example\n"), "people\x00.csv")
    response = auth.post(path, {"emails": "", "upload": upload}, content_type="multipart/form-data")
    assert response.status_code == 400 and "The name of the file you chose" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CohortMember.id))) == 0


def test_roster_reads_a_nul_as_not_a_csv():
    parsed = roster.parse_csv("ann@a.example\n".encode("utf-16"))
    assert [problem.code for problem in parsed.problems] == ["not_csv"] and not parsed.candidates


@pytest.mark.parametrize("target", ["/my-learning\r\nSet-Cookie: x=1", "/my-learning%0d%0a", "/\x00", "/a\tb"])
def test_safe_next_refuses_control_characters(target):
    expected = "/" if any(ord(c) < 32 for c in target) else target
    assert safe_next(target, "/") == expected


def test_a_line_break_in_next_on_sign_in_is_ignored(client, make_user):
    make_user("person@example.org")
    response = client.get("/sign-in?next=/my-learning%0D%0ASet-Cookie:%20x=1")
    assert response.status_code == 200 and "Sign in" in response.get_data(as_text=True)
    from .conftest import CSRF_RE

    token = CSRF_RE.search(response.get_data(as_text=True)).group(1)
    response = client.post(
        "/sign-in?next=/my-learning%0D%0ASet-Cookie:%20x=1",
        data={"email": "person@example.org", "password": "correct horse battery", "csrf_token": token},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "x=1" not in response.headers.get("Set-Cookie", "")
    # signed in, the same link goes straight home
    response = client.get("/sign-in?next=/my-learning%0A")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_line_break_in_next_on_the_language_switch_is_ignored(client, auth):
    response = auth.post("/language/cy", {"next": "/modules\r\nSet-Cookie: x=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert '<html lang="cy">' in client.get("/").get_data(as_text=True)  # the switch itself still happened
    response = auth.post("/language/en", {"next": "/modules"})
    assert response.headers["Location"] == "/modules"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        ("", 1),
        ("2", 2),
        (" 3 ", 3),
        ("0", 1),
        ("-4", 1),
        ("abc", 1),
        ("1e3", 1),
        ("1_000", 1),
        ("٣", 1),
        ("99999999999999999999", pagination.MAX_PAGE),
        ("9" * 5000, pagination.MAX_PAGE),
        ("0000000000000000000007", 7),
        (str(pagination.MAX_PAGE + 1), pagination.MAX_PAGE),
    ],
)
def test_page_number_clamps_and_ignores_junk(app, raw, expected):
    assert pagination.page_number({} if raw is None else {"page": raw}) == expected


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "abc", "0", "9" * 5000])
def test_absurd_page_numbers_are_never_a_500(client, auth, org, page):
    cohort = make_cohort(org, "Autumn", make_people(org, 3))
    auth.sign_in("admin@a.example")
    for path in (
        "/organisations/org-a/people",
        f"/organisations/org-a/cohorts/{cohort.id}",
        f"/organisations/org-a/cohorts/{cohort.id}/dashboard",
    ):
        response = client.get(f"{path}?page={page}")
        assert response.status_code in (200, 404), (path, page, response.status_code)
        if page in ("-1", "abc", "0"):  # junk reads as the first page
            assert response.status_code == 200


def test_an_id_too_large_for_the_database_is_a_404(client, auth, org):
    auth.sign_in("manager@a.example")
    for cohort_id in (2**31, 10**20):
        assert client.get(f"/organisations/org-a/cohorts/{cohort_id}").status_code == 404
    assert client.get(f"/organisations/org-a/cohorts/{request_guard.MAX_ID}").status_code == 404


def test_find_refusal_is_pure():
    assert request_guard.find_refusal("/a", [("q", "x\ty")], [("text", "a\r\nb")], []) is None
    assert request_guard.find_refusal("/a\x00", [], [], []) == request_guard.Refusal("path")
    assert request_guard.find_refusal("/a", [("q\n", "x")], [], []) == request_guard.Refusal("query")
    assert request_guard.find_refusal("/a", [], [("name", "\x1b")], []) == request_guard.Refusal("form", "name")
    assert request_guard.find_refusal("/a", [], [], [("upload", "a\nb.csv")]) == request_guard.Refusal("file", "upload")


RAW_BODIES = [
    ("multipart/form-data", b"garbage"),
    ("multipart/form-data; boundary=xyz", b'--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nabc'),
    (
        "multipart/form-data; boundary=xyz",
        b'--xyz\r\nContent-Disposition: form-data; name="upload"; filename="a\x00.csv"\r\n\r\nabc\r\n--xyz--\r\n',
    ),
    ("application/x-www-form-urlencoded", b"next=%zz&description=%ff%fe&x"),
    ("application/json", b'{"name": "\\u0000"}'),
    ("text/plain", b"\x00\x01"),
]


@pytest.mark.parametrize(("kind", "body"), RAW_BODIES)
def test_malformed_bodies_are_never_a_500(client, kind, body):
    from .conftest import csrf_token

    token = csrf_token(client).encode()
    for path in ("/sign-in", "/language/cy", "/password-reset"):
        assert client.post(path, data=body, content_type=kind).status_code == 400
    # with a valid token an urlencoded body with broken escapes reaches the view, which still answers
    response = client.post("/language/cy", data=b"csrf_token=" + token + b"&next=/%ff%zz", content_type=kind)
    assert response.status_code < 500


def test_an_expired_editor_post_to_a_file_the_draft_lacks_keeps_nothing(client, auth, make_organisation, make_user):
    """Found by the url_map property test: a 5,000-character file name was too long for edit_stash (PostgreSQL)."""
    from literacy.auth import sessions
    from literacy.models import EditStash, utcnow

    from .authoring_support import make_draft

    organisation = make_organisation("org-a", "Organisation A")
    trainer = make_user("trainer@a.example", organisation=organisation, roles=("trainer",))
    make_draft(organisation, trainer)
    for name in ("x" * 5000, "missing.md"):
        auth.sign_in("trainer@a.example")
        with client.session_transaction() as session:  # the session runs past its idle time
            session[sessions.LAST_SEEN] = int((utcnow() - timedelta(hours=3)).timestamp())
        response = client.post(
            f"/author/org-a/modules/my-module/files/{name}",
            data={"source": "text", "action": "save", "csrf_token": "stale"},
            headers={"Origin": "http://localhost"},
        )
        assert response.status_code == 302 and "restore" not in response.headers["Location"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(EditStash.id))) == 0

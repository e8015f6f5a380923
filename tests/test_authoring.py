"""Authoring in the browser: access, the editor, drafts, publishing, versions, import and export."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select

from literacy import content
from literacy.authoring import drafts, preview, transfer, versions
from literacy.authoring.files import DraftFiles
from literacy.extensions import db
from literacy.models import EditStash, Module, ModuleDraft, ModuleVersion, User
from literacy.publishing import publish

from .authoring_support import QUIZ, files_of, make_draft
from .support.modules import write_module

BASE = "/author/org-a/modules/my-module"


@pytest.fixture
def org_a(make_organisation):
    return make_organisation("org-a", "Organisation A")


@pytest.fixture
def org_b(make_organisation):
    return make_organisation("org-b", "Organisation B")


@pytest.fixture
def trainer(make_user, org_a):
    return make_user("trainer@example.org", name="Tess Trainer", organisation=org_a, roles=("trainer",))


@pytest.fixture
def draft(org_a, trainer):
    return make_draft(org_a, trainer)


def stored(draft: ModuleDraft) -> DraftFiles:
    """The draft's files as the database holds them now (requests use their own sessions)."""
    db.session.expire_all()
    return files_of(db.session.get(ModuleDraft, draft.id))


def editor_text(page: str) -> str:
    match = re.search(r'<textarea[^>]*id="source"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert match, "no editor on the page"
    import html

    return html.unescape(match.group(1)).lstrip("\n")


# --- Access -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/author/",
        "/author/org-a/new",
        "/author/org-a/import",
        BASE,
        f"{BASE}/files/quiz.md",
        f"{BASE}/statistics",
        f"{BASE}/versions/compare",
        f"{BASE}/import-gift",
        f"{BASE}/draft.zip",
        f"{BASE}/quiz.gift",
        "/author/export/my-module.zip",
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, draft, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_learners_and_managers_are_refused(client, auth, make_user, org_a, draft):
    make_user("learner@example.org", organisation=org_a, roles=("learner",))
    make_user("manager@example.org", organisation=org_a, roles=("manager",))
    for email in ("learner@example.org", "manager@example.org"):
        auth.sign_in(email)
        assert client.get("/author/").status_code == 403
        assert client.get(BASE).status_code == 403
        assert client.get(f"{BASE}/files/quiz.md").status_code == 403
        assert auth.post(f"{BASE}/files/quiz.md", {"source": "x", "action": "save"}).status_code == 403
        assert auth.post(f"{BASE}/publish").status_code == 403
        auth.sign_out()
    assert stored(draft).text["quiz.md"] == QUIZ


def test_trainers_of_another_organisation_cannot_see_or_change_a_module(client, auth, make_user, org_b, draft):
    make_user("other@example.org", organisation=org_b, roles=("trainer",))
    auth.sign_in("other@example.org")
    assert client.get(BASE).status_code == 403  # not a trainer of org-a
    assert auth.post(f"{BASE}/files/quiz.md", {"source": "hacked", "action": "save"}).status_code == 403
    assert client.get("/author/org-b/modules/my-module").status_code == 404  # not org-b's module
    assert auth.post("/author/org-b/modules/my-module/publish").status_code == 404
    assert "my-module" not in client.get("/author/").get_data(as_text=True)
    assert stored(draft).text["quiz.md"] == QUIZ
    # Its published version cannot be exported by them either.
    trainer = db.session.get(ModuleDraft, draft.id).updated_by_id
    assert trainer is not None
    db.session.expire_all()
    versions.publish_draft(db.session.get(ModuleDraft, draft.id), db.session.get(User, trainer))
    db.session.commit()
    assert client.get("/author/export/my-module.zip").status_code == 403
    assert client.get("/author/export/my-module.gift").status_code == 403


def test_org_admins_are_trainers_of_their_organisation(client, auth, make_user, org_a, draft):
    make_user("admin@example.org", organisation=org_a, roles=("org_admin",))
    auth.sign_in("admin@example.org")
    assert client.get(BASE).status_code == 200
    assert 'href="/author/"' in client.get("/").get_data(as_text=True)


def test_navigation_shows_authoring_to_trainers_only(client, auth, make_user, org_a, trainer):
    auth.sign_in("trainer@example.org")
    assert 'href="/author/"' in client.get("/").get_data(as_text=True)
    auth.sign_out()
    make_user("learner@example.org", organisation=org_a)
    auth.sign_in("learner@example.org")
    assert 'href="/author/"' not in client.get("/").get_data(as_text=True)


# --- Creating and editing ---------------------------------------------------------------------------------


def test_create_a_module_with_form_errors_first(client, auth, trainer):
    auth.sign_in("trainer@example.org")
    response = auth.post("/author/org-a/new", {"title": "Bias basics", "slug": "Bias Basics!"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error:" in page and "There is a problem" in page
    assert 'value="Bias Basics!"' not in page or 'value="bias basics!"' in page.lower()
    assert 'value="Bias basics"' in page  # the title is kept
    assert db.session.scalar(select(func.count(ModuleDraft.id))) == 0
    response = auth.post("/author/org-a/new", {"title": "Bias basics", "slug": "bias-basics"})
    assert response.headers["Location"] == "/author/org-a/modules/bias-basics"
    draft = db.session.scalar(select(ModuleDraft))
    assert draft.module_slug == "bias-basics" and not draft.shared
    result = preview.check(files_of(draft), "bias-basics")
    assert result.problems == [] and result.module.title == "Bias basics"
    taken = auth.post("/author/org-a/new", {"title": "Again", "slug": "bias-basics"}).get_data(as_text=True)
    assert "already exists" in taken


def test_only_site_admins_may_offer_a_module_to_everyone(client, auth, make_user, org_a, trainer):
    auth.sign_in("trainer@example.org")
    auth.post("/author/org-a/new", {"title": "Mine", "slug": "mine", "shared": "y"})
    assert db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_slug == "mine")).shared is False
    auth.sign_out()
    admin = make_user("site@example.org", site_admin=True)
    auth.sign_in("site@example.org")
    auth.post("/author/org-a/new", {"title": "For all", "slug": "for-all", "shared": "y"})
    draft = db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_slug == "for-all"))
    assert draft.shared is True
    outcome = versions.publish_draft(draft, admin)
    db.session.commit()
    assert outcome.module.organisation_id is None and outcome.module.origin == "browser"


def test_saving_keeps_text_with_problems_and_shows_them_with_lines(client, auth, draft):
    auth.sign_in("trainer@example.org")
    broken = QUIZ.replace("- [x] Yellow", "- [ ] Yellow")
    response = auth.post(f"{BASE}/files/quiz.md", {"source": broken.replace("\n", "\r\n"), "action": "save"})
    assert response.status_code == 302  # saved, even though it has a problem
    assert stored(draft).text["quiz.md"] == broken
    page = client.get(f"{BASE}/files/quiz.md").get_data(as_text=True)
    assert "<title>Error:" in page
    assert "quiz.md, line 5:" in page  # the question's opening line
    assert "::: question colour</code>" in page  # the offending line quoted
    assert editor_text(page) == broken


def test_preview_renders_without_saving(client, auth, draft):
    auth.sign_in("trainer@example.org")
    text = "---\ntitle: Introduction\nminutes: 5\n---\n\nA **bold** start.\n"
    page = auth.post(f"{BASE}/files/introduction.md", {"source": text, "action": "preview"}).get_data(as_text=True)
    assert "<strong>bold</strong>" in page
    assert editor_text(page) == text
    assert "not saved yet" in page
    assert "bold" not in stored(draft).text["introduction.md"]
    fragment = auth.post(f"{BASE}/files/introduction.md/preview", {"source": text}).get_data(as_text=True)
    assert "<strong>bold</strong>" in fragment and 'id="preview-body"' in fragment


def test_the_quiz_preview_shows_each_kinds_right_answer_from_its_partial(client, auth, draft):
    auth.sign_in("trainer@example.org")
    page = client.get(f"{BASE}/files/quiz.md").get_data(as_text=True)
    preview = page.split('id="preview"', 1)[1]
    assert "Right" in preview and "Yellow" in preview  # options, for every kind that has them
    assert "Answer: 1,822, give or take 1" in preview  # the number kind's own summary


def test_hostile_markdown_is_sanitized_in_preview_and_when_published(client, auth, draft, trainer):
    auth.sign_in("trainer@example.org")
    hostile = (
        "---\ntitle: Introduction\nminutes: 5\n---\n\n<script>alert('x')</script>\n\n"
        '<p onmouseover="alert(1)">hover</p>\n\n[click](javascript:alert(2))\n\n'
        '<a href="#" onclick="steal()">link</a> <svg onload="alert(3)"></svg> <style>body{}</style>\n'
    )
    page = auth.post(f"{BASE}/files/introduction.md", {"source": hostile, "action": "preview"}).get_data(as_text=True)
    preview = page.split('id="preview"', 1)[1].split("</section>", 1)[0]
    assert "hover" in preview
    for needle in ("<script", "onmouseover", "javascript:", "onclick", "<svg", "onload", "<style"):
        assert needle not in preview
    auth.post(f"{BASE}/files/introduction.md", {"source": hostile, "action": "save"})
    db.session.expire_all()
    outcome = versions.publish_draft(db.session.get(ModuleDraft, draft.id), trainer)
    assert not isinstance(outcome, list), outcome
    html = outcome.version.lessons[0].html
    assert "hover" in html and "click" in html
    for needle in ("<script", "onmouseover", "javascript:", "onclick", "<svg", "onload", "<style"):
        assert needle not in html


# Keeping text across an expired session (and every refusal) is tested in tests/test_stash.py.


def test_another_site_cannot_plant_text_in_the_editor(client, draft):
    response = client.post(
        f"{BASE}/files/quiz.md",
        data={"source": "planted text", "action": "save"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 302
    assert "restore" not in response.headers["Location"]
    assert db.session.scalar(select(func.count(EditStash.id))) == 0


def test_anonymous_editor_posts_are_rate_limited(client, draft):
    statuses = [
        client.post(f"{BASE}/files/quiz.md", data={"source": "x"}, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [302] * 30 and statuses[30] == 429


def test_an_expired_form_token_keeps_the_text_and_saves_nothing(client, auth, draft):
    auth.sign_in("trainer@example.org")
    written = QUIZ + "\nMore.\n"
    response = client.post(f"{BASE}/files/quiz.md", data={"source": written, "action": "save", "csrf_token": "stale"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The page had expired" in page and "<title>Error:" in page
    assert editor_text(page) == written
    assert stored(draft).text["quiz.md"] == QUIZ
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    again = client.post(f"{BASE}/files/quiz.md", data={"source": written, "action": "save", "csrf_token": fresh})
    assert again.status_code == 302
    assert stored(draft).text["quiz.md"] == written


def test_add_and_delete_files(client, auth, draft):
    auth.sign_in("trainer@example.org")
    bad = auth.post(f"{BASE}/files", {"name": "Bad Name.txt"})
    assert bad.status_code == 400 and "There is a problem" in bad.get_data(as_text=True)
    assert auth.post(f"{BASE}/files", {"name": "second.md"}).headers["Location"] == f"{BASE}/files/second.md"
    assert "second.md" in stored(draft).text
    page = client.get(BASE).get_data(as_text=True)
    assert "second.md" in page
    auth.post(f"{BASE}/files/second.md/delete")
    assert "second.md" not in stored(draft).text
    assert auth.post(f"{BASE}/files/module.yaml/delete").status_code == 404


# --- Publishing and versions ------------------------------------------------------------------------------


def test_nothing_invalid_is_published(client, auth, draft):
    auth.sign_in("trainer@example.org")
    auth.post(f"{BASE}/files/quiz.md", {"source": "---\ntitle: Broken\n---\n\nNo questions.\n", "action": "save"})
    response = auth.post(f"{BASE}/publish")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<title>Error:" in page and "quiz.md, line" in page
    assert db.session.scalar(select(func.count(Module.id))) == 0


def test_publish_versions_compare_and_restore(client, auth, make_user, make_organisation, org_a, draft):
    auth.sign_in("trainer@example.org")
    assert auth.post(f"{BASE}/publish").status_code == 302
    module = db.session.scalar(select(Module).where(Module.slug == "my-module"))
    assert (module.origin, module.organisation_id, module.current_version.number) == ("browser", org_a.id, 1)
    first_hash = module.current_version.content_hash
    index = client.get("/author/").get_data(as_text=True)
    assert "Published: version 1" in index and "Changes not published" not in index
    changed = QUIZ.replace("Which colour", "Which colour of the rainbow")
    auth.post(f"{BASE}/files/quiz.md", {"source": changed, "action": "save"})
    assert "Changes not published" in client.get("/author/").get_data(as_text=True)
    auth.post(f"{BASE}/publish")
    auth.post(f"{BASE}/publish")  # unchanged: no new version
    assert "Nothing has changed since version 2" in client.get(BASE).get_data(as_text=True)
    assert db.session.scalar(select(func.count(ModuleVersion.id))) == 2
    page = client.get(f"{BASE}/versions/compare?from=1&to=2").get_data(as_text=True)
    assert "Which colour of the rainbow" in page and "diff__add" in page and "diff__remove" in page
    assert auth.post(f"{BASE}/versions/1/restore").status_code == 302
    db.session.expire_all()
    module = db.session.scalar(select(Module).where(Module.slug == "my-module"))
    assert module.current_version.number == 3
    assert module.current_version.content_hash == first_hash
    assert stored(draft).text["quiz.md"] == QUIZ
    history = client.get(BASE).get_data(as_text=True)
    assert "Tess Trainer" in history and "Restore as a new version" in history
    # Offered to the organisation's people only.
    make_user("learner@example.org", organisation=org_a)
    other = make_organisation("org-c")
    make_user("outsider@example.org", organisation=other)
    auth.sign_out()
    auth.sign_in("learner@example.org")
    assert client.get("/modules/my-module").status_code == 200
    auth.sign_out()
    auth.sign_in("outsider@example.org")
    assert client.get("/modules/my-module").status_code == 404


# --- Files modules, import and export ---------------------------------------------------------------------


def test_files_modules_are_read_only_but_exportable(client, auth, tmp_path, trainer):
    folder = write_module(tmp_path, "from-files", image=True)
    source = content.load_module(folder).module
    publish(source)
    db.session.commit()
    auth.sign_in("trainer@example.org")
    page = client.get("/author/").get_data(as_text=True)
    assert "Managed in files" in page and "/author/export/from-files.zip" in page
    assert client.get("/author/org-a/modules/from-files").status_code == 404
    created = auth.post("/author/org-a/new", {"title": "Copy", "slug": "from-files"}).get_data(as_text=True)
    assert "already exists" in created
    exported = client.get("/author/export/from-files.zip")
    assert exported.headers["Content-Type"] == "application/zip"
    files, problems = transfer.read_zip(exported.data)
    assert problems == [] and "square.png" in files.images
    assert (
        content.parse_module(files.as_bytes(), glossary=preview.published_glossary()).content_hash
        == source.content_hash
    )
    gift_text = client.get("/author/export/from-files.gift").get_data(as_text=True)
    assert "::q1::" in gift_text and "::q2::" in gift_text


def test_export_then_import_gives_the_same_module(client, auth, org_b, make_user, draft):
    auth.sign_in("trainer@example.org")
    auth.post(f"{BASE}/publish")
    module = db.session.scalar(select(Module).where(Module.slug == "my-module"))
    original_hash = module.current_version.content_hash
    exported = client.get("/author/export/my-module.zip").data
    names = zipfile.ZipFile(io.BytesIO(exported)).namelist()
    assert sorted(names) == ["my-module/introduction.md", "my-module/module.yaml", "my-module/quiz.md"]
    taken = auth.post(
        "/author/org-a/import", {"file": (io.BytesIO(exported), "my-module.zip")}, content_type="multipart/form-data"
    )
    assert "already exists" in taken.get_data(as_text=True)
    # The same zip in another site (here: after the module is gone) becomes the same module.
    db.session.delete(module)
    db.session.delete(db.session.get(ModuleDraft, draft.id))
    db.session.commit()
    response = auth.post(
        "/author/org-a/import", {"file": (io.BytesIO(exported), "my-module.zip")}, content_type="multipart/form-data"
    )
    assert response.headers["Location"] == BASE
    imported = db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_slug == "my-module"))
    auth.post(f"{BASE}/publish")
    republished = db.session.scalar(select(Module).where(Module.slug == "my-module"))
    assert republished.current_version.content_hash == original_hash
    assert imported.organisation_id == draft.organisation_id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip", "not a zip file"),
        (None, "outside the module folder"),
        ("no-yaml", "no module.yaml with a slug"),
    ],
)
def test_bad_zip_files_are_refused_with_a_message(client, auth, trainer, data, message):
    if data is None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("../evil.md", "x")
        data = buffer.getvalue()
    elif data == "no-yaml":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("thing/lesson.md", "x")
        data = buffer.getvalue()
    auth.sign_in("trainer@example.org")
    response = auth.post(
        "/author/org-a/import", {"file": (io.BytesIO(data), "m.zip")}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert "<title>Error:" in page and message in page
    assert db.session.scalar(select(func.count(ModuleDraft.id))) == 0


def test_import_gift_into_the_draft_reports_unsupported_questions(client, auth, draft):
    gift_file = (
        "// [id:tomb]\n::Tomb::Who is buried in Grant's tomb?{~Grant ~Jefferson =no one}\n\n"
        "::Essay::Tell us about yourself.{}\n\n"
        "::Match::Match them.{=a -> 1 =b -> 2}\n\n"
        "::Missing::Grant is {~buried =entombed} in the tomb.\n"
    )
    auth.sign_in("trainer@example.org")
    response = auth.post(
        f"{BASE}/import-gift",
        {"file": (io.BytesIO(gift_file.encode()), "moodle.txt")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert "1 question added to quiz.md" in page
    assert "Line 4:" in page and "essay" in page
    assert "Line 6:" in page and "matching" in page
    assert "Line 8:" in page and "missing-word" in page
    quiz = stored(draft).text["quiz.md"]
    assert quiz.startswith(QUIZ.rstrip("\n")) and "::: question tomb" in quiz
    assert preview.check(stored(draft), "my-module").problems == []
    refused = auth.post(
        f"{BASE}/import-gift",
        {"file": (io.BytesIO("Caf\xe9 {T}".encode("cp1252")), "w.txt")},
        content_type="multipart/form-data",
    )
    assert "not UTF-8" in refused.get_data(as_text=True) and "<title>Error:" in refused.get_data(as_text=True)
    exported = client.get(f"{BASE}/quiz.gift")
    assert exported.headers["Content-Type"].startswith("text/plain")
    assert "::tomb::" in exported.get_data(as_text=True)


def test_draft_pictures_are_served_to_the_organisations_trainers_for_the_preview(
    client, auth, make_user, org_b, org_a, trainer
):
    from .support.modules import PNG

    files = drafts.starter_files("pictured", "Pictured")
    files.images["square.png"] = PNG
    files.text["introduction.md"] += "\n![A small square](images/square.png)\n"
    drafts.create_draft(org_a, trainer, files, "pictured")
    db.session.commit()
    auth.sign_in("trainer@example.org")
    page = auth.post(
        "/author/org-a/modules/pictured/files/introduction.md",
        {"source": files.text["introduction.md"], "action": "preview"},
    ).get_data(as_text=True)
    assert 'src="/author/org-a/modules/pictured/images/square.png"' in page
    picture = client.get("/author/org-a/modules/pictured/images/square.png")
    assert picture.data == PNG and picture.headers["Content-Type"] == "image/png"
    assert "sandbox" in picture.headers["Content-Security-Policy"]
    assert client.get("/author/org-a/modules/pictured/images/missing.png").status_code == 404
    auth.sign_out()
    make_user("other@example.org", organisation=org_b, roles=("trainer",))
    auth.sign_in("other@example.org")
    assert client.get("/author/org-a/modules/pictured/images/square.png").status_code == 403

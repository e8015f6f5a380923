"""Issue 18, item 9: question statistics for every module a trainer may see, files modules included (they have
no draft); the editor's hint links the guide for writing modules, which trainers can read on the site."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest

from literacy.authoring.versions import publish_draft
from literacy.extensions import db
from literacy.publishing import sync_courses

from .authoring_support import QUIZ, make_draft
from .quiz_support import WRONG, complete_lessons, take, text_of, write_quiz_module

COURSES = Path(__file__).resolve().parents[1] / "literacy" / "courses"


@pytest.fixture
def org_a(make_organisation):
    return make_organisation("org-a", "Organisation A")


@pytest.fixture
def trainer(make_user, org_a):
    return make_user("trainer@example.org", name="Tess Trainer", organisation=org_a, roles=("trainer",))


@pytest.fixture
def files_module(tmp_path, app):
    root = tmp_path / "courses"
    root.mkdir()
    app.config["COURSES_DIR"] = str(root)
    write_quiz_module(root)
    sync_courses(root)
    return root


def test_a_files_modules_statistics_are_shown_to_a_trainer(client, auth, files_module, trainer, make_user):
    make_user("learner@example.org")
    auth.sign_in("learner@example.org")
    complete_lessons(auth, "quiz-module")
    take(auth, "quiz-module", WRONG)
    auth.sign_out()

    auth.sign_in("trainer@example.org")
    index = client.get("/author/").get_data(as_text=True)
    assert 'href="/author/modules/quiz-module/statistics"' in index
    response = client.get("/author/modules/quiz-module/statistics")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(page)
    assert "Question statistics" in text and "Quiz module quiz-module" in text
    assert "Question 1" in text and "Which one is right for pick-one?" in text
    assert "Wrong one" in text and "100%" in text  # the one attempt chose the wrong option
    assert 'href="/author/"' in page  # back to authoring (there is no draft to go back to)


def test_a_learner_may_not_see_statistics(client, auth, files_module, make_user):
    make_user("learner@example.org")
    assert client.get("/author/modules/quiz-module/statistics").status_code == 302  # signed out: sign in first
    auth.sign_in("learner@example.org")
    assert client.get("/author/modules/quiz-module/statistics").status_code == 403


def test_another_organisations_browser_module_is_refused(client, auth, org_a, trainer, make_organisation,
                                                         make_user):
    draft = make_draft(org_a, trainer)
    publish_draft(draft, trainer)
    db.session.commit()
    other = make_organisation("org-b", "Organisation B")
    make_user("other@example.org", organisation=other, roles=("trainer",))
    auth.sign_in("other@example.org")
    assert client.get("/author/modules/my-module/statistics").status_code == 403
    assert client.get("/author/modules/no-such-module/statistics").status_code == 404
    auth.sign_out()
    auth.sign_in("trainer@example.org")  # the module's own trainers see it here as on its module page
    assert client.get("/author/modules/my-module/statistics").status_code == 200
    assert client.get("/author/org-a/modules/my-module/statistics").status_code == 200


def test_a_shipped_module_has_statistics(client, auth, tmp_path, app, trainer):
    root = tmp_path / "courses"
    root.mkdir()
    shutil.copytree(COURSES / "ai-basics", root / "ai-basics")
    shutil.copy(COURSES / "glossary.yaml", root / "glossary.yaml")
    app.config["COURSES_DIR"] = str(root)
    sync_courses(root)
    auth.sign_in("trainer@example.org")
    page = client.get("/author/modules/ai-basics/statistics").get_data(as_text=True)
    assert "Question 12" in page and (
        "Which one is most likely to be an AI system, as the EU AI Act and the OECD define it?" in page
    )


def test_the_editor_links_the_guide_which_trainers_can_read(client, auth, org_a, trainer, make_user):
    make_draft(org_a, trainer)
    auth.sign_in("trainer@example.org")
    editor = client.get("/author/org-a/modules/my-module/files/quiz.md").get_data(as_text=True)
    assert 'href="/author/guide"' in editor and "Read the guide (opens in a new tab)" in editor
    guide = client.get("/author/guide")
    assert guide.status_code == 200
    text = text_of(guide.get_data(as_text=True))
    assert "The guide for writing modules" in text and "A module is a folder" in text and "lesson:" in text
    auth.sign_out()
    make_user("learner@example.org")
    auth.sign_in("learner@example.org")
    assert client.get("/author/guide").status_code == 403


def test_the_editor_preview_names_a_questions_lesson(client, auth, org_a, trainer):
    quiz = QUIZ.replace("type: single\n", "type: single\nlesson: introduction\n", 1)
    make_draft(org_a, trainer, quiz=quiz)
    auth.sign_in("trainer@example.org")
    page = client.get("/author/org-a/modules/my-module/files/quiz.md").get_data(as_text=True)
    assert "About the lesson introduction: learners who get it wrong are pointed to it." in text_of(page)
    wrong = QUIZ.replace("type: single\n", "type: single\nlesson: no-such-lesson\n", 1)
    page = auth.post("/author/org-a/modules/my-module/files/quiz.md", {"source": wrong, "action": "preview"})
    assert 'lesson "no-such-lesson" of question "colour" is not a lesson of this module' in html.unescape(
        page.get_data(as_text=True))

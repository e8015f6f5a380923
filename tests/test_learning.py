"""Learner pages: catalogue, module overview, lessons, knowledge checks, progress across versions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import before_render_template
from sqlalchemy import event, select, update

from literacy import summaries
from literacy.extensions import db
from literacy.learning import service
from literacy.models import LearnerModuleSummary, LessonProgress, Module, ModuleCompletion, QuizAttempt, User, utcnow
from literacy.publishing import sync_courses

from .support.modules import write_module


@pytest.fixture
def published(courses):
    write_module(courses, "test-module", welsh=True, image=True)
    sync_courses(courses)
    return courses


@pytest.fixture
def learner(make_user, auth, published):
    user = make_user("learner@example.org", name="Lee Learner")
    auth.sign_in("learner@example.org")
    return user


def test_the_catalogue_is_public(client, published):
    page = client.get("/modules").get_data(as_text=True)
    assert "Test module" in page and "A module written by the tests." in page
    assert "15 minutes" in page or "25 minutes" in page
    assert "Test learners" in page
    assert "Not started" not in page  # no status for anonymous visitors


def test_the_catalogue_says_which_languages_each_module_is_offered_in(client, courses):
    write_module(courses, "bilingual", welsh=True)
    write_module(courses, "english-only")
    sync_courses(courses)
    page = client.get("/modules", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    items = {slug: item for item in page.split('class="module-list__item"')[1:]
             for slug in ("bilingual", "english-only") if f"/modules/{slug}" in item}
    assert '<dd><span lang="en">English</span>, <span lang="cy">Cymraeg</span></dd>' in items["bilingual"]
    assert '<dd><span lang="en">English</span></dd>' in items["english-only"]
    # neither is in Swedish: each says so in Swedish, and shows its English texts marked as English
    assert all('lang="en"' in item and "visas på engelska" in item for item in items.values())


def test_the_catalogue_shows_a_learners_status(client, learner):
    assert "Not started" in client.get("/modules").get_data(as_text=True)
    client.get("/modules/test-module/lesson-1")
    assert "In progress" in client.get("/modules").get_data(as_text=True)


def test_the_module_overview_is_public_and_lessons_need_an_account(client, published):
    page = client.get("/modules/test-module").get_data(as_text=True)
    assert "Pass the tests" in page and "Lesson 2 title" in page and "A reading" in page
    response = client.get("/modules/test-module/lesson-1")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


def test_unknown_modules_and_lessons_are_not_found(client, learner):
    assert client.get("/modules/nothing").status_code == 404
    assert client.get("/modules/test-module/nothing").status_code == 404


def test_a_lesson_page(client, learner):
    page = client.get("/modules/test-module/lesson-2").get_data(as_text=True)
    assert "<h1" in page and "Lesson 2 title" in page and "Body of lesson 2." in page
    assert 'href="/modules/test-module/lesson-1"' in page and 'href="/modules/test-module/lesson-3"' in page
    assert 'id="a-heading-in-lesson-2"' in page  # heading anchors and a table of contents
    assert 'href="#a-heading-in-lesson-2"' in page


def test_answers_and_feedback_never_reach_the_page_before_answering(client, learner):
    page = client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    assert "Knowledge check in lesson-1?" in page
    assert "Secret right feedback" not in page and "Secret wrong feedback" not in page
    assert "correct" not in page.lower() and "check-feedback" not in page  # no verdict, nothing marked
    # the right option's markup differs from the wrong one's only by its key and its text
    start = page.index('class="knowledge-check"')
    right, wrong = re.findall(r'<div class="choices__item">.*?</div>', page[start:], re.S)

    def shape(option: str) -> str:
        key = re.search(r'value="([^"]*)"', option).group(1)
        option = option.replace(f'-{key}"', '-KEY"').replace(f'"{key}"', '"KEY"')
        return option.replace("Yes, right", "TEXT").replace("No, wrong", "TEXT")

    assert shape(right) == shape(wrong), (right, wrong)


def _choices(page: str) -> dict[str, str]:
    """Each option's text and the value the form sends for it, as a browser reads them from the page."""
    found = re.findall(r'<input type="radio" id="([^"]+)" name="answer" value="([^"]*)"', page)
    return {re.search(rf'<label for="{field}">(.*?)</label>', page).group(1): value for field, value in found}


def test_knowledge_checks_give_feedback_without_javascript(client, auth, learner):
    choices = _choices(client.get("/modules/test-module/lesson-1").get_data(as_text=True))
    response = auth.post("/modules/test-module/lesson-1/checks/check-lesson-1", {"answer": choices["No, wrong"]})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/modules/test-module/lesson-1#check-check-lesson-1")
    page = client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    assert "Not quite." in page and "Secret wrong feedback for lesson-1." in page
    assert "Secret right feedback" not in page
    auth.post("/modules/test-module/lesson-1/checks/check-lesson-1", {"answer": choices["Yes, right"]})
    page = client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    assert "Correct." in page and "Secret right feedback for lesson-1." in page
    # the feedback is shown once; reloading gives a fresh check
    assert "Secret right feedback" not in client.get("/modules/test-module/lesson-1").get_data(as_text=True)


def test_knowledge_checks_do_not_count_and_need_csrf(client, auth, learner):
    assert client.post("/modules/test-module/lesson-1/checks/check-lesson-1", data={"answer": "a"}).status_code == 400
    auth.post("/modules/test-module/lesson-1/checks/check-lesson-1", {"answer": "a"})
    assert db.session.scalar(select(QuizAttempt.id)) is None
    assert auth.post("/modules/test-module/lesson-1/checks/nope", {"answer": "a"}).status_code == 404


def test_marking_lessons_complete_and_continuing(client, auth, learner):
    response = auth.post("/modules/test-module/lesson-1/complete")
    assert response.headers["Location"] == "/modules/test-module/lesson-2"
    page = client.get("/modules/test-module").get_data(as_text=True)
    assert "Continue" in page and 'href="/modules/test-module/lesson-2" class="button"' not in page
    assert re.search(r'class="button" href="/modules/test-module/lesson-2"', page)
    done = db.session.scalars(select(LessonProgress.lesson_slug).where(LessonProgress.completed_at.is_not(None)))
    assert list(done) == ["lesson-1"]


def test_a_module_with_an_assessment_is_not_complete_until_it_is_passed(client, auth, learner):
    for lesson in ("lesson-1", "lesson-2", "lesson-3"):
        auth.post(f"/modules/test-module/{lesson}/complete")
    assert db.session.scalar(select(ModuleCompletion.id)) is None
    assert "Cannot start yet" not in client.get("/modules/test-module").get_data(as_text=True)


def test_progress_survives_a_new_version_and_a_new_edition_asks_for_a_refresh(courses, client, auth, make_user):
    folder = write_module(courses, "no-quiz", questions=0, lessons=2)
    sync_courses(courses)
    user = make_user("r@example.org")
    auth.sign_in("r@example.org")
    auth.post("/modules/no-quiz/lesson-1/complete")
    auth.post("/modules/no-quiz/lesson-2/complete")
    completion = db.session.scalar(select(ModuleCompletion).where(ModuleCompletion.user_id == user.id))
    assert completion.edition == 1
    assert "Completed" in client.get("/modules/no-quiz").get_data(as_text=True)

    # a typo fix: a new version, same edition; completion and progress untouched
    (folder / "lesson-1.md").write_text(
        (folder / "lesson-1.md").read_text().replace("Body", "Bodi").replace("Bodi", "Body ")
    )
    assert [r.version.number for r in sync_courses(courses).published] == [2]
    page = client.get("/modules/no-quiz").get_data(as_text=True)
    assert "Completed" in page and "Refresh due" not in page
    assert db.session.scalar(select(ModuleCompletion.id).where(ModuleCompletion.edition == 1)) == completion.id

    # a substantive change: the edition goes up and the old completion shows as refresh due
    (folder / "module.yaml").write_text((folder / "module.yaml").read_text().replace("edition: 1", "edition: 2"))
    sync_courses(courses)
    assert "Refresh due" in client.get("/modules/no-quiz").get_data(as_text=True)
    assert "Refresh due" in client.get("/modules").get_data(as_text=True)
    assert db.session.get(ModuleCompletion, completion.id) is not None  # still on record
    lessons = service.progress_by_module(db.session.get(User, user.id), [completion.module_id])
    assert lessons[completion.module_id].completed_lessons == {"lesson-1", "lesson-2"}


def test_completion_in_any_language_is_the_same_completion(courses, client, auth, make_user):
    write_module(courses, "any-language", questions=0, lessons=1, welsh=True)
    sync_courses(courses)
    make_user("cy@example.org")
    auth.sign_in("cy@example.org")
    auth.post("/language/cy")
    page = client.get("/modules/any-language/lesson-1").get_data(as_text=True)
    assert "Corff gwers 1 yn Gymraeg." in page and 'lang="cy"' in page
    auth.post("/modules/any-language/lesson-1/complete")
    auth.post("/language/en")
    assert "Completed" in client.get("/modules/any-language").get_data(as_text=True)


def test_welsh_learners_see_welsh_where_it_exists_and_english_with_a_note(client, auth, learner):
    auth.post("/language/cy")
    page = client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    assert "Teitl gwers 1" in page and "Gwiriad gwybodaeth yn lesson-1?" in page
    page = client.get("/modules/test-module/lesson-2").get_data(as_text=True)
    assert "Lesson 2 title" in page and '<div class="prose lesson" lang="en">' in page
    assert "Saesneg" in page  # the note that it is shown in English
    assert "Modiwl prawf test-module" in client.get("/modules").get_data(as_text=True)


def test_organisation_modules_are_offered_only_to_their_organisation(
    courses, client, auth, make_organisation, make_user
):
    write_module(courses, "private")
    sync_courses(courses)
    own, other = make_organisation("own"), make_organisation("other")
    module = db.session.scalar(select(Module).where(Module.slug == "private"))
    module.organisation_id = own.id
    db.session.commit()
    assert client.get("/modules/private").status_code == 404
    assert "private" not in client.get("/modules").get_data(as_text=True)
    make_user("outsider@example.org", organisation=other)
    auth.sign_in("outsider@example.org")
    assert client.get("/modules/private").status_code == 404
    assert client.get("/modules/private/lesson-1").status_code == 404
    auth.sign_out()
    make_user("insider@example.org", organisation=own)
    auth.sign_in("insider@example.org")
    assert client.get("/modules/private/lesson-1").status_code == 200


def test_module_images_are_served_from_the_published_version(client, learner):
    page = client.get("/modules/test-module/lesson-1").get_data(as_text=True)
    assert 'src="/modules/test-module/images/square.png"' in page and 'alt="A test picture of a square"' in page
    response = client.get("/modules/test-module/images/square.png")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get("/modules/test-module/images/missing.png").status_code == 404


def test_the_glossary_page(courses, client):
    (courses / "glossary.yaml").write_text(
        "terms:\n  - id: bias\n    term: Bias\n    definition: Unfair skew.\n"
        "    cy:\n      term: Rhagfarn\n      definition: Gogwydd annheg.\n"
    )
    sync_courses(courses)
    assert 'id="bias"' in client.get("/glossary").get_data(as_text=True)
    assert "Rhagfarn" in client.get("/glossary", headers={"Accept-Language": "cy"}).get_data(as_text=True)


def count_queries(app, callable_):
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        callable_()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return statements


def test_a_lesson_page_runs_a_constant_handful_of_queries(app, courses, client, auth, make_user):
    write_module(courses, "small", lessons=2)
    write_module(courses, "large", lessons=12, questions=20)
    sync_courses(courses)
    make_user("q@example.org")
    auth.sign_in("q@example.org")
    for slug in ("small", "large"):
        client.get(f"/modules/{slug}/lesson-1")
        for lesson in range(1, 3):
            auth.post(f"/modules/{slug}/lesson-{lesson}/complete")
    small = count_queries(app, lambda: client.get("/modules/small/lesson-2"))
    large = count_queries(app, lambda: client.get("/modules/large/lesson-2"))
    # the visit writes two UPDATEs: the lesson's time and the learner's summary row
    assert len(small) == len(large) <= 10, "\n".join(s[:90] for s in large)
    catalogue_small = count_queries(app, lambda: client.get("/modules"))
    write_module(courses, "another", lessons=5)
    sync_courses(courses)
    # the new version is read once in this process (version_cache), then kept
    assert len(count_queries(app, lambda: client.get("/modules"))) == len(catalogue_small) + 1
    assert len(count_queries(app, lambda: client.get("/modules"))) == len(catalogue_small)


def test_opening_a_started_lesson_again_only_moves_the_time_of_activity(app, client, learner):
    """The first opening counts as a lesson started; opening it again a while later writes two UPDATEs,
    locks nothing and recomputes nothing (within a minute it writes nothing: tests/test_lesson_reads.py)."""
    client.get("/modules/test-module/lesson-1")
    module_id = db.session.scalar(select(Module.id).where(Module.slug == "test-module"))
    key = (learner.id, module_id)
    earlier = utcnow() - timedelta(minutes=5)  # as if the first opening was five minutes ago
    db.session.execute(update(LessonProgress).values(started_at=earlier))
    db.session.execute(update(LearnerModuleSummary).values(last_activity_at=earlier))
    db.session.commit()
    first = db.session.get(LearnerModuleSummary, key).last_activity_at
    statements = count_queries(app, lambda: client.get("/modules/test-module/lesson-1"))
    writes = [" ".join(s.split()[:2]) for s in statements if not s.lstrip().upper().startswith("SELECT")]
    assert writes == ["UPDATE lesson_progress", "UPDATE learner_module_summary"], statements
    assert not [s for s in statements if "FOR UPDATE" in s or "ON CONFLICT" in s], "locked or recomputed"
    db.session.expire_all()
    started = db.session.scalar(select(LessonProgress.started_at).where(LessonProgress.lesson_slug == "lesson-1"))
    assert db.session.get(LearnerModuleSummary, key).last_activity_at == started > first
    assert summaries.differences() == []


def test_the_lesson_page_commits_once_before_rendering(app, client, learner):
    happened = []

    def committed(connection):
        happened.append("commit")

    def rendering(sender, template, context, **extra):
        happened.append(template.name)

    event.listen(db.engine, "commit", committed)
    before_render_template.connect(rendering, app)
    try:
        assert client.get("/modules/test-module/lesson-2").status_code == 200
        assert client.get("/modules/test-module/lesson-2").status_code == 200  # again: nothing to write
    finally:
        event.remove(db.engine, "commit", committed)
        before_render_template.disconnect(rendering, app)
    # the "Real cases" aside is rendered once per lesson and language, then kept
    assert happened == ["commit", "learning/lesson.html", "cases/_lesson_aside.html", "learning/lesson.html"]


def test_a_lesson_page_does_not_render_markdown(app, client, learner, monkeypatch):
    import markdown

    def refuse(*args, **kwargs):
        raise AssertionError("markdown rendered during a request")

    monkeypatch.setattr(markdown.Markdown, "convert", refuse)
    assert client.get("/modules/test-module/lesson-1").status_code == 200


def test_completion_time_is_recorded(client, auth, courses, make_user):
    write_module(courses, "timed", questions=0, lessons=1)
    sync_courses(courses)
    make_user("t@example.org")
    auth.sign_in("t@example.org")
    before = utcnow()
    auth.post("/modules/timed/lesson-1/complete")
    completion = db.session.scalar(select(ModuleCompletion))
    assert completion.completed_at >= before and completion.percent is None


def test_the_quiz_intro_shows_the_authors_title_and_introduction(courses, client, auth, make_user):
    folder = write_module(courses, "titled", lessons=1)
    quiz_file = folder / "quiz.md"
    quiz_file.write_text(quiz_file.read_text().replace("---\n\n", "---\n\nTen minutes, *no* time limit.\n\n", 1))
    sync_courses(courses)
    make_user("t@example.org")
    auth.sign_in("t@example.org")
    page = client.get("/modules/titled/quiz").get_data(as_text=True)
    assert "Test assessment</h1>" in page and "Ten minutes, <em>no</em> time limit." in page

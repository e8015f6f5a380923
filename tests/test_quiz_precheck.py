"""The pre-check: a short diagnostic before the lessons, recorded apart from the assessment."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from literacy.extensions import db
from literacy.models import ModuleCompletion, QuizAttempt
from literacy.publishing import sync_courses

from .quiz_support import RIGHT, complete_lessons, take, text_of, write_quiz_module


@pytest.fixture
def learner(tmp_path, app, make_user, auth):
    write_quiz_module(tmp_path)
    sync_courses(tmp_path)
    user = make_user("p@example.org")
    auth.sign_in("p@example.org")
    return user


def test_the_module_overview_offers_the_pre_check(client, learner):
    page = client.get("/modules/quiz-module").get_data(as_text=True)
    assert 'href="/modules/quiz-module/precheck"' in page and "Pre-check: what do you know already?" in page


def test_the_pre_check_is_taken_before_the_lessons_and_recorded_separately(client, auth, learner):
    page = text_of(client.get("/modules/quiz-module/precheck").get_data(as_text=True))
    assert "Pre-check" in page and "They do not count towards your result." in page and "Questions 1" in page
    assert "Pass mark" not in page and "Start the pre-check" in page
    attempt = take(auth, "quiz-module", {"pre-one": "b"}, purpose="precheck")
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.purpose == "precheck" and attempt.score == 1 and attempt.passed is None
    result = text_of(client.get(f"/modules/quiz-module/precheck/{attempt.id}").get_data(as_text=True))
    assert "Pre-check done" in result and "You knew 1 out of 1" in result and "Pre feedback false." in result
    # it does not count towards the assessment or completion
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 0
    intro = text_of(client.get("/modules/quiz-module/precheck").get_data(as_text=True))
    assert "You have taken the pre-check." in intro and "Start the pre-check" not in intro
    assert auth.post("/modules/quiz-module/precheck").headers["Location"] == "/modules/quiz-module/precheck"
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_the_pre_check_is_closed_once_lessons_are_done(client, auth, learner):
    complete_lessons(auth, "quiz-module", 1)
    page = text_of(client.get("/modules/quiz-module/precheck").get_data(as_text=True))
    assert "The pre-check is taken before the lessons" in page
    auth.post("/modules/quiz-module/precheck")
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_the_pre_check_and_the_assessment_are_separate(client, auth, learner):
    take(auth, "quiz-module", {"pre-one": "a"}, purpose="precheck")
    complete_lessons(auth, "quiz-module")
    attempt = take(auth, "quiz-module", RIGHT)
    purposes = dict(db.session.execute(select(QuizAttempt.purpose, QuizAttempt.percent)).all())
    assert purposes == {"precheck": 0, "assessment": 100}
    assert db.session.scalar(select(ModuleCompletion.attempt_id)) == attempt.id


def test_the_pre_check_needs_an_account(client, learner, auth):
    auth.sign_out()
    response = client.get("/modules/quiz-module/precheck")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")

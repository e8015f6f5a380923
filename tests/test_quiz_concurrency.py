"""Concurrent submissions of one attempt grade it once: real threads, each with its own database
connection, on PostgreSQL (row locks) and SQLite (writers queue for the write lock, BEGIN IMMEDIATE) alike.
Threads that call services outside a request mark their transactions as writers with ``writing()``."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from literacy.extensions import db, writing
from literacy.learning import quiz, service
from literacy.models import Certificate, ModuleCompletion, QuizAttempt, Response, User
from literacy.publishing import sync_courses

from .conftest import IsolatedClient, csrf_token
from .quiz_support import RIGHT, write_quiz_module

THREADS = 8


@pytest.fixture
def answered(tmp_path, app, make_user):
    """An attempt with every question answered, committed, ready to submit."""
    write_quiz_module(tmp_path)
    sync_courses(tmp_path)
    user = make_user("c@example.org")
    module, version = service.find_module(user, "quiz-module")
    for lesson in ("lesson-1", "lesson-2"):
        service.complete_lesson(user, module, version, lesson)
    attempt = quiz.start_attempt(user, module, version, "assessment", "en")
    for key, answer in RIGHT.items():
        quiz.save_answer(attempt.id, key, answer, 3)
    db.session.commit()
    return user.id, attempt.id


def run_together(count: int, work) -> list:
    """Run ``work(index)`` in ``count`` threads released at the same moment; returns their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def slow_grading(monkeypatch) -> None:
    """Hold the winner inside its transaction a little, so the others really wait on the row lock."""
    original = quiz.service_grade

    def slow(row, answer):
        time.sleep(0.01)
        return original(row, answer)

    monkeypatch.setattr(quiz, "service_grade", slow)


def assert_graded_once(attempt_id: int) -> None:
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.submitted_at is not None and attempt.score == 5 and attempt.passed is True
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    assert db.session.scalar(select(func.count(Response.id)).where(Response.is_correct.is_(True))) == 5


def submit_and_commit(user_id: int, attempt_id: int) -> str:
    """What the check page does: the service grades (or not), then the request commits once."""
    outcome = quiz.submit_attempt(db.session.get(User, user_id), attempt_id).outcome
    db.session.commit()
    return outcome


def test_concurrent_service_calls_grade_once(app, answered, monkeypatch):
    user_id, attempt_id = answered
    slow_grading(monkeypatch)
    db.session.remove()

    def submit(_index: int) -> str:
        with app.app_context(), writing():
            try:
                return submit_and_commit(user_id, attempt_id)
            finally:
                db.session.remove()

    outcomes = run_together(THREADS, submit)
    assert sorted(outcomes).count(quiz.Outcome.GRADED) == 1, outcomes
    assert outcomes.count(quiz.Outcome.ALREADY) == THREADS - 1
    assert_graded_once(attempt_id)


def test_concurrent_requests_from_several_tabs_grade_once(app, answered, monkeypatch):
    """The same person submits from several browser tabs (separate sessions) at the same moment."""
    user_id, attempt_id = answered
    slow_grading(monkeypatch)
    clients = []
    for _ in range(THREADS):
        client = IsolatedClient(app, app.response_class, use_cookies=True)
        token = csrf_token(client)
        client.post(
            "/sign-in", data={"email": "c@example.org", "password": "correct horse battery", "csrf_token": token}
        )
        clients.append((client, csrf_token(client)))
    db.session.remove()
    path = f"/modules/quiz-module/quiz/{attempt_id}/check"

    def post(index: int) -> int:
        client, token = clients[index]
        response = client.post(path, data={"csrf_token": token})
        return response.status_code, response.headers.get("Location")

    results = run_together(THREADS, post)
    assert all(result == (302, f"/modules/quiz-module/quiz/{attempt_id}") for result in results), results
    assert_graded_once(attempt_id)


def test_an_answer_saved_while_grading_waits_and_is_refused(app, answered, monkeypatch):
    """Saving locks the attempt row, so an answer sent while grading runs cannot land after it."""
    user_id, attempt_id = answered
    grading = threading.Event()
    original = quiz.service_grade

    def slow(row, answer):
        grading.set()
        time.sleep(0.02)
        return original(row, answer)

    monkeypatch.setattr(quiz, "service_grade", slow)
    db.session.remove()

    def work(index: int):
        with app.app_context(), writing():
            try:
                if index == 0:
                    return submit_and_commit(user_id, attempt_id)
                assert grading.wait(timeout=10)
                saved = quiz.save_answer(attempt_id, "name-it", "changed", 1)
                db.session.commit()
                return saved
            finally:
                db.session.remove()

    outcome, saved = run_together(2, work)
    assert outcome == quiz.Outcome.GRADED and saved is False
    db.session.expire_all()
    response = db.session.scalar(select(Response).where(Response.question_key == "name-it"))
    assert response.answer == "atrs" and response.is_correct is True


def test_starting_from_several_tabs_at_once_makes_one_attempt(app, tmp_path, make_user):
    write_quiz_module(tmp_path, "start-race")
    sync_courses(tmp_path)
    user = make_user("s@example.org")
    module, version = service.find_module(user, "start-race")
    for lesson in ("lesson-1", "lesson-2"):
        service.complete_lesson(user, module, version, lesson)
    db.session.commit()
    user_id, module_id = user.id, module.id
    db.session.remove()

    def begin(_index: int) -> int:
        with app.app_context(), writing():
            try:
                person = db.session.get(User, user_id)
                found_module, found_version = service.find_module(person, "start-race")
                attempt = quiz.start_attempt(person, found_module, found_version, "assessment", "en")
                db.session.commit()
                return attempt.id
            finally:
                db.session.remove()

    ids = run_together(THREADS, begin)
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.module_id == module_id)) == 1

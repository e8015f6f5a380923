"""The mixed workload's pieces (``bench/mixed_load.py``) against the app on a local port; nothing is timed.

The benchmark's figures mean something only if its people really sign in, really take assessments and
count every wrong answer from the site as an error; these tests check that, on a small organisation built
by the benchmark's own data builder, through a threaded server on a free port. One slow test runs the whole
script (gunicorn, the log scan, ``flask summaries check``) for two seconds with three people.
"""

from __future__ import annotations

import dataclasses
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select
from werkzeug.serving import make_server

from literacy import summaries
from literacy.extensions import db
from literacy.models import Cohort, CohortMember, Module, ModuleCompletion, QuizAttempt, Response, User

from .conftest import make_app, make_config

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))
import mixed_load  # noqa: E402


@dataclasses.dataclass
class Site:
    url: str
    plan: mixed_load.Plan


@pytest.fixture
def site(app: Flask, published_curriculum: Path, database_url: str) -> Iterator[Site]:
    """24 learners in 3 cohorts of 8 (3 of them simulated), served by a second app on a free port."""
    plan = mixed_load.build(db, learners=24, cohort_size=8, users=3)
    served = make_app(make_config(database_url, SECURE_COOKIES="false", TESTING=False))
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(f"http://127.0.0.1:{server.server_port}", plan)
    server.shutdown()
    thread.join(timeout=5)
    with served.app_context():
        db.engine.dispose()
    db.session.remove()


def signed_in(site: Site, index: int = 0, **changes: Any) -> mixed_load.Learner:
    person = dataclasses.replace(site.plan.people[index], **changes)
    learner = mixed_load.Learner(site.url, person, site.plan, index)
    assert learner.sign_in() == []
    return learner


def test_the_data_gives_each_simulated_person_a_cohort_a_manager_and_open_assessments(site: Site) -> None:
    plan = site.plan
    assert len(plan.people) == 3
    assert {person.cohort_id for person in plan.people} == {1, 2, 3}  # spread over the cohorts
    assert db.session.scalar(select(func.count(Cohort.id))) == 3
    assert db.session.scalar(select(func.count(CohortMember.id))) == 24
    for person in plan.people:
        assert person.manager_email == f"manager{person.cohort_id}@bench.example"
        assert len(person.quiz_modules) == 2 and all(slug in plan.questions for slug in person.quiz_modules)
        assert all(path.startswith("/modules/") for path in person.lessons)
    assert all(question.correct for questions in plan.questions.values() for question in questions)
    unfinished = select(func.count(QuizAttempt.id)).where(QuizAttempt.submitted_at.is_(None))
    assert db.session.scalar(unfinished) == 3  # one each, to resume
    assert summaries.differences() == []  # rebuilt after the bulk rows


def test_a_short_run_of_three_people_has_no_errors_and_keeps_the_summaries_exact(site: Site) -> None:
    learners = [signed_in(site, index) for index in range(3)]
    # at least 12 requests each: the people's draws are seeded, so every kind comes up however slow the
    # machine (a loaded CI machine once made too few requests in two seconds to reach My learning)
    elapsed = mixed_load.run(learners, 2.0, weights=(40, 20, 30, 10), at_least=12)
    samples = [sample for learner in learners for sample in learner.samples]
    assert elapsed >= 2.0
    assert [sample for sample in samples if sample.error] == []
    assert {sample.kind for sample in samples} >= {"lesson", "my-learning", "quiz"}
    lines = mixed_load.table(samples, elapsed)
    assert lines[-1].split()[:2] == ["all", str(len(samples))]
    db.session.rollback()
    answers, _attempts, problems = mixed_load.lost_answers(db, site.plan, learners)
    assert problems == []
    assert answers == sum(len(learner.accepted) for learner in learners)
    assert summaries.differences() == []


def _until_submitted(learner: mixed_load.Learner) -> list[str]:
    """Take quiz steps until an attempt is submitted, then see its result; returns the steps taken."""
    steps: list[str] = []
    submitted = len(learner.submitted)
    while len(learner.submitted) == submitted and len(steps) < 100:
        steps.append(learner.flow.step)
        learner.quiz()
    learner.quiz()  # the result page
    assert learner.samples[-1].step == "result"
    return steps


def test_the_assessment_flow_resumes_answers_every_question_and_submits(site: Site) -> None:
    learner = signed_in(site, ability=1.0)  # always the right options, read from the labels shown
    first, second = learner.person.quiz_modules
    user = db.session.scalar(select(User).where(User.email == learner.person.email))
    resumed = db.session.scalar(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_(None))
    )
    answered = db.session.scalar(select(func.count(Response.id)).where(Response.attempt_id == resumed.id))
    assert db.session.scalar(select(Module.slug).where(Module.id == resumed.module_id)) == first
    db.session.rollback()

    questions = len(site.plan.questions[first])
    steps = _until_submitted(learner)  # the attempt the data left open, from its first unanswered question
    assert steps == ["intro", "start"] + ["question", "answer"] * (questions - answered) + ["check", "submit"]
    assert list(learner.submitted) == [resumed.id]
    assert learner.flow.step == "intro" and learner.flow.module == second  # on to the next assessment

    steps = _until_submitted(learner)  # a new attempt, every answer right
    questions = len(site.plan.questions[second])
    assert steps == ["intro", "start"] + ["question", "answer"] * questions + ["check", "submit"]
    assert [sample.error for sample in learner.samples] == [None] * len(learner.samples)
    db.session.rollback()
    attempt = db.session.get(QuizAttempt, list(learner.submitted)[-1])
    assert db.session.scalar(select(Module.slug).where(Module.id == attempt.module_id)) == second
    assert attempt.percent == 100 and attempt.passed
    assert db.session.scalar(select(func.count(Response.id)).where(Response.attempt_id == attempt.id)) == questions
    completed = select(func.count(ModuleCompletion.id)).where(
        ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == attempt.module_id
    )
    assert db.session.scalar(completed) >= 1  # this pass, or an earlier one
    accepted = questions + len(site.plan.questions[first]) - answered
    assert mixed_load.lost_answers(db, site.plan, [learner]) == (accepted, 2, [])
    assert summaries.differences() == []


def test_an_answer_the_database_lost_is_reported(site: Site) -> None:
    learner = signed_in(site)
    while len(learner.accepted) < 2:
        learner.quiz()
    db.session.rollback()
    attempt_id = learner.flow.attempt_id
    db.session.execute(delete(Response).where(Response.attempt_id == attempt_id))
    db.session.commit()
    answers, attempts, problems = mixed_load.lost_answers(db, site.plan, [learner])
    assert (answers, attempts) == (2, 0)
    assert problems == [f"attempt {attempt_id}: accepted answers missing: {sorted(problems_keys(site, learner))}"]


def problems_keys(site: Site, learner: mixed_load.Learner) -> list[str]:
    from literacy.learning import quiz
    from literacy.models import Module, ModuleVersion

    module = db.session.scalar(select(Module).where(Module.slug == learner.flow.module))
    version = db.session.get(ModuleVersion, module.current_version_id)
    keys = [row.key for row in quiz.questions_in(version.id, version.language, quiz.ASSESSMENT, version.language)]
    return [keys[number - 1] for _attempt, _module, number in learner.accepted]


def test_a_session_the_site_dropped_counts_as_an_error(site: Site) -> None:
    learner = signed_in(site)
    learner.lesson()
    assert learner.samples[-1].error is None
    learner.session.cookies.clear()
    learner.lesson()
    assert learner.samples[-1].error == "signed out"
    learner.my_learning()
    assert learner.samples[-1].error == "signed out"
    assert learner.samples[-1].detail == "302 /my-learning"


def test_a_refused_answer_counts_as_an_error_and_the_flow_starts_again(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner = signed_in(site)
    while learner.flow.step != "answer":
        learner.quiz()
    monkeypatch.setattr(learner, "answer", lambda flow: [])  # nothing chosen: the page asks again (200)
    learner.quiz()
    assert learner.samples[-1].error == "form refused"
    assert learner.flow.step == "intro"
    assert learner.accepted == set()
    monkeypatch.undo()
    while not learner.accepted:  # the intro's "Start" resumes the same attempt
        learner.quiz()
    assert {attempt for attempt, _module, _number in learner.accepted} == {learner.flow.attempt_id}


def test_a_manager_sees_the_cohort_dashboard_and_a_missing_page_is_an_error(site: Site) -> None:
    learner = signed_in(site)
    learner.dashboard()
    assert learner.samples[-1].error is None
    learner.person = dataclasses.replace(learner.person, cohort_id=999)
    learner.dashboard()
    assert learner.samples[-1].error == "status 404"


def test_percentiles_are_nearest_rank_and_the_log_scan_counts_locks() -> None:
    ordered = [float(n) for n in range(1, 101)]
    assert mixed_load.percentile(ordered, 0.5) == 50
    assert mixed_load.percentile(ordered, 0.95) == 95
    assert mixed_load.percentile(ordered, 0.99) == 99
    assert mixed_load.percentile([7.0], 0.99) == 7
    log = "Traceback (most recent call last):\nsqlite3.OperationalError: database is locked\n[CRITICAL] WORKER TIMEOUT"
    assert mixed_load.scan_log(log) == {"database is locked": 1, "Traceback": 1, "WORKER TIMEOUT": 1}
    assert mixed_load.scan_log("[INFO] Booting worker") == {
        "database is locked": 0,
        "Traceback": 0,
        "WORKER TIMEOUT": 0,
    }


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not _redis_answers(), reason="several gunicorn workers need the rate limits in Redis")
def test_the_script_runs_under_gunicorn_with_no_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole script, briefly: its own SQLite file, 2 workers, 3 people for 2 seconds."""
    status = mixed_load.main(
        [
            "--learners",
            "30",
            "--cohort-size",
            "10",
            "--users",
            "3",
            "--seconds",
            "2",
            "--warmup",
            "0.5",
            "--workers",
            "2",
        ]
    )
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert '"database is locked" 0' in printed
    assert "flask summaries check: exit 0: The summaries match the raw rows." in printed
    assert "targets (0 errors, no 'database is locked', summaries exact): met" in printed

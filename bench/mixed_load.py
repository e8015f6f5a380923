"""A bounded mixed workload against the project under gunicorn, as production runs it; prints the figures.

It builds an organisation of a few thousand learners in cohorts with the real curriculum (``literacy/courses``)
assigned, with the progress, attempts, completions and certificates of a few months of use, then starts
``gunicorn -c python:literacy.gunicorn_config literacy.wsgi:app`` with 4 sync workers (the rate limits in
Redis, as several workers need) and lets 50 simulated people use it at once for 60 seconds, each as fast as
the site answers (no pause between requests). Each is a learner signed in through the real sign-in form with
a session of their own and one User-Agent (session protection binds a session to it). Of their requests:

- 70 % lesson pages of the modules their cohort is assigned;
- 15 % My learning;
- 10 % one step of a real assessment: the intro page, "Start" (with the page's CSRF token), each question
  page and its answer (the right one with the person's ability, read from the labels shown), "Check your
  answers", submitting, the result; then the next attempt;
- 5 % the cohort dashboard, seen by a manager of the organisation (a second session the person keeps).

An error is any status other than the one the page should answer (200 for a page, a redirect to the next
step for a form), any redirect to the sign-in page, a page without what it shows (a question without its
options), a refused answer, or a failed connection. After the run it scans gunicorn's log for
``database is locked`` and tracebacks, checks in the database that every answer the server accepted is
stored and every submitted attempt is graded, and runs ``flask summaries check`` (the dashboards stay exact).

The load generator runs in this process (a thread per person, ``requests``) on the same machine as the
server, so it takes a share of the processor too. Exit status 1 when anything went wrong.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import common  # noqa: F401  (puts the repository on sys.path)
import requests

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "benchmark password"
ORGANISATION = "bench"
KINDS = ("lesson", "my-learning", "quiz", "dashboard")
WEIGHTS = (70, 15, 10, 5)
QUIZ_STEPS = ("intro", "start", "question", "answer", "check", "submit", "result")
TIMEOUT = 120  # seconds a request may take before it counts as a failed connection

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHOICE_RE = re.compile(
    r'<input type="(radio|checkbox)" id="answer-\d+" name="answer" value="(\d+)"[^>]*>\s*'
    r'<label for="answer-\d+">(.*?)</label>',
    re.S,
)


# --- the data -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizQuestion:
    kind: str
    correct: frozenset[str]  # the HTML of the right options, as the page shows them


@dataclass(frozen=True)
class Person:
    """One simulated person: a learner of one cohort, and the manager account they look at dashboards as."""

    email: str
    manager_email: str
    cohort_id: int
    lessons: tuple[str, ...]  # paths of the lesson pages of the cohort's modules
    quiz_modules: tuple[str, ...]  # modules whose lessons they have done, so the assessment is open
    ability: float  # how likely an answer is right


@dataclass
class Plan:
    """What the workload needs to know about the data: the people and each module's questions in order."""

    people: list[Person]
    questions: dict[str, list[QuizQuestion]]
    organisation: str = ORGANISATION
    rows: dict[str, int] = field(default_factory=dict)


def build(db, learners: int, cohort_size: int, users: int, seed: int = 11) -> Plan:
    """Fill an empty database (the curriculum is published first unless it already is); returns the plan.

    Cohorts of ``cohort_size`` learners, each assigned 4 of the 6 modules (the first two with due dates);
    per assigned module a learner has not started (15 %), done some lessons (25 %) or every lesson, and
    then mostly taken the assessment once to three times, with a completion and a certificate on a pass.
    The ``users`` simulated people are spread over the cohorts, have done every lesson of their cohort's
    first two modules and have an unfinished attempt at the first one's assessment. One manager per cohort.
    Rows are written in bulk and the summaries are rebuilt once afterwards, as after an import.
    """
    from dashboards import Writer
    from sqlalchemy import func, select, text
    from werkzeug.security import generate_password_hash

    from literacy import summaries, validity
    from literacy.config import PACKAGE_ROOT
    from literacy.models import (
        Certificate,
        Cohort,
        CohortAssignment,
        CohortMember,
        Lesson,
        LessonProgress,
        Membership,
        Module,
        ModuleCompletion,
        ModuleVersion,
        Organisation,
        Question,
        QuizAttempt,
        Response,
        User,
    )
    from literacy.publishing import sync_courses

    if not db.session.scalar(select(func.count(Module.id)).where(Module.current_version_id.is_not(None))):
        report = sync_courses(PACKAGE_ROOT / "courses")
        assert not report.problems, report.problems
        db.session.commit()
    modules = []  # (id, slug, version, lesson slugs, questions as rows)
    for module in db.session.scalars(select(Module).where(Module.current_version_id.is_not(None)).order_by(Module.id)):
        version = db.session.get(ModuleVersion, module.current_version_id)
        lessons = db.session.scalars(
            select(Lesson.slug)
            .where(Lesson.version_id == version.id, Lesson.language == version.language)
            .order_by(Lesson.position)
        ).all()
        questions = db.session.scalars(
            select(Question)
            .where(
                Question.version_id == version.id,
                Question.purpose == "assessment",
                Question.language == version.language,
            )
            .order_by(Question.position)
        ).all()
        modules.append((module.id, module.slug, version, list(lessons), list(questions)))
    assert len(modules) >= 4, "the workload needs at least 4 published modules"
    question_plan = {
        slug: [
            QuizQuestion(
                row.kind,
                frozenset(option["html"] for option in row.options if option["key"] in row.answer["correct"]),
            )
            for row in questions
        ]
        for _id, slug, _version, _lessons, questions in modules
    }

    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=120)
    cohorts = max(1, math.ceil(learners / cohort_size))
    hashed = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")  # fast to check; production uses scrypt
    tables = {
        model.__tablename__: model.__table__
        for model in (
            Organisation,
            User,
            Membership,
            Cohort,
            CohortMember,
            CohortAssignment,
            LessonProgress,
            QuizAttempt,
            Response,
            ModuleCompletion,
            Certificate,
        )
    }
    chosen = {cohort: [] for cohort in range(1, cohorts + 1)}  # the simulated people's ids, per cohort
    for index in range(users):
        cohort = index % cohorts + 1
        first = (cohort - 1) * cohort_size + 1
        chosen[cohort].append(first + len(chosen[cohort]))
    simulated = {user_id for ids in chosen.values() for user_id in ids}
    assigned: dict[int, list[tuple]] = {}
    attempt_id = completion_id = 0
    with db.engine.begin() as connection:
        out = Writer(connection)
        out.add(
            tables["organisation"], {"id": 1, "slug": ORGANISATION, "name": "Bench County Council", "created_at": start}
        )
        out.flush()
        for user_id in range(1, learners + cohorts + 1):
            manager = user_id > learners
            out.add(
                tables["user"],
                {
                    "id": user_id,
                    "email": _email(user_id, learners),
                    "name": f"Manager {user_id - learners}" if manager else f"Person {user_id:06d}",
                    "password_hash": hashed,
                    "is_site_admin": False,
                    "is_enabled": True,
                    "created_at": start,
                    "email_verified_at": start,
                },
            )
        out.flush()
        for user_id in range(1, learners + cohorts + 1):
            role = "manager" if user_id > learners else "learner"
            out.add(tables["membership"], {"user_id": user_id, "organisation_id": 1, "role": role, "created_at": start})
        out.flush()
        for cohort in range(1, cohorts + 1):
            out.add(
                tables["cohort"],
                {
                    "id": cohort,
                    "organisation_id": 1,
                    "name": f"Cohort {cohort:02d}",
                    "description": "",
                    "starts_on": start.date(),
                    "ends_on": None,
                    "created_at": start,
                },
            )
            out.flush(tables["cohort"])
            picked = [modules[(cohort - 1 + offset) % len(modules)] for offset in range(4)]
            assigned[cohort] = picked
            for position, (module_id, *_rest) in enumerate(picked):
                due = date.today() + timedelta(days=rng.randint(-20, 60)) if position < 2 else None
                out.add(
                    tables["cohort_assignment"],
                    {"cohort_id": cohort, "module_id": module_id, "due_on": due, "assigned_at": start},
                )
            for user_id in range((cohort - 1) * cohort_size + 1, min(learners, cohort * cohort_size) + 1):
                out.add(
                    tables["cohort_member"],
                    {"cohort_id": cohort, "user_id": user_id, "added_at": start, "removed_at": None},
                )
                ability = rng.betavariate(6, 2)
                for position, (module_id, _slug, version, lessons, questions) in enumerate(picked):
                    roll = rng.random()
                    if user_id in simulated and position < 2:
                        roll = 0.5 + roll / 2  # every lesson done, and maybe attempts already
                    if roll < 0.15:
                        continue  # not started
                    moment = start + timedelta(days=rng.randint(0, 110), minutes=rng.randint(0, 600))
                    done = rng.randint(1, len(lessons) - 1) if roll < 0.4 else len(lessons)
                    for number, lesson in enumerate(lessons[: done + 1], start=1):
                        out.add(
                            tables["lesson_progress"],
                            {
                                "user_id": user_id,
                                "module_id": module_id,
                                "lesson_slug": lesson,
                                "version_id": version.id,
                                "started_at": moment + timedelta(minutes=10 * number),
                                "completed_at": moment + timedelta(minutes=10 * number + 8) if number <= done else None,
                            },
                        )
                    if done < len(lessons) or roll < 0.5:
                        continue  # in progress, or every lesson done and no attempt yet
                    for attempt_number in range(rng.choice((1, 1, 2, 3))):
                        attempt_id += 1
                        taken = moment + timedelta(days=1 + attempt_number, minutes=rng.randint(0, 300))
                        verdicts = [rng.random() < ability for _row in questions]
                        right = sum(verdicts)
                        percent = round(100 * right / len(questions))
                        passed = percent >= version.pass_mark
                        out.add(  # before its answers: buffers are written in the order first used
                            tables["quiz_attempt"],
                            {
                                "id": attempt_id,
                                "user_id": user_id,
                                "module_id": module_id,
                                "version_id": version.id,
                                "purpose": "assessment",
                                "language": "en",
                                "option_order": {},
                                "started_at": taken - timedelta(minutes=15),
                                "submitted_at": taken,
                                "score": right,
                                "max_score": len(questions),
                                "percent": percent,
                                "passed": passed,
                            },
                        )
                        for row, correct in zip(questions, verdicts, strict=True):
                            out.add(
                                tables["response"],
                                {
                                    "attempt_id": attempt_id,
                                    "question_key": row.key,
                                    "answer": _stored_answer(row, correct, rng),
                                    "is_correct": correct,
                                    "confidence": rng.choice((1, 2, 3, 3)) if row.ask_confidence else None,
                                    "answered_at": taken,
                                },
                            )
                        if passed:
                            completion_id += 1
                            out.add(
                                tables["module_completion"],
                                {
                                    "id": completion_id,
                                    "user_id": user_id,
                                    "module_id": module_id,
                                    "version_id": version.id,
                                    "edition": version.edition,
                                    "language": "en",
                                    "completed_at": taken,
                                    "percent": percent,
                                    "attempt_id": attempt_id,
                                    "renewal": 0,
                                },
                            )
                            out.add(
                                tables["certificate"],
                                {
                                    "code": f"bench-{completion_id:07d}-{secrets.token_hex(4)}",
                                    "completion_id": completion_id,
                                    "issued_at": taken,
                                    "valid_until": validity.add(taken, version.valid_for)
                                    if version.valid_for
                                    else None,
                                },
                            )
                            break
                    if user_id in simulated and position == 0:  # an attempt to resume, part answered
                        attempt_id += 1
                        _open_attempt(out, tables, attempt_id, user_id, module_id, version, questions, rng, now)
        out.flush()
        if connection.dialect.name == "postgresql":
            for name in ("organisation", "user", "cohort", "quiz_attempt", "module_completion"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))")
                )
    summaries.rebuild()
    db.session.commit()
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    people = []
    for cohort, ids in chosen.items():
        picked = assigned[cohort]
        paths = tuple(f"/modules/{slug}/{lesson}" for _id, slug, _v, lessons, _q in picked for lesson in lessons)
        for user_id in ids:
            people.append(
                Person(
                    email=f"person{user_id}@bench.example",
                    manager_email=f"manager{cohort}@bench.example",
                    cohort_id=cohort,
                    lessons=paths,
                    quiz_modules=(picked[0][1], picked[1][1]),
                    ability=0.6 + 0.4 * rng.random(),
                )
            )
    return Plan(people, question_plan, rows=dict(out.counts))


def _open_attempt(out, tables, attempt_id, user_id, module_id, version, questions, rng, now) -> None:
    """An unfinished attempt with its first few questions answered: the people start at different points of
    an assessment, so submissions happen from the first minute."""
    out.add(
        tables["quiz_attempt"],
        {
            "id": attempt_id,
            "user_id": user_id,
            "module_id": module_id,
            "version_id": version.id,
            "purpose": "assessment",
            "language": "en",
            "option_order": {},  # the options in their written order
            "started_at": now - timedelta(hours=2),
            "submitted_at": None,  # and every column the other rows have (one executemany)
            "score": None,
            "max_score": None,
            "percent": None,
            "passed": None,
        },
    )
    for row in questions[: rng.randrange(len(questions))]:
        out.add(
            tables["response"],
            {
                "attempt_id": attempt_id,
                "question_key": row.key,
                "answer": _stored_answer(row, rng.random() < 0.8, rng),
                "is_correct": None,
                "confidence": 2 if row.ask_confidence else None,
                "answered_at": now - timedelta(hours=1),
            },
        )


def _email(user_id: int, learners: int) -> str:
    """Learners are person<id>@; the managers, after them, manager<cohort>@ (manager 1 sees cohort 1)."""
    return f"manager{user_id - learners}@bench.example" if user_id > learners else f"person{user_id}@bench.example"


def _stored_answer(row, correct: bool, rng: random.Random):
    """An answer as the site stores it: an option key, or a sorted list of keys for "select all"."""
    keys = [option["key"] for option in row.options]
    right = sorted(row.answer["correct"])
    if row.kind == "multiple":
        if correct:
            return right
        wrong = sorted(rng.sample(keys, rng.randint(1, len(keys))))
        return wrong if wrong != right else sorted(set(keys) - {right[0]}) or keys[:1]
    return right[0] if correct else rng.choice([key for key in keys if key not in right])


# --- the simulated people -------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str  # one of KINDS (or "sign-in")
    step: str  # the quiz step, or the kind again
    seconds: float
    error: str | None = None  # why it counts as an error
    detail: str = ""  # the status and path, for the report


class Flow:
    """One person's progress through an assessment: which step comes next and what the last page gave."""

    def __init__(self, modules: Sequence[str]) -> None:
        self.modules = list(modules)
        self.module = self.modules[0]
        self.step = "intro"
        self.path = ""
        self.token = ""
        self.choices: list[tuple[str, str, str]] = []  # (type, value, label html) of the question shown
        self.confidence = False
        self.attempt_id = 0
        self.number = 0

    def restart(self, next_module: bool = False) -> None:
        if next_module:
            self.module = self.modules[(self.modules.index(self.module) + 1) % len(self.modules)]
        self.step = "intro"


class Learner:
    """A simulated person: a learner's session and a manager's session, both with this person's User-Agent."""

    def __init__(self, base_url: str, person: Person, plan: Plan, index: int, seed: int = 1) -> None:
        self.base = base_url.rstrip("/")
        self.person = person
        self.plan = plan
        self.rng = random.Random(seed * 100_003 + index)
        agent = f"Mozilla/5.0 (X11; Linux x86_64) mixed-load/{index}"
        self.session = requests.Session()
        self.session.headers["User-Agent"] = agent
        self.manager = requests.Session()
        self.manager.headers["User-Agent"] = agent
        self.flow = Flow(person.quiz_modules)
        self.samples: list[Sample] = []
        self.accepted: set[tuple[int, str, int]] = set()  # (attempt, module, question number) the server saved
        self.submitted: dict[int, str] = {}  # attempts the server said it graded, with their module

    # each request --------------------------------------------------------------------------------------

    def _request(
        self, session: requests.Session, kind: str, step: str, method: str, path: str, data=None
    ) -> tuple[requests.Response | None, Sample]:
        started = time.perf_counter()
        try:
            response = session.request(method, self.base + path, data=data, allow_redirects=False, timeout=TIMEOUT)
            response.content  # noqa: B018  (the whole body, inside the time)
        except requests.RequestException as error:
            sample = Sample(kind, step, time.perf_counter() - started, "connection", f"{method} {path}: {error}")
            self.samples.append(sample)
            return None, sample
        sample = Sample(kind, step, time.perf_counter() - started)
        self.samples.append(sample)
        return response, sample

    @staticmethod
    def _fail(sample: Sample, reason: str, response: requests.Response | None, path: str) -> None:
        sample.error = reason
        status = response.status_code if response is not None else "-"
        sample.detail = f"{status} {path}"

    def _expect_page(self, sample: Sample, response: requests.Response | None, path: str, marker: str) -> bool:
        """A 200 page that shows ``marker``; anything else marks the sample as an error."""
        if response is None:
            return False
        if response.is_redirect:
            signed_out = "/sign-in" in response.headers.get("Location", "")
            self._fail(sample, "signed out" if signed_out else "redirected", response, path)
            return False
        if response.status_code != 200:
            self._fail(sample, f"status {response.status_code}", response, path)
            return False
        if marker not in response.text:
            self._fail(sample, "page without its content", response, path)
            return False
        return True

    def _expect_redirect(self, sample: Sample, response: requests.Response | None, path: str, pattern: str):
        """A redirect to a path matching ``pattern`` (its match), or None after marking the error."""
        if response is None:
            return None
        location = urlsplit(response.headers.get("Location", "")).path
        if not response.is_redirect:
            reason = "form refused" if response.status_code == 200 else f"status {response.status_code}"
            self._fail(sample, reason, response, path)
            return None
        if location.startswith("/sign-in"):
            self._fail(sample, "signed out", response, path)
            return None
        match = re.fullmatch(pattern, location)
        if match is None:
            self._fail(sample, "redirected elsewhere", response, f"{path} -> {location}")
        return match

    # signing in ----------------------------------------------------------------------------------------

    def sign_in(self) -> list[Sample]:
        """Sign in as the learner and as the manager through the real form; returns the failed samples."""
        failed = []
        for session, email in ((self.session, self.person.email), (self.manager, self.person.manager_email)):
            response, sample = self._request(session, "sign-in", "sign-in", "GET", "/sign-in")
            token = CSRF_RE.search(response.text) if response is not None and response.status_code == 200 else None
            if token is None:
                self._fail(sample, "no sign-in form", response, "/sign-in")
                failed.append(sample)
                continue
            form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
            response, sample = self._request(session, "sign-in", "sign-in", "POST", "/sign-in", form)
            if self._expect_redirect(sample, response, "/sign-in", r"/(?!sign-in).*") is None:
                failed.append(sample)
        return failed

    # the kinds of request ------------------------------------------------------------------------------

    def act(self, kind: str) -> None:
        getattr(self, kind.replace("-", "_"))()

    def lesson(self) -> None:
        path = self.rng.choice(self.person.lessons)
        response, sample = self._request(self.session, "lesson", "lesson", "GET", path)
        self._expect_page(sample, response, path, 'class="lesson-layout')

    def my_learning(self) -> None:
        response, sample = self._request(self.session, "my-learning", "my-learning", "GET", "/my-learning")
        self._expect_page(sample, response, "/my-learning", "<h1")

    def dashboard(self) -> None:
        path = f"/organisations/{self.plan.organisation}/cohorts/{self.person.cohort_id}/dashboard"
        response, sample = self._request(self.manager, "dashboard", "dashboard", "GET", path)
        self._expect_page(sample, response, path, "<h1")

    def quiz(self) -> None:
        """One step of the assessment; after an error the person goes back to its intro page."""
        flow = self.flow
        if not getattr(self, f"_quiz_{flow.step}")(flow):
            flow.restart()

    def _quiz_intro(self, flow: Flow) -> bool:
        path = f"/modules/{flow.module}/quiz"
        response, sample = self._request(self.session, "quiz", "intro", "GET", path)
        if not self._expect_page(sample, response, path, 'name="csrf_token"'):
            return False
        flow.token = CSRF_RE.search(response.text).group(1)
        flow.step = "start"
        return True

    def _quiz_start(self, flow: Flow) -> bool:
        path = f"/modules/{flow.module}/quiz"
        response, sample = self._request(self.session, "quiz", "start", "POST", path, {"csrf_token": flow.token})
        match = self._expect_redirect(
            sample, response, path, rf"/modules/{flow.module}/quiz/(\d+)/(?:questions/\d+|check)"
        )
        if match is None:
            return False
        flow.attempt_id = int(match.group(1))
        self._went_to(flow, urlsplit(response.headers["Location"]).path)
        return True

    def _went_to(self, flow: Flow, path: str) -> None:
        flow.path = path
        flow.step = "check" if path.endswith("/check") else "question"

    def _quiz_question(self, flow: Flow) -> bool:
        response, sample = self._request(self.session, "quiz", "question", "GET", flow.path)
        if not self._expect_page(sample, response, flow.path, 'name="answer"'):
            return False
        flow.token = CSRF_RE.search(response.text).group(1)
        flow.choices = CHOICE_RE.findall(response.text)
        flow.confidence = 'name="confidence"' in response.text
        flow.number = int(flow.path.rsplit("/", 1)[1])
        if not flow.choices:
            self._fail(sample, "question without options", response, flow.path)
            return False
        flow.step = "answer"
        return True

    def answer(self, flow: Flow) -> list[str]:
        """The positions to send: the right options with the person's ability, otherwise a wrong choice."""
        right = self.plan.questions[flow.module][flow.number - 1].correct
        correct = [value for _type, value, label in flow.choices if label in right]
        others = [value for _type, value, label in flow.choices if label not in right]
        if flow.choices[0][0] == "checkbox":
            if self.rng.random() < self.person.ability or not others:
                return correct
            return sorted(set(correct[1:]) | {self.rng.choice(others)})
        if self.rng.random() < self.person.ability or not others:
            return correct[:1] or [flow.choices[0][1]]
        return [self.rng.choice(others)]

    def _quiz_answer(self, flow: Flow) -> bool:
        form: dict[str, object] = {"csrf_token": flow.token, "answer": self.answer(flow)}
        if flow.confidence:
            form["confidence"] = str(self.rng.choice((1, 2, 3)))
        response, sample = self._request(self.session, "quiz", "answer", "POST", flow.path, form)
        prefix = rf"/modules/{flow.module}/quiz/{flow.attempt_id}"
        match = self._expect_redirect(sample, response, flow.path, rf"{prefix}/(?:questions/\d+|check)")
        if match is None:
            return False
        self.accepted.add((flow.attempt_id, flow.module, flow.number))
        self._went_to(flow, match.group(0))
        return True

    def _quiz_check(self, flow: Flow) -> bool:
        response, sample = self._request(self.session, "quiz", "check", "GET", flow.path)
        if not self._expect_page(sample, response, flow.path, 'name="csrf_token"'):
            return False
        flow.token = CSRF_RE.search(response.text).group(1)
        flow.step = "submit"
        return True

    def _quiz_submit(self, flow: Flow) -> bool:
        response, sample = self._request(self.session, "quiz", "submit", "POST", flow.path, {"csrf_token": flow.token})
        result = rf"/modules/{flow.module}/quiz/{flow.attempt_id}"
        if self._expect_redirect(sample, response, flow.path, result) is None:
            return False  # a 200 here is the check page again: some answer the server accepted is missing
        self.submitted[flow.attempt_id] = flow.module
        flow.path = result
        flow.step = "result"
        return True

    def _quiz_result(self, flow: Flow) -> bool:
        response, sample = self._request(self.session, "quiz", "result", "GET", flow.path)
        ok = self._expect_page(sample, response, flow.path, 'class="panel')
        flow.restart(next_module=True)
        return ok


def run(
    learners: Sequence[Learner], seconds: float, weights: Sequence[float] = WEIGHTS, at_least: int = 0
) -> float:
    """Every person acts as fast as the site answers until ``seconds`` have passed, and has made at least
    ``at_least`` requests (so a short run on a slow machine still does what it is meant to); returns the
    time taken.

    Each request's kind is drawn with ``weights`` (in the order of ``KINDS``).
    """
    started = time.perf_counter()
    until = started + seconds

    def work(learner: Learner) -> None:
        made = 0
        while time.perf_counter() < until or made < at_least:
            learner.act(learner.rng.choices(KINDS, weights)[0])
            made += 1

    threads = [threading.Thread(target=work, args=(learner,)) for learner in learners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def sign_in_all(learners: Sequence[Learner], parallel: int = 8) -> list[Sample]:
    failed: list[Sample] = []
    lock = threading.Lock()
    queue = list(learners)

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                learner = queue.pop()
            found = learner.sign_in()
            with lock:
                failed.extend(found)

    threads = [threading.Thread(target=work) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failed


# --- figures and checks ---------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of sorted samples (``share`` 0.95 for p95)."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def table(samples: Sequence[Sample], elapsed: float) -> list[str]:
    """Requests, requests/s, p50/p95/p99 (ms) and errors per kind, per quiz step and overall."""
    groups: list[tuple[str, list[Sample]]] = []
    for kind in KINDS:
        mine = [sample for sample in samples if sample.kind == kind]
        groups.append((kind, mine))
        if kind == "quiz":
            for step in QUIZ_STEPS:
                groups.append((f"  quiz {step}", [sample for sample in mine if sample.step == step]))
    groups.append(("all", list(samples)))
    total = len(samples) or 1
    lines = [f"{'kind':<18}{'requests':>9}{'share':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"]
    for label, mine in groups:
        ordered = sorted(sample.seconds * 1000 for sample in mine)
        errors = sum(1 for sample in mine if sample.error)
        lines.append(
            f"{label:<18}{len(mine):>9}{100 * len(mine) / total:>6.0f}%{len(mine) / elapsed:>8.1f}"
            + "".join(f"{percentile(ordered, share):>9.0f}" for share in (0.5, 0.95, 0.99))
            + f"{errors:>8}"
        )
    return lines


def errors_by_kind(samples: Sequence[Sample]) -> tuple[Counter, dict[tuple[str, str], str]]:
    counts: Counter = Counter()
    examples: dict[tuple[str, str], str] = {}
    for sample in samples:
        if sample.error:
            key = (f"{sample.kind} {sample.step}" if sample.kind == "quiz" else sample.kind, sample.error)
            counts[key] += 1
            examples.setdefault(key, sample.detail)
    return counts, examples


def scan_log(text_: str) -> dict[str, int]:
    """How often the server's log says the database was locked, a request failed or a worker was killed."""
    return {
        "database is locked": text_.count("database is locked"),
        "Traceback": text_.count("Traceback"),
        "WORKER TIMEOUT": text_.count("WORKER TIMEOUT"),
    }


def lost_answers(db, plan: Plan, learners: Sequence[Learner]) -> tuple[int, int, list[str]]:
    """Check the database against what the server told the people; returns (answers, attempts, problems).

    Every answer the server accepted (a redirect onwards) must be stored, and every attempt it said it
    submitted must be graded, with an answer to each of its questions.
    """
    from sqlalchemy import select

    from literacy.models import Module, ModuleVersion, Question, QuizAttempt, Response

    keys: dict[str, list[str]] = {}  # each module's assessment question keys, in the order asked
    for slug in plan.questions:
        version_id = db.session.scalar(select(Module.current_version_id).where(Module.slug == slug))
        version = db.session.get(ModuleVersion, version_id)
        keys[slug] = list(
            db.session.scalars(
                select(Question.key)
                .where(
                    Question.version_id == version.id,
                    Question.purpose == "assessment",
                    Question.language == version.language,
                )
                .order_by(Question.position)
            )
        )
    problems: list[str] = []
    answers = attempts = 0
    for learner in learners:
        wanted: dict[int, set[str]] = {}
        for attempt_id, slug, number in learner.accepted:
            wanted.setdefault(attempt_id, set()).add(keys[slug][number - 1])
        ids = set(wanted) | set(learner.submitted)
        if not ids:
            continue
        stored: dict[int, set[str]] = {}
        for attempt_id, key in db.session.execute(
            select(Response.attempt_id, Response.question_key).where(Response.attempt_id.in_(ids))
        ):
            stored.setdefault(attempt_id, set()).add(key)
        graded = dict(
            db.session.execute(
                select(QuizAttempt.id, QuizAttempt.percent).where(
                    QuizAttempt.id.in_(ids), QuizAttempt.submitted_at.is_not(None)
                )
            ).all()
        )
        for attempt_id, saved in wanted.items():
            answers += len(saved)
            missing = saved - stored.get(attempt_id, set())
            if missing:
                problems.append(f"attempt {attempt_id}: accepted answers missing: {sorted(missing)}")
        for attempt_id, slug in learner.submitted.items():
            attempts += 1
            if graded.get(attempt_id) is None:
                problems.append(f"attempt {attempt_id}: said submitted, but not graded")
            if stored.get(attempt_id, set()) != set(keys[slug]):
                problems.append(f"attempt {attempt_id}: graded with {len(stored.get(attempt_id, ()))} answers")
    return answers, attempts, problems


# --- the server -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, folder: str, redis_url: str, source: Path = REPO) -> dict[str, str]:
    """Production settings for the server: the rate limits in Redis, plain-HTTP cookies on localhost.

    The sign-in limits per address are raised, since every simulated person signs in from 127.0.0.1.
    ``source`` comes first on the module path: the code to run (the virtualenv's install points at the checkout).
    """
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LITERACY_")}
    environment.update(
        {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(source), os.environ.get("PYTHONPATH")])),
            "LITERACY_DATABASE_URL": database_url,
            "LITERACY_SECRET_KEY": secrets.token_hex(32),
            "LITERACY_RATELIMIT_STORAGE_URL": redis_url,
            "LITERACY_SIGN_IN_LIMIT_ADDRESS": "100000 per minute",
            "LITERACY_SIGN_IN_LIMIT_ACCOUNT": "100000 per minute",
            "LITERACY_SECURE_COOKIES": "false",
            "LITERACY_QUEUE_URL": f"sqlite:///{folder}/queue.sqlite3",
        }
    )
    return environment


@contextmanager
def gunicorn(
    database_url: str, folder: str, workers: int, redis_url: str, source: Path = REPO
) -> Iterator[tuple[str, Path]]:
    """The project under gunicorn as production starts it; yields its URL and its log file."""
    port = free_port()
    log = Path(folder) / "gunicorn.log"
    command = [
        str(BIN / "gunicorn"),
        "-c",
        "python:literacy.gunicorn_config",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--capture-output",
        "literacy.wsgi:app",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            command,
            cwd=source,
            env=server_environment(database_url, folder, redis_url, source),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped with status {process.returncode}:\n{log.read_text()}")
            try:
                if requests.get(url + "/sign-in", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield url, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def source_version(source: Path = REPO) -> str:
    """The commit the server ran, "-dirty" when the working tree had changes (other work in progress)."""
    if not (source / ".git").exists():
        return str(source)  # an unpacked archive
    done = subprocess.run(  # noqa: S603 - git with fixed arguments
        ["git", "describe", "--always", "--dirty"],  # noqa: S607 - git from PATH
        cwd=source,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or "unknown"


def summaries_check(database_url: str, folder: str, source: Path = REPO) -> tuple[int, str]:
    """``flask summaries check`` on the database: its exit status and what it printed."""
    environment = server_environment(database_url, folder, "memory://", source)
    done = subprocess.run(  # noqa: S603 - our own flask command, fixed arguments
        [str(BIN / "flask"), "--app", "literacy", "summaries", "check"],
        cwd=source,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, (done.stdout + done.stderr).strip()


# --- the run --------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simulated people at once (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the measured run (default 60)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of the same load before, not measured")
    parser.add_argument("--learners", type=int, default=3000, help="learners in the organisation (default 3,000)")
    parser.add_argument("--cohort-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4)")
    parser.add_argument("--database", help="an empty database URL (default: a temporary SQLite file)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/7", help="the rate limits' storage")
    parser.add_argument(
        "--mix", default="70,15,10,5", help="shares of lesson, my-learning, quiz and dashboard requests (70,15,10,5)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--source", type=Path, default=REPO, help="the copy of the code to run (an unpacked git archive), for a before"
    )
    args = parser.parse_args(argv)
    weights = [float(share) for share in args.mix.split(",")]
    if len(weights) != len(KINDS):
        parser.error(f"--mix needs {len(KINDS)} shares: {', '.join(KINDS)}")

    source = args.source.resolve()
    sys.path.insert(0, str(source))  # this script's data and checks use the code the server runs
    import literacy
    from literacy import create_app
    from literacy.extensions import db

    assert literacy.__file__.startswith(str(source)), literacy.__file__
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "QUEUE_URL": f"sqlite:///{folder}/q.sqlite3"}
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            plan = build(db, args.learners, args.cohort_size, args.users, seed=args.seed)
            engine = db.engine.url.drivername
            print(
                f"{args.learners:,} learners in cohorts of {args.cohort_size:,}, 4 of {len(plan.questions)} modules "
                f"each; database {engine}; built in {time.perf_counter() - started:.0f} s"
            )
            print("rows: " + ", ".join(f"{name} {count:,}" for name, count in sorted(plan.rows.items())))
            db.session.remove()
            db.engine.dispose()
        with gunicorn(url, folder, args.workers, args.redis, source) as (base, log):
            learners = [Learner(base, person, plan, index, args.seed) for index, person in enumerate(plan.people)]
            refused = sign_in_all(learners)
            if refused:
                for sample in refused[:5]:
                    print(f"sign-in failed: {sample.error} {sample.detail}")
                return 1
            print(f"{len(learners)} people signed in (as learners and as managers); {args.workers} sync workers")
            run(learners, args.warmup, weights)
            warm = [sample for learner in learners for sample in learner.samples]
            for learner in learners:
                learner.samples = []
            cpu = time.process_time()
            elapsed = run(learners, args.seconds, weights)
            cpu = time.process_time() - cpu
            samples = [sample for learner in learners for sample in learner.samples]
        found = scan_log(log.read_text())

        print(f"\n{len(samples):,} requests in {elapsed:.1f} s: {len(samples) / elapsed:.1f} requests/s")
        print(f"the load generator used {100 * cpu / elapsed:.0f} % of one core; code at {source_version(source)}")
        for line in table(samples, elapsed):
            print(line)
        counts, examples = errors_by_kind(warm + samples)
        warm_errors = sum(1 for sample in warm if sample.error)
        print(f"errors: {sum(counts.values())} ({warm_errors} of them in the {args.warmup:.0f} s warm-up)")
        for (kind, reason), count in sorted(counts.items()):
            print(f"  {kind}: {reason} x{count} (e.g. {examples[(kind, reason)]})")
        print("gunicorn log: " + ", ".join(f'"{name}" {count}' for name, count in found.items()))

        with app.app_context():
            answers, attempts, problems = lost_answers(db, plan, learners)
            db.session.remove()
            db.engine.dispose()
        print(f"answers the server accepted {answers:,}, attempts it graded {attempts}: {len(problems)} problems")
        for problem in problems[:10]:
            print(f"  {problem}")
        status, said = summaries_check(url, folder, source)
        print(f"flask summaries check: exit {status}: {said.splitlines()[-1] if said else ''}")
        failed = bool(counts) or any(found.values()) or problems or status != 0
        print("targets (0 errors, no 'database is locked', summaries exact): " + ("NOT MET" if failed else "met"))
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

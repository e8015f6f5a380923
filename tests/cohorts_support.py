"""Test data for cohorts and dashboards, written straight through the models (no quiz pages needed).

Each helper then calls the same ``literacy.summaries`` hook the application calls after such a write
(membership goes through ``cohorts.membership``, its one writer),
so the dashboards' derived tables are kept exactly as they are in use.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from werkzeug.security import generate_password_hash

from literacy import summaries
from literacy.cohorts import membership
from literacy.extensions import db
from literacy.models import (
    Cohort,
    CohortAssignment,
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

MOMENT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)  # a Monday


def make_module(
    slug: str,
    *,
    edition: int = 1,
    questions: int = 3,
    precheck: bool = False,
    confidence: bool = False,
    organisation: Organisation | None = None,
) -> Module:
    """A published module with one version and ``questions`` single-choice assessment questions (a/b/c, b right)."""
    module = Module(slug=slug, status="published", organisation_id=organisation.id if organisation else None)
    db.session.add(module)
    db.session.flush()
    version = ModuleVersion(
        module_id=module.id,
        number=1,
        edition=edition,
        content_hash=slug,
        language="en",
        languages=["en"],
        texts={"en": {"title": f"Title of {slug}"}},
        level="introductory",
        minutes=10,
        pass_mark=50,
        question_count=questions,
        source={},
    )
    db.session.add(version)
    db.session.flush()
    module.current_version_id = version.id
    for position in range(questions):
        db.session.add(
            Question(
                version_id=version.id,
                key=f"q{position + 1}",
                language="en",
                purpose="assessment",
                position=position,
                kind="single",
                prompt_html=f"<p>Question {position + 1} of {slug}?</p>",
                options=[{"key": key, "html": f"<p>Option {key}</p>"} for key in "abc"],
                answer={"correct": ["b"]},
                feedback={},
                ask_confidence=confidence,
            )
        )
    if precheck:
        db.session.add(
            Question(
                version_id=version.id,
                key="p1",
                language="en",
                purpose="precheck",
                position=0,
                kind="single",
                prompt_html="<p>Pre?</p>",
                options=[{"key": "a", "html": "A"}],
                answer={"correct": ["a"]},
                feedback={},
            )
        )
    db.session.commit()
    return module


def make_cohort(
    organisation: Organisation,
    name: str = "Cohort one",
    members: list[User] = (),
    modules: list[tuple[Module, date | None]] = (),
) -> Cohort:
    cohort = Cohort(organisation_id=organisation.id, name=name, starts_on=date(2026, 11, 1))
    db.session.add(cohort)
    db.session.flush()
    membership.join(cohort.id, [user.id for user in members], MOMENT)
    for module, due_on in modules:
        db.session.add(CohortAssignment(cohort_id=cohort.id, module_id=module.id, due_on=due_on))
        summaries.module_assigned(cohort.id, module.id)
    db.session.commit()
    return cohort


def make_people(organisation: Organisation, count: int, prefix: str = "learner", role: str = "learner") -> list[User]:
    password = generate_password_hash("correct horse battery", method="pbkdf2:sha256:1000")
    users = [
        User(email=f"{prefix}{n}@{organisation.slug}.example", name=f"{prefix.title()} {n:03d}", password_hash=password)
        for n in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(Membership(user_id=u.id, organisation_id=organisation.id, role=role) for u in users)
    db.session.commit()
    return users


def visit(user: User, module: Module, lesson: str = "lesson-1", at: datetime = MOMENT) -> None:
    db.session.add(LessonProgress(user_id=user.id, module_id=module.id, lesson_slug=lesson, started_at=at))
    summaries.refresh_learner(user.id, module.id)
    db.session.commit()


def _right(answer: Any, purpose: str) -> bool:
    return answer == ("a" if purpose == "precheck" else "b")


def attempt(
    user: User,
    module: Module,
    answers: dict[str, Any],
    *,
    purpose: str = "assessment",
    confidence: dict[str, int] | None = None,
    at: datetime = MOMENT,
) -> QuizAttempt:
    """A submitted attempt graded against the "b is right" questions of ``make_module``."""
    right = sum(1 for answer in answers.values() if _right(answer, purpose))
    percent = round(100 * right / len(answers)) if answers else 0
    row = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        version_id=module.current_version_id,
        purpose=purpose,
        language="en",
        started_at=at,
        submitted_at=at,
        score=right,
        max_score=len(answers),
        percent=percent,
        passed=percent >= 50,
    )
    db.session.add(row)
    db.session.flush()
    for key, answer in answers.items():
        correct = _right(answer, purpose)
        db.session.add(
            Response(
                attempt_id=row.id,
                question_key=key,
                answer=answer,
                is_correct=correct,
                confidence=(confidence or {}).get(key),
                answered_at=at,
            )
        )
    summaries.refresh_learner(user.id, module.id)
    if purpose == "assessment":
        summaries.tally_answers(1, attempts=[row.id])
    db.session.commit()
    return row


def complete(
    user: User, module: Module, *, edition: int = 1, percent: int | None = 100, at: datetime = MOMENT
) -> ModuleCompletion:
    row = ModuleCompletion(
        user_id=user.id,
        module_id=module.id,
        version_id=module.current_version_id,
        edition=edition,
        language="en",
        completed_at=at,
        percent=percent,
    )
    db.session.add(row)
    summaries.refresh_learner(user.id, module.id)
    db.session.commit()
    return row


def typed(name: str, day_month_year: str) -> dict[str, str]:
    """What a person types into a date input: ``typed("due_on", "31 2 2027")`` gives the three fields
    ``due_on-day``, ``due_on-month`` and ``due_on-year`` (missing parts are empty)."""
    parts = day_month_year.split(" ") if day_month_year.strip() else []
    parts += [""] * (3 - len(parts))
    return {f"{name}-{part}": text for part, text in zip(("day", "month", "year"), parts, strict=True)}

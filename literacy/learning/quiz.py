"""The assessment and the pre-check: attempts, saved answers, server-side grading, results.

Plain functions, callable without a request. Answers are saved one question at a time (so an attempt
can be resumed anywhere) and graded only when the attempt is submitted. Submitting is idempotent: a
conditional ``UPDATE ... WHERE submitted_at IS NULL`` lets exactly one request grade an attempt, however
many arrive (double clicks, the back button, two tabs, concurrent requests).

Browser forms never carry option keys: an option is sent as its position in the order shown for the
attempt (1, 2, 3 ...), so neither the written order nor an author's option IDs reach the page; the kinds
registry reads a form back into a response. These functions never commit: the view commits once.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from .. import summaries
from ..content import grade
from ..content.kinds import KINDS, read_answer
from ..extensions import db
from ..models import (
    Module,
    ModuleCompletion,
    ModuleVersion,
    Question,
    QuizAttempt,
    Response,
    User,
    utcnow,
)
from ..publishing import question_from_row
from ..xapi import record as xapi_record
from . import service

ASSESSMENT = "assessment"
PRECHECK = "precheck"
PURPOSES = (ASSESSMENT, PRECHECK)
CONFIDENCE_VALUES = (1, 2, 3)  # not sure, fairly sure, certain


class Closed(StrEnum):
    """Why a new attempt cannot start."""

    NO_QUESTIONS = "no-questions"
    LESSONS_FIRST = "lessons-first"  # the assessment comes after every lesson
    NO_ATTEMPTS_LEFT = "no-attempts-left"
    PRECHECK_TAKEN = "precheck-taken"
    PRECHECK_TOO_LATE = "precheck-too-late"  # the pre-check is taken before the lessons


class QuizError(Exception):
    def __init__(self, reason: Closed) -> None:
        super().__init__(reason)
        self.reason = reason


def questions_in(version_id: int, primary_language: str, purpose: str, language: str) -> list[Question]:
    """The questions of a version's assessment or pre-check, in order, in ``language`` where translated.

    One query; a question missing in ``language`` falls back to the module's primary language.
    """
    rows = db.session.scalars(
        select(Question)
        .where(
            Question.version_id == version_id,
            Question.purpose == purpose,
            Question.language.in_({language, primary_language}),
        )
        .order_by(Question.position)
    ).all()
    chosen = service.prefer_language(rows, lambda row: row.key, language)
    return sorted(chosen.values(), key=lambda row: row.position)


def question_count(version: ModuleVersion, purpose: str) -> int:
    if purpose == ASSESSMENT:
        return version.question_count
    return (
        db.session.scalar(
            select(func.count(Question.id)).where(
                Question.version_id == version.id, Question.purpose == purpose, Question.language == version.language
            )
        )
        or 0
    )


def shuffled_order(questions: list[Question], shuffle: bool, rng: random.Random | None = None) -> dict[str, list[str]]:
    """Option keys in the order shown for one attempt: shuffled unless the module or question says not."""
    rng = rng or random.Random(secrets.randbits(64))
    order: dict[str, list[str]] = {}
    for row in questions:
        keys = [option["key"] for option in row.options]
        if shuffle and row.shuffle and len(keys) > 1:
            rng.shuffle(keys)
        order[row.key] = keys
    return order


def _attempts(user: Any, module: Module, version: ModuleVersion, purpose: str) -> list[QuizAttempt]:
    """Every attempt of ``user`` on this module's edition, newest first (one query)."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .join(ModuleVersion, ModuleVersion.id == QuizAttempt.version_id)
            .where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.module_id == module.id,
                QuizAttempt.purpose == purpose,
                ModuleVersion.edition == version.edition,
            )
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        )
    )


@dataclass(frozen=True)
class QuizState:
    """What the intro page needs: the rules, the learner's attempts and whether they may start."""

    purpose: str
    question_count: int
    pass_mark: int
    max_attempts: int | None  # None: unlimited
    submitted: list[QuizAttempt]  # newest first
    open_attempt: QuizAttempt | None  # unfinished: resume it
    closed: Closed | None  # why a new attempt cannot start (None: it can)
    best: QuizAttempt | None = None
    # While a renewal is open: when it opened. Only attempts submitted after it count (towards max_attempts,
    # and as a pass), so someone who used every attempt on the earlier cycle can renew.
    renewal_opened_at: datetime | None = None
    renewal_state: str | None = None  # while renewing: the certificate's state (valid: it expires soon)

    @property
    def renewing(self) -> bool:
        return self.renewal_opened_at is not None

    @property
    def counted(self) -> list[QuizAttempt]:
        """The submitted attempts of the current cycle: all of them, or those since the renewal opened."""
        since = self.renewal_opened_at
        return [a for a in self.submitted if since is None or (a.submitted_at is not None and a.submitted_at > since)]

    @property
    def attempts_left(self) -> int | None:
        if self.max_attempts is None:
            return None
        return max(0, self.max_attempts - len(self.counted))

    @property
    def passed(self) -> bool:
        return any(attempt.passed for attempt in self.counted)


def quiz_state(
    user: Any, module: Module, version: ModuleVersion, purpose: str, *, now: datetime | None = None
) -> QuizState:
    count = question_count(version, purpose)
    attempts = _attempts(user, module, version, purpose)
    submitted = [attempt for attempt in attempts if attempt.submitted_at is not None]
    open_attempt = next((attempt for attempt in attempts if attempt.submitted_at is None), None)
    max_attempts = version.max_attempts if purpose == ASSESSMENT else 1
    renewal = service.renewal_of(user, module, version) if purpose == ASSESSMENT and count else None
    opened = renewal.opens_at if renewal is not None and renewal.is_open(now) else None
    renewal_state = renewal.state(now) if renewal is not None and opened is not None else None
    counted = [a for a in submitted if opened is None or (a.submitted_at is not None and a.submitted_at > opened)]
    closed: Closed | None = None
    if not count:
        closed = Closed.NO_QUESTIONS
    elif purpose == PRECHECK and submitted:
        closed = Closed.PRECHECK_TAKEN
    elif max_attempts is not None and len(counted) >= max_attempts:
        closed = Closed.NO_ATTEMPTS_LEFT
    elif open_attempt is None:
        done = service.completed_lesson_slugs(user, module)
        if purpose == ASSESSMENT:
            lessons = {lesson.slug for lesson in service.lesson_summaries(version, version.language)}
            if not lessons <= done:
                closed = Closed.LESSONS_FIRST
        elif done:
            closed = Closed.PRECHECK_TOO_LATE
    best = max(
        (attempt for attempt in submitted if attempt.percent is not None),
        key=lambda a: a.percent or 0,
        default=None,
    )
    return QuizState(
        purpose, count, version.pass_mark, max_attempts, submitted, open_attempt, closed, best, opened, renewal_state
    )


def assessment_status(state: QuizState, module_status: str) -> str:
    """The assessment's tag on the module overview's task list; while a renewal is open, only this cycle's
    attempts count (the earlier pass is what is being renewed)."""
    if (module_status == "completed" and not state.renewing) or state.passed:
        return "completed"
    if state.open_attempt is not None or state.counted:
        return "in-progress"
    if state.closed == Closed.LESSONS_FIRST:
        return "cannot-start"
    return "not-started"


def start_attempt(
    user: Any,
    module: Module,
    version: ModuleVersion,
    purpose: str,
    language: str,
    *,
    rng: random.Random | None = None,
) -> QuizAttempt:
    """The learner's unfinished attempt, or a new one with its option order fixed; the caller commits.

    Raises :class:`QuizError` when no attempt may start. Several tabs pressing "Start" at once still make one
    attempt, and never one past ``max_attempts``: the attempts are counted in the same write transaction that
    adds the new one (a writer: ``BEGIN IMMEDIATE`` on SQLite, where posts queue; the learner's row locked with
    ``SELECT ... FOR UPDATE`` on PostgreSQL), and the unique index on open attempts has the last word: an
    insert that loses a race anyway returns the attempt that won it.
    """
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    state = quiz_state(user, module, version, purpose)
    if state.open_attempt is not None:
        return state.open_attempt
    if state.closed is not None:
        raise QuizError(state.closed)
    questions = questions_in(version.id, version.language, purpose, version.language)
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        version_id=version.id,
        purpose=purpose,
        language=service.shown_language(version, language),
        option_order=shuffled_order(questions, version.shuffle, rng),
        started_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            # An unfinished attempt at an older edition cannot be resumed from this edition's pages; it makes
            # way for the new one (one open attempt per learner, module and purpose).
            db.session.execute(delete(QuizAttempt).where(*_open(user.id, module.id, purpose)))
            db.session.add(attempt)
    except IntegrityError:
        winner = db.session.scalar(select(QuizAttempt).where(*_open(user.id, module.id, purpose)))
        if winner is None:
            raise
        return winner
    summaries.refresh_learner(user.id, module.id)
    return attempt


def _open(user_id: int, module_id: int, purpose: str) -> tuple[Any, ...]:
    """The conditions for the learner's open attempt at this module's assessment or pre-check."""
    return (
        QuizAttempt.user_id == user_id,
        QuizAttempt.module_id == module_id,
        QuizAttempt.purpose == purpose,
        QuizAttempt.submitted_at.is_(None),
    )


def find_attempt(user: Any, module: Module, purpose: str, attempt_id: int) -> QuizAttempt | None:
    """One of the learner's own attempts at this module's assessment or pre-check; None for anyone else's."""
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.id == attempt_id,
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_id == module.id,
            QuizAttempt.purpose == purpose,
        )
    )


def responses_of(attempt: QuizAttempt) -> dict[str, Response]:
    return {
        row.question_key: row for row in db.session.scalars(select(Response).where(Response.attempt_id == attempt.id))
    }


@dataclass(frozen=True)
class ShownOption:
    index: int  # 1-based position in the attempt's order: the value the form sends
    key: str
    html: str


def shown_options(attempt: QuizAttempt, row: Question) -> list[ShownOption]:
    """A question's options in the order fixed for this attempt (stable when resumed)."""
    by_key = {option["key"]: option["html"] for option in row.options}
    order = [key for key in attempt.option_order.get(row.key, []) if key in by_key]
    order += [key for key in by_key if key not in order]  # never lose an option
    return [ShownOption(index, key, by_key[key]) for index, key in enumerate(order, start=1)]


@dataclass
class Submitted:
    """An answer as read from a question form, with the problems found ("answer", "confidence")."""

    answer: Any = None
    confidence: int | None = None
    typed: str = ""  # what was typed, kept when the page is shown again
    chosen: frozenset[int] = frozenset()  # option positions chosen, kept likewise
    problems: list[str] = field(default_factory=list)


def read_form(attempt: QuizAttempt, row: Question, form: MultiDict[str, str]) -> Submitted:
    """What the learner chose or typed for one question; unknown values count as no answer."""
    shown = [option.key for option in shown_options(attempt, row)]
    answer = read_answer(row.kind, form.getlist("answer"), shown)
    confidence = _confidence(form.get("confidence")) if row.ask_confidence else None
    result = as_submitted(attempt, row, answer, confidence)
    if answer is None:
        result.problems.append("answer")
    if row.ask_confidence and confidence is None:
        result.problems.append("confidence")
    return result


def _confidence(value: str | None) -> int | None:
    if not (value and value.isascii() and value.isdigit() and len(value) < 3):  # "²" or 5,000 digits: none
        return None
    return int(value) if int(value) in CONFIDENCE_VALUES else None


def as_submitted(attempt: QuizAttempt, row: Question, answer: Any, confidence: int | None) -> Submitted:
    """An answer (read from a form or saved before) in the shape the question page shows again."""
    keys = set(answer) if isinstance(answer, list) else {answer}
    chosen = frozenset(option.index for option in shown_options(attempt, row) if option.key in keys)
    typed = answer if isinstance(answer, str) and not has_options(row) else ""
    return Submitted(answer=answer, confidence=confidence, typed=typed, chosen=chosen)


def save_answer(attempt_id: int, question_key: str, answer: Any, confidence: int | None) -> bool:
    """Store (or replace) the answer to one question of an unfinished attempt; the caller commits.

    The attempt row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL), so an answer can never
    slip in after the attempt was graded. Returns False when the attempt is already submitted.
    """
    attempt = db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if attempt is None or attempt.submitted_at is not None:
        return False
    existing = db.session.scalar(
        select(Response).where(Response.attempt_id == attempt_id, Response.question_key == question_key)
    )
    if existing is None:
        db.session.add(
            Response(
                attempt_id=attempt_id,
                question_key=question_key,
                answer=answer,
                confidence=confidence,
                answered_at=utcnow(),
            )
        )
    else:
        existing.answer = answer
        existing.confidence = confidence
        existing.answered_at = utcnow()
    db.session.flush()
    return True


def next_unanswered(questions: list[Question], responses: Mapping[str, Response]) -> int | None:
    """The number (1-based) of the first question without an answer; None when all are answered."""
    for number, row in enumerate(questions, start=1):
        if row.key not in responses:
            return number
    return None


class Outcome(StrEnum):
    GRADED = "graded"  # this call graded the attempt
    ALREADY = "already"  # someone else (another request) graded it; nothing changed
    UNANSWERED = "unanswered"  # not submitted: some questions have no answer


@dataclass(frozen=True)
class SubmitResult:
    outcome: Outcome
    attempt: QuizAttempt | None
    unanswered: tuple[str, ...] = ()
    completion: ModuleCompletion | None = None


def submit_attempt(user: Any, attempt_id: int) -> SubmitResult:
    """Grade the attempt once, on the server; the caller commits. Safe to call many times and concurrently.

    The conditional UPDATE stamps ``submitted_at`` only while it is empty: on PostgreSQL a concurrent
    request waits for the row lock and then finds nothing to update; on SQLite the database lock does the
    same. Only the request whose UPDATE changed the row grades. A passed assessment completes the module
    when every lesson is done (and issues the certificate).
    """
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        return SubmitResult(Outcome.ALREADY, None)
    if attempt.submitted_at is not None:
        return SubmitResult(Outcome.ALREADY, attempt)
    version = db.session.get(ModuleVersion, attempt.version_id)
    assert version is not None
    questions = questions_in(version.id, version.language, attempt.purpose, version.language)

    # First the stamp (it takes the row lock), then the answers: an answer saved in another request
    # either committed before this point (and is graded) or is refused by save_answer afterwards.
    if not _stamp(attempt_id, utcnow()):
        db.session.refresh(attempt)  # graded by another request: show its result
        return SubmitResult(Outcome.ALREADY, attempt)
    responses = responses_of(attempt)
    missing = tuple(row.key for row in questions if row.key not in responses)
    if missing:
        _stamp(attempt_id, None)  # we hold the row lock, so no one saw the stamp: the attempt stays open
        return SubmitResult(Outcome.UNANSWERED, attempt, missing)
    passed, verdicts = _mark(attempt, version, questions, responses)
    module_id, purpose = attempt.module_id, attempt.purpose
    if purpose == ASSESSMENT:
        _record_statements(user, attempt, version, questions, responses, verdicts, bool(passed))
    db.session.expire(attempt)  # the UPDATEs above bypassed the session
    completion = _complete_if_live(user, attempt, version) if passed else None
    summaries.refresh_learner(user.id, module_id)  # takes the learner's lock before the tally
    if purpose == ASSESSMENT:
        summaries.tally_answers(1, attempts=[attempt_id])
    return SubmitResult(Outcome.GRADED, attempt, (), completion)


def _record_statements(
    user: Any,
    attempt: QuizAttempt,
    version: ModuleVersion,
    questions: list[Question],
    responses: Mapping[str, Response],
    verdicts: Mapping[str, bool],
    passed: bool,
) -> None:
    """Queue the xAPI statements of a graded assessment: each answer (with ``_mark``'s verdicts), then passed
    or failed. Costs nothing (no query) unless one of the learner's organisations sends statements."""
    if not xapi_record.targets(user, "answered") and not xapi_record.targets(user, "passed" if passed else "failed"):
        return
    module = db.session.get(Module, attempt.module_id)
    if module is None:
        return
    xapi_record.assessment_graded(
        user,
        module,
        version,
        attempt,
        questions,
        {row.key: responses[row.key].answer for row in questions},
        verdicts,
        score=sum(verdicts.values()),
        maximum=len(questions),
        passed=passed,
    )


def _stamp(attempt_id: int, when: datetime | None) -> bool:
    """Set (or clear) ``submitted_at``; setting it succeeds only while it is empty."""
    query = update(QuizAttempt).where(QuizAttempt.id == attempt_id)
    if when is not None:
        query = query.where(QuizAttempt.submitted_at.is_(None))
    stamped = db.session.execute(query.values(submitted_at=when).execution_options(synchronize_session=False))
    return stamped.rowcount == 1


def _mark(
    attempt: QuizAttempt, version: ModuleVersion, questions: list[Question], responses: Mapping[str, Response]
) -> tuple[bool | None, dict[str, bool]]:
    """Store every answer's verdict and the attempt's score; returns whether it passed (None: a pre-check)
    and each question's verdict by key (for the xAPI statements, so nothing is graded twice).

    Two UPDATEs for the verdicts and one for the score, however many questions (no query per answer).
    """
    right: list[int] = []
    wrong: list[int] = []
    verdicts: dict[str, bool] = {}
    for row in questions:
        response = responses[row.key]
        verdicts[row.key] = service_grade(row, response.answer)
        (right if verdicts[row.key] else wrong).append(response.id)
    for ids, value in ((right, True), (wrong, False)):
        if ids:
            db.session.execute(
                update(Response)
                .where(Response.id.in_(ids))
                .values(is_correct=value)
                .execution_options(synchronize_session=False)
            )
    score, maximum = len(right), len(questions)
    percent = round(100 * score / maximum) if maximum else 0
    passed = percent >= version.pass_mark if attempt.purpose == ASSESSMENT else None
    db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id)
        .values(score=score, max_score=maximum, percent=percent, passed=passed)
        .execution_options(synchronize_session=False)
    )
    return passed, verdicts


def _complete_if_live(user: Any, attempt: QuizAttempt, version: ModuleVersion) -> ModuleCompletion | None:
    """Complete the module for a passed attempt, unless a new edition went live meanwhile."""
    module = db.session.get(Module, attempt.module_id)
    assert module is not None
    live = module.current_version or version
    if live.edition != version.edition:
        return None
    return service.complete_module_if_done(user, module, live, language=attempt.language)


def service_grade(row: Question, answer: Any) -> bool:
    """Grade one stored answer with the course engine's pure graders."""
    return answer is not None and grade(question_from_row(row), answer)


@dataclass(frozen=True)
class ResultItem:
    """One question on the result page: what the learner chose, whether it was right, and why."""

    number: int
    row: Question
    answered: bool
    correct: bool
    chosen: list[ShownOption]  # chosen options, in the order shown
    typed: str
    option_feedback: list[tuple[ShownOption, str]]  # feedback of each chosen option
    general_html: str  # if-correct / if-wrong for text and number questions
    explanation_html: str
    confidence: int | None
    #: the right options in the order shown, each with its feedback (why it is right): shown once submitted
    right: list[tuple[ShownOption, str]] = field(default_factory=list)
    right_typed: tuple[str, ...] = ()  # text: the accepted answers
    right_number: float | None = None  # number: the answer, right within ``tolerance``
    tolerance: float = 0.0
    lesson_slug: str | None = None  # the lesson the question is about, when the author named one


def result_items(attempt: QuizAttempt, language: str) -> list[ResultItem]:
    """Every question of a submitted attempt with the answer, the verdict, the feedback and the explanation."""
    version = db.session.get(ModuleVersion, attempt.version_id)
    assert version is not None
    questions = questions_in(version.id, version.language, attempt.purpose, language)
    responses = responses_of(attempt)
    return [
        _result_item(number, attempt, row, responses.get(row.key)) for number, row in enumerate(questions, start=1)
    ]


def _result_item(number: int, attempt: QuizAttempt, row: Question, response: Response | None) -> ResultItem:
    answer = response.answer if response else None
    shown = as_submitted(attempt, row, answer, None)
    chosen = [option for option in shown_options(attempt, row) if option.index in shown.chosen]
    correct = bool(response and response.is_correct)
    feedback = row.feedback.get("options", {})
    general = ""
    if not has_options(row) and response is not None:
        general = row.feedback.get("if_correct_html" if correct else "if_wrong_html", "")
    return ResultItem(
        number=number,
        row=row,
        answered=response is not None,
        correct=correct,
        chosen=chosen,
        typed=shown.typed,
        option_feedback=[(option, feedback.get(option.key, "")) for option in chosen],
        general_html=general,
        explanation_html=row.feedback.get("explanation_html", ""),
        confidence=response.confidence if response else None,
        right=[(option, feedback.get(option.key, "")) for option in shown_options(attempt, row)
               if option.key in set(row.answer.get("correct", []))],
        right_typed=() if has_options(row) else tuple(row.answer.get("accept", [])),
        right_number=None if has_options(row) else row.answer.get("answer"),
        tolerance=row.answer.get("tolerance") or 0.0,
        lesson_slug=row.lesson_slug,
    )


@dataclass(frozen=True)
class Revisit:
    """"Lessons to revisit": the lessons behind the questions missed, in the module's order."""

    lessons: list[Any]  # the LessonSummary of each, titled in the reader's language
    unlinked: int  # questions missed that name no lesson (or one the version no longer has)

    @property
    def missed(self) -> bool:
        return bool(self.lessons) or self.unlinked > 0


def lessons_to_revisit(items: list[ResultItem], lessons: list[Any]) -> Revisit:
    """Only the lessons of the questions the learner got wrong (or left unanswered)."""
    missed = [item for item in items if not item.correct]
    wanted = {item.lesson_slug for item in missed if item.lesson_slug}
    chosen = [lesson for lesson in lessons if lesson.slug in wanted]
    known = {lesson.slug for lesson in chosen}
    return Revisit(chosen, sum(1 for item in missed if item.lesson_slug not in known))


def has_options(row: Question) -> bool:
    return KINDS[row.kind].has_options

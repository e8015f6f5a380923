"""The assessment and pre-check pages: intro, one question per page, check your answers, result.

URLs (``quiz`` for the assessment, ``precheck`` for the pre-check):
``/modules/<module>/quiz`` intro (POST starts or resumes), ``.../quiz/<attempt>/questions/<n>`` a question,
``.../quiz/<attempt>/check`` check your answers (POST submits), ``.../quiz/<attempt>`` the result.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..content.questions import prompt_parts
from ..extensions import db
from ..i18n import current_language
from ..models import Certificate, ModuleCompletion, ModuleVersion, Question, QuizAttempt
from . import bp, quiz, service
from .views import _module_or_404

PREFIXES = {quiz.ASSESSMENT: "quiz", quiz.PRECHECK: "precheck"}


def _route(suffix: str, endpoint: str, methods: tuple[str, ...]):
    """Register a view for the assessment and for the pre-check (``purpose`` comes from the URL)."""

    def decorator(view):
        for purpose, prefix in PREFIXES.items():
            bp.add_url_rule(
                f"/modules/<module_slug>/{prefix}{suffix}",
                endpoint,
                view,
                methods=list(methods),
                defaults={"purpose": purpose},
            )
        return view

    return decorator


def _attempt_or_404(module_slug: str, purpose: str, attempt_id: int) -> tuple[Any, ModuleVersion, QuizAttempt]:
    module, _live = _module_or_404(module_slug)
    attempt = quiz.find_attempt(current_user, module, purpose, attempt_id)
    if attempt is None:
        abort(404)
    version = db.session.get(ModuleVersion, attempt.version_id)
    assert version is not None
    return module, version, attempt


def _question_url(module_slug: str, purpose: str, attempt_id: int, number: int, **extra: Any) -> str:
    return url_for(
        "learning.quiz_question",
        module_slug=module_slug,
        purpose=purpose,
        attempt_id=attempt_id,
        number=number,
        **extra,
    )


def _result_url(module_slug: str, purpose: str, attempt_id: int) -> str:
    return url_for("learning.quiz_result", module_slug=module_slug, purpose=purpose, attempt_id=attempt_id)


def _resume_url(module_slug: str, purpose: str, attempt: QuizAttempt, questions: list) -> str:
    number = quiz.next_unanswered(questions, quiz.responses_of(attempt))
    if number is None:
        return url_for("learning.quiz_check", module_slug=module_slug, purpose=purpose, attempt_id=attempt.id)
    return _question_url(module_slug, purpose, attempt.id, number)


@_route("", "quiz_intro", ("GET",))
@login_required
def quiz_intro(module_slug: str, purpose: str):
    module, version = _module_or_404(module_slug)
    state = quiz.quiz_state(current_user, module, version, purpose)
    if state.question_count == 0:
        abort(404)
    resume = None
    if state.open_attempt is not None:
        attempt = state.open_attempt
        questions = quiz.questions_in(attempt.version_id, version.language, purpose, version.language)
        resume = _resume_url(module_slug, purpose, attempt, questions)
    return render_template(
        "learning/quiz_intro.html",
        module=module,
        version=version,
        shown=service.shown_language(version, current_language()),
        purpose=purpose,
        state=state,
        resume_url=resume,
    )


@_route("", "quiz_start", ("POST",))
@login_required
def quiz_start(module_slug: str, purpose: str):
    module, version = _module_or_404(module_slug)
    try:
        attempt = quiz.start_attempt(current_user, module, version, purpose, current_language())
    except quiz.QuizError:  # nothing was written; the request's end drops the transaction
        return redirect(url_for("learning.quiz_intro", module_slug=module_slug, purpose=purpose))
    db.session.commit()
    questions = quiz.questions_in(attempt.version_id, version.language, purpose, version.language)
    return redirect(_resume_url(module_slug, purpose, attempt, questions))


@_route("/<int:attempt_id>/questions/<int:number>", "quiz_question", ("GET", "POST"))
@login_required
def quiz_question(module_slug: str, purpose: str, attempt_id: int, number: int):
    module, version, attempt = _attempt_or_404(module_slug, purpose, attempt_id)
    if attempt.submitted_at is not None:
        return redirect(_result_url(module_slug, purpose, attempt.id))
    questions = quiz.questions_in(version.id, version.language, purpose, current_language())
    if not 1 <= number <= len(questions):
        abort(404)
    row = questions[number - 1]
    changing = request.values.get("from") == "check"
    if request.method == "POST":
        submitted = quiz.read_form(attempt, row, request.form)
        if not submitted.problems:
            last = changing or number == len(questions)
            return _save(module_slug, purpose, attempt, row, submitted, None if last else number + 1)
    else:
        saved = quiz.responses_of(attempt).get(row.key)
        submitted = quiz.as_submitted(attempt, row, saved.answer, saved.confidence) if saved else None
    return render_template(
        "learning/quiz_question.html",
        module=module,
        version=version,
        purpose=purpose,
        attempt=attempt,
        row=row,
        number=number,
        total=len(questions),
        options=quiz.shown_options(attempt, row),
        submitted=submitted,
        errors=submitted.problems if submitted and request.method == "POST" else [],
        changing=changing,
        prompt_parts=prompt_parts,
    )


def _save(
    module_slug: str,
    purpose: str,
    attempt: QuizAttempt,
    row: Question,
    submitted: quiz.Submitted,
    next_number: int | None,
) -> Response:
    """Save one answer (the request's one commit), then go to the next question or to checking."""
    saved = quiz.save_answer(attempt.id, row.key, submitted.answer, submitted.confidence)
    db.session.commit()
    if not saved:
        flash(_("These answers were already submitted."), "info")
        return redirect(_result_url(module_slug, purpose, attempt.id))
    if next_number is None:
        return redirect(url_for("learning.quiz_check", module_slug=module_slug, purpose=purpose, attempt_id=attempt.id))
    return redirect(_question_url(module_slug, purpose, attempt.id, next_number))


@_route("/<int:attempt_id>/check", "quiz_check", ("GET", "POST"))
@login_required
def quiz_check(module_slug: str, purpose: str, attempt_id: int):
    module, version, attempt = _attempt_or_404(module_slug, purpose, attempt_id)
    result_url = _result_url(module_slug, purpose, attempt.id)
    if attempt.submitted_at is not None:
        return redirect(result_url)
    unanswered: tuple[str, ...] = ()
    if request.method == "POST":
        outcome = quiz.submit_attempt(current_user, attempt.id)
        db.session.commit()
        if outcome.outcome != quiz.Outcome.UNANSWERED:  # the result's panel says so: no banner repeating it
            return redirect(result_url)
        unanswered = outcome.unanswered
    questions = quiz.questions_in(version.id, version.language, purpose, current_language())
    return render_template(
        "learning/quiz_check.html",
        module=module,
        version=version,
        purpose=purpose,
        attempt=attempt,
        questions=questions,
        responses=quiz.responses_of(attempt),
        unanswered=unanswered,
        shown_options=quiz.shown_options,
        prompt_parts=prompt_parts,
    )


@_route("/<int:attempt_id>", "quiz_result", ("GET",))
@login_required
def quiz_result(module_slug: str, purpose: str, attempt_id: int):
    module, version, attempt = _attempt_or_404(module_slug, purpose, attempt_id)
    if attempt.submitted_at is None:
        questions = quiz.questions_in(version.id, version.language, purpose, version.language)
        return redirect(_resume_url(module_slug, purpose, attempt, questions))
    live = module.current_version or version
    state = quiz.quiz_state(current_user, module, live, purpose)
    certificate = None
    if purpose == quiz.ASSESSMENT and attempt.passed:
        certificate = db.session.execute(
            select(Certificate.code, ModuleCompletion.renewal, ModuleCompletion.attempt_id)
            .join(ModuleCompletion, ModuleCompletion.id == Certificate.completion_id)
            .where(
                ModuleCompletion.user_id == current_user.id,
                ModuleCompletion.module_id == module.id,
                ModuleCompletion.edition == version.edition,
                Certificate.revoked_at.is_(None),
            )
            .order_by(ModuleCompletion.renewal.desc())  # a renewal's certificate, not the one it renewed
            .limit(1)
        ).first()
    language = current_language()
    items = quiz.result_items(attempt, language)
    return render_template(
        "learning/quiz_result.html",
        module=module,
        version=version,
        purpose=purpose,
        attempt=attempt,
        items=items,
        revisit=quiz.lessons_to_revisit(items, service.lesson_summaries(live, language)),
        state=state,
        certificate_code=certificate.code if certificate else None,
        renewed=bool(certificate and certificate.renewal and certificate.attempt_id == attempt.id),
        prompt_parts=prompt_parts,
    )

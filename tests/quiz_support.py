"""Helpers for the quiz, My learning and certificate tests: a module with every question type and a
pre-check, and functions that take an assessment through the real pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select

from literacy.extensions import db
from literacy.models import QuizAttempt

from .support.modules import write_module

QUIZ = """---
title: Every kind of question
---

::: question pick-one
type: single
confidence: yes
lesson: lesson-1

Which one is right for pick-one?

- [ ] Wrong one
  > Feedback wrong one.
- [x] Right one
  > Feedback right one.
- [ ] Another wrong
  > Feedback another wrong.

Explanation:
Explanation of pick-one.
:::

::: question pick-many
type: multiple
lesson: lesson-2

A team reviews a tool before it goes live. The scenario of pick-many, as body text.

Which are right in pick-many?

- [x] First right
  > Feedback first right.
- [ ] Not this
  > Feedback not this.
- [x] Second right
  > Feedback second right.
:::

::: question yes-no
type: true-false

A confident tone shows that an answer is correct.

- [ ] True
  > Feedback true.
- [x] False
  > Feedback false.
:::

::: question name-it
type: text
confidence: yes
accept: Algorithmic Transparency Recording Standard | ATRS
if-correct: Feedback text right.
if-wrong: Feedback text wrong.

What is the standard for algorithmic transparency called?
:::

::: question how-many
type: number
answer: 6
tolerance: 0
if-correct: Feedback number right.
if-wrong: Feedback number wrong.

For how many months must logs be kept?

Explanation:
Explanation of how-many.
:::
"""

PRECHECK = """Before you start: one question. It does not count.

::: question pre-one
type: true-false

All software that makes decisions is AI.

- [ ] True
  > Pre feedback true.
- [x] False
  > Pre feedback false.
:::
"""

RIGHT: dict[str, Any] = {
    "pick-one": "b",
    "pick-many": ["a", "c"],
    "yes-no": "b",
    "name-it": "atrs",
    "how-many": "6",
}
WRONG: dict[str, Any] = {
    "pick-one": "a",
    "pick-many": ["a"],
    "yes-no": "a",
    "name-it": "something else",
    "how-many": "7",
}
KEYS = list(RIGHT)


def write_quiz_module(
    root: Path,
    slug: str = "quiz-module",
    *,
    lessons: int = 2,
    max_attempts: int | None = None,
    shuffle: bool = True,
    precheck: bool = True,
    welsh: bool = False,
) -> Path:
    folder = write_module(root, slug, lessons=lessons, questions=1, welsh=welsh, title=f"Quiz module {slug}")
    # pick-one is about lesson-1 and pick-many about lesson-2 (when there is one); the others name no lesson
    quiz = QUIZ if lessons >= 2 else QUIZ.replace("lesson: lesson-2\n", "")
    (folder / "quiz.md").write_text(quiz, encoding="utf-8")
    if precheck:
        (folder / "precheck.md").write_text(PRECHECK, encoding="utf-8")
    settings = (folder / "module.yaml").read_text(encoding="utf-8")
    extra = "" if shuffle else "shuffle: no\n"
    if max_attempts:
        extra += f"max_attempts: {max_attempts}\n"
    (folder / "module.yaml").write_text(settings.replace("pass_mark: 50\n", "pass_mark: 50\n" + extra))
    return folder


def complete_lessons(auth: Any, slug: str, lessons: int = 2) -> None:
    for number in range(1, lessons + 1):
        auth.post(f"/modules/{slug}/lesson-{number}/complete")


def latest_attempt(purpose: str = "assessment") -> QuizAttempt:
    db.session.expire_all()
    attempt = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.purpose == purpose).order_by(QuizAttempt.id.desc())
    ).first()
    assert attempt is not None
    return attempt


def form_value(attempt: QuizAttempt, key: str, answer: Any) -> Any:
    """What the page's form sends for ``answer``: option positions in the attempt's order, or the text."""
    order = attempt.option_order.get(key)
    if not order:
        return answer
    if isinstance(answer, list):
        return [str(order.index(option) + 1) for option in answer]
    return str(order.index(answer) + 1)


def start(auth: Any, slug: str, purpose: str = "quiz") -> tuple[Any, QuizAttempt]:
    response = auth.post(f"/modules/{slug}/{purpose}")
    assert response.status_code == 302, response.status_code
    return response, latest_attempt("assessment" if purpose == "quiz" else "precheck")


def answer_all(
    auth: Any, slug: str, attempt: QuizAttempt, answers: dict[str, Any], *, purpose: str = "quiz", confidence: int = 3
) -> None:
    for number, key in enumerate(answers, start=1):
        data = {"answer": form_value(attempt, key, answers[key]), "confidence": str(confidence)}
        response = auth.post(f"/modules/{slug}/{purpose}/{attempt.id}/questions/{number}", data)
        assert response.status_code == 302, (key, response.get_data(as_text=True)[:2000])


def take(auth: Any, slug: str, answers: dict[str, Any], *, purpose: str = "quiz", confidence: int = 3) -> QuizAttempt:
    """Start (or resume) an attempt, answer every question and submit it; returns the attempt."""
    _, attempt = start(auth, slug, purpose)
    answer_all(auth, slug, attempt, answers, purpose=purpose, confidence=confidence)
    response = auth.post(f"/modules/{slug}/{purpose}/{attempt.id}/check")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/modules/{slug}/{purpose}/{attempt.id}"
    db.session.expire_all()
    return attempt


def text_of(html: str) -> str:
    """Visible text, tags removed and spaces collapsed (for assertions about sentences)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

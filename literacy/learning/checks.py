"""Knowledge checks inside lessons: immediate feedback, never scored, no JavaScript needed.

The answer goes into the session for one redirect (post/redirect/get), so reloading the page does
not resubmit and the feedback appears next to the check it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from .. import content
from ..content import kinds
from ..models import Question

PLACEHOLDER = re.compile(r'<div class="knowledge-check" data-check="([a-z0-9-]+)"></div>')
SESSION_KEY = "check_result"


def split_lesson(html: str) -> list[tuple[str, str]]:
    """The stored lesson HTML as ("html", text) and ("check", key) parts, in order."""
    parts: list[tuple[str, str]] = []
    position = 0
    for match in PLACEHOLDER.finditer(html):
        parts.append(("html", html[position : match.start()]))
        parts.append(("check", match.group(1)))
        position = match.end()
    parts.append(("html", html[position:]))
    return [part for part in parts if part[1]]


def read_answer(row: Question, form: MultiDict[str, str]) -> Any:
    """What the learner chose or typed; options are posted as positions in the written order (checks
    are never shuffled), read by the question's kind like any other question form."""
    return kinds.read_answer(row.kind, form.getlist("answer"), [option["key"] for option in row.options])


def store_result(session: Any, module: str, lesson: str, key: str, answer: Any) -> None:
    session[SESSION_KEY] = {"module": module, "lesson": lesson, "key": key, "answer": answer}


def take_result(session: Any, module: str, lesson: str) -> dict[str, Any] | None:
    result = session.pop(SESSION_KEY, None)
    if result and result.get("module") == module and result.get("lesson") == lesson:
        return result
    return None


@dataclass(frozen=True)
class Feedback:
    """What a check shows once answered: the verdict, the feedback of what was chosen, and the answer
    itself so the form shows it again."""

    key: str
    answer: Any
    answered: bool
    correct: bool
    chosen: frozenset[int]  # positions of the chosen options (the values the form posts)
    typed: str  # a typed answer, shown again in its box
    option_feedback: list[tuple[str, str, bool]]  # (option html, feedback html, was it correct) for chosen ones
    general_html: str  # if-correct / if-wrong feedback for text and number questions
    explanation_html: str


def feedback(question: content.Question, answer: Any) -> Feedback:
    """Grade a check's answer at once; checks are never scored, so nothing is stored."""
    answered = answer not in (None, "", [])
    correct = answered and content.grade(question, answer)
    keys = set(answer) if isinstance(answer, list) else {answer}
    picked = [(position, option) for position, option in enumerate(question.options, start=1) if option.key in keys]
    option_feedback = [(option.html, option.feedback_html, option.is_correct) for _, option in picked]
    general = ""
    if not question.has_options and answered:
        general = question.if_correct_html if correct else question.if_wrong_html
    return Feedback(
        key=question.key,
        answer=answer,
        answered=answered,
        correct=bool(correct),
        chosen=frozenset(position for position, _ in picked),
        typed=answer if isinstance(answer, str) and not question.has_options else "",
        option_feedback=option_feedback,
        general_html=general,
        explanation_html=question.explanation_html if answered else "",
    )


SINGLE_PARAGRAPH = re.compile(r"^\s*<p>((?:(?!</?p[\s>]).)*)</p>\s*$", re.S)


def legend_html(prompt_html: str) -> str | None:
    """The prompt as legend content when it is one paragraph (a legend may not hold block elements)."""
    match = SINGLE_PARAGRAPH.match(prompt_html)
    if match and not re.search(r"<(ul|ol|table|div|pre|blockquote|h\d)[\s>]", match.group(1)):
        return match.group(1)
    return None

"""The report of an assessment: every answer, what is unanswered per section, every chosen answer that
carries a risk, and the modules to recommend; as data for the printable page, and as CSV and JSON.

Exports name questions by their ids and English texts (the questionnaire's own language), so files from
teams working in different languages compare; the answers are the team's own words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...models import SelfAssessment, SelfAssessmentAnswer, User
from ...tables import Column
from . import service
from .questionnaire import Question, Questionnaire

CSV_COLUMNS = [
    Column(key, key)
    for key in ("part", "section", "question_id", "question", "type", "answer", "risk", "changed_by", "changed_at")
]


def shown(question: Question, value: str) -> str:
    """An answer as a person reads it: a choice by its text, several choices one a line, text as written."""
    if question.type in ("text", "long_text"):
        return value
    texts = []
    for choice_id in service.chosen(value):
        choice = question.choice(choice_id)
        texts.append(choice.text if choice is not None else choice_id)
    return "\n".join(texts)


def risks_of(question: Question, value: str) -> list[str]:
    if question.type not in ("single", "multiple"):
        return []
    notes = []
    for choice_id in service.chosen(value):
        choice = question.choice(choice_id)
        if choice is not None and choice.risk:
            notes.append(choice.risk)
    return notes


def _when(value: datetime | None) -> str:
    return value.isoformat() if isinstance(value, datetime) else ""


def csv_rows(
    form: Questionnaire, answers: dict[str, SelfAssessmentAnswer], users: dict[int, User]
) -> list[list[Any]]:
    rows = []
    for part in form.parts:
        for section in part.sections:
            for question in section.questions:
                answer = answers.get(question.id)
                value = answer.value if answer is not None else ""
                who = users.get(answer.updated_by_id) if answer is not None and answer.updated_by_id else None
                rows.append([
                    part.id, section.id, question.id, question.text, question.type, shown(question, value),
                    "\n".join(risks_of(question, value)), who.name if who else "",
                    _when(answer.updated_at) if answer is not None and value else "",
                ])
    return rows


def as_json(
    form: Questionnaire,
    assessment: SelfAssessment,
    answers: dict[str, SelfAssessmentAnswer],
    users: dict[int, User],
    team: list[User],
) -> dict[str, Any]:
    values = {key: answer.value for key, answer in answers.items() if answer.value}
    progress = {item.section.id: item for item in service.progress(form, values)}
    parts = []
    for part in form.parts:
        sections = []
        for section in part.sections:
            questions = []
            for question in section.questions:
                answer = answers.get(question.id)
                value = values.get(question.id, "")
                who = users.get(answer.updated_by_id) if answer is not None and answer.updated_by_id else None
                questions.append({
                    "id": question.id,
                    "type": question.type,
                    "question": question.text,
                    "answer": (service.chosen(value) if question.type == "multiple" else value) or None,
                    "answer_text": shown(question, value) or None,
                    "risks": risks_of(question, value),
                    "revision": answer.revision if answer is not None else 0,
                    "changed_by": who.name if who else None,
                    "changed_at": _when(answer.updated_at) if answer is not None and value else None,
                })
            sections.append({
                "id": section.id,
                "title": section.title,
                "unanswered": [question.id for question in progress[section.id].unanswered],
                "questions": questions,
            })
        parts.append({"id": part.id, "title": part.title, "sections": sections})
    return {
        "questionnaire": {"title": form.title, "version": form.version},
        "system": {"name": assessment.system_name, "description": assessment.description},
        "published_in_organisation": assessment.is_published,
        "updated_at": _when(assessment.updated_at),
        "team": [person.name for person in team],
        "recommended_modules": service.recommended_modules(form, values),
        "parts": parts,
    }


def file_name(assessment: SelfAssessment, extension: str) -> str:
    return f"self-assessment-{assessment.id}.{extension}"

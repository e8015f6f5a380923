"""Forms of the self-assessment (Flask-WTF: CSRF on every one). A section's answers are read from the posted
form by ``read_section``, question by question, from the questionnaire the assessment follows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ...fields import strip
from . import service
from .questionnaire import Section

REVISION_MAX = 2_000_000_000


class NewAssessmentForm(FlaskForm):
    system_name = StringField(
        _l("Name of the AI system"),
        validators=[
            DataRequired(message=_l("Enter the name of the AI system")),
            Length(max=service.NAME_MAX, message=_l("The name must be 200 characters or fewer")),
        ],
        filters=[strip],
    )
    description = TextAreaField(
        _l("What the system does"),
        validators=[
            Length(max=service.DESCRIPTION_MAX, message=_l("The description must be 5,000 characters or fewer"))
        ],
        filters=[strip],
    )
    is_published = BooleanField(_l("Publish this assessment to everyone in the organisation"))


class DetailsForm(FlaskForm):
    """The system's name and description, changed after the assessment has started."""

    system_name = NewAssessmentForm.system_name
    description = NewAssessmentForm.description


class SectionForm(FlaskForm):
    """Only the CSRF token: the questions' fields are read by :func:`read_section`."""


class VisibilityForm(FlaskForm):
    is_published = BooleanField(_l("Publish this assessment to everyone in the organisation"))


class TeamForm(FlaskForm):
    user_id = SelectField(_l("Person to invite"), choices=[], validate_choice=True)


class RemoveMemberForm(FlaskForm):
    user_id = HiddenField()


class AtrsLinkForm(FlaskForm):
    record = SelectField(_l("ATRS draft record"), choices=[], validate_choice=True)


def field_name(question_id: str) -> str:
    return f"q-{question_id}"


def revision_name(question_id: str) -> str:
    return f"rev-{question_id}"


def keep_name(question_id: str) -> str:
    return f"keep-{question_id}"


def _revision(text: str | None) -> int:
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return -1  # not a revision this page wrote: treated as seen by nobody, so it can only conflict
    value = int(text)
    return value if value <= REVISION_MAX else -1


def read_section(
    section: Section, posted: Any, labels: Mapping[str, str]
) -> tuple[dict[str, tuple[int, str]], dict[str, str | list[str]], list[tuple[str, str]]]:
    """(question id -> (revision seen, normalised value), what was typed as sent, errors as (field id,
    message)). Only questions whose revision the form carried are read: others were not on it."""
    submitted: dict[str, tuple[int, str]] = {}
    typed: dict[str, str | list[str]] = {}
    errors: list[tuple[str, str]] = []
    for question in section.questions:
        name = field_name(question.id)
        if revision_name(question.id) not in posted:
            continue
        if posted.get(keep_name(question.id)) == "theirs":
            continue  # after a conflict, this person chose the colleague's saved answer: nothing to write
        seen = _revision(posted.get(revision_name(question.id)))
        if question.type in ("text", "long_text"):
            value = posted.get(name, "")
            typed[question.id] = value
            limit = service.TEXT_MAX[question.type]
            if len(value.strip()) > limit:
                errors.append((name, gettext("%(field)s must be %(limit)s characters or fewer",
                                             field=labels[question.id], limit=limit)))
                continue
            submitted[question.id] = (seen, service.normalise(question, value))
            continue
        values = [value for value in posted.getlist(name) if value]
        typed[question.id] = values
        known = {choice.id for choice in question.choices}
        if any(value not in known for value in values) or (question.type == "single" and len(values) > 1):
            first = f"{name}-{question.choices[0].id}"
            errors.append((first, gettext("Choose from the answers listed for: %(field)s", field=labels[question.id])))
            continue
        submitted[question.id] = (seen, service.normalise(question, values))
    return submitted, typed, errors

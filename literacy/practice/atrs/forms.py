"""Forms of the ATRS workshop (Flask-WTF: CSRF on every one). A section's form is built from the field map."""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ...fields import strip
from .fieldmap import AtrsField, AtrsSection
from .messages import CHOICE_LABELS

NAME_MAX = 200
TEXT_MAX = {"text": 1000, "url": 1000, "email": 320, "choice": 100, "textarea": 20_000}


class NewRecordForm(FlaskForm):
    name = StringField(
        _l("Name of the tool"),
        validators=[Length(max=NAME_MAX, message=_l("The name must be 200 characters or fewer"))],
        filters=[strip],
    )
    published = SelectField(_l("Start from a published record (optional)"), choices=[], default="")
    is_shared = BooleanField(_l("Share this draft with everyone in the organisation"))

    def __init__(self, *args: object, published_choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.published.choices = [SelectChoice("", _l("Do not start from a published record"))] + [
            SelectChoice(value, label) for value, label in published_choices
        ]

    def validate_name(self, field: Field) -> None:
        if not field.data and not self.published.data:
            raise ValidationError(_l("Enter the name of the tool, or choose a published record to start from"))


class SharingForm(FlaskForm):
    is_shared = BooleanField(_l("Share this draft with everyone in the organisation"))


def public_url_or_na(form: FlaskForm, field: Field) -> None:
    """A website is a full web address, or "N/A" as the template asks when there is none."""
    value = (field.data or "").strip()
    if not value or value.upper() == "N/A":
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ValidationError(
            gettext(
                "%(field)s must be a web address starting with https://, or N/A if there is none",
                field=field.label.text,
            )
        )


def _field(spec: AtrsField) -> Field:
    """One form field for a field of the map: its translated label, its limit and its format check."""
    label = _l(spec.label)
    limit = TEXT_MAX[spec.input]
    validators = [
        Optional() if spec.key != "name" else DataRequired(message=_l("Enter the name of the tool")),
        Length(max=limit, message=_l("%(field)s must be %(limit)s characters or fewer", field=label, limit=limit)),
    ]
    if spec.input == "email":
        validators.append(Email(message=_l("Enter an email address in the correct format, like team@example.gov.uk")))
    if spec.input == "url":
        validators.append(public_url_or_na)
    if spec.input == "choice":
        choices = [SelectChoice("", _l("Not answered yet"))]
        choices += [SelectChoice(value, _l(CHOICE_LABELS[value])) for value in spec.choices]
        return SelectField(label, choices=choices, validate_choice=True, validators=[Optional()], id=spec.key)
    kind = TextAreaField if spec.input == "textarea" else StringField
    return kind(label, validators=validators, filters=[strip], id=spec.key)


@cache
def section_form(version: str, section: AtrsSection) -> type[FlaskForm]:
    """The form class of one section of one template version (built once)."""
    fields = {spec.key: _field(spec) for spec in section.fields}
    return type(f"AtrsSectionForm_{version.replace('.', '_')}_{section.key}", (FlaskForm,), fields)

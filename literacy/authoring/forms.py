"""Forms of the authoring area (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Regexp

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class NewModuleForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Enter a title")),
            Length(max=200, message=_l("Use 200 characters or fewer")),
        ],
    )
    slug = StringField(
        _l("Web address name"),
        validators=[
            DataRequired(message=_l("Enter a web address name")),
            Length(max=80, message=_l("Use 80 characters or fewer")),
            Regexp(SLUG_PATTERN, message=_l("Use lower case letters, digits and hyphens only, like ai-basics")),
        ],
        filters=[lambda value: value.strip().lower() if value else value],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    shared = BooleanField(_l("Offer this module to everyone, not only this organisation"))


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(message=_l("Choose a file"))])


class AddFileForm(FlaskForm):
    name = StringField(
        _l("File name"),
        validators=[
            DataRequired(message=_l("Enter a file name")),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z]{2,3})?\.(?:md|yaml)$",
                message=_l("Enter a name like how-machines-learn.md or quiz.cy.md"),
            ),
        ],
        filters=[lambda value: value.strip() if value else value],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )


class KeptTextForm(FlaskForm):
    """Use or discard text kept from an expired session (the token names the kept text)."""

    token = HiddenField(validators=[DataRequired()])

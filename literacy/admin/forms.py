"""Forms for site administration (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, Length

from ..fields import strip
from . import organisations


def lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


class OrganisationNameMixin:
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the organisation's name")),
            Length(max=organisations.NAME_MAX, message=_l("The name must be 200 characters or fewer")),
        ],
        filters=[strip],
    )


class CreateOrganisationForm(OrganisationNameMixin, FlaskForm):
    slug = StringField(
        _l("URL slug"),
        validators=[DataRequired(message=_l("Enter a URL slug"))],
        filters=[strip, lower],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )

    def validate_slug(self, field: StringField) -> None:
        if not organisations.slug_is_valid(field.data or ""):
            raise ValidationError(
                _l(
                    "The URL slug must use only lowercase letters, digits and single hyphens between them, "
                    "like cabinet-office, and be 80 characters or fewer"
                )
            )
        if organisations.slug_taken(field.data):
            raise ValidationError(_l("Another organisation already uses this URL slug: choose a different one"))


class RenameOrganisationForm(OrganisationNameMixin, FlaskForm):
    pass


class ThemeForm(FlaskForm):
    accent_colour = StringField(
        _l("Accent colour (optional)"),
        filters=[strip],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    logo = FileField(_l("Logo (optional)"))
    remove_logo = BooleanField(_l("Remove the current logo"))

    colour: str | None = None  # the accent colour as #rrggbb once validated, None for the site's own
    accepted_logo: organisations.Logo | None = None

    def validate_accent_colour(self, field: StringField) -> None:
        if not field.data:
            self.colour = None
            return
        colour = organisations.normalise_colour(field.data)
        if colour is None:
            raise ValidationError(_l("Enter the accent colour as a hex code of six digits, like #1d70b8"))
        ratio = organisations.contrast_ratio(colour)
        shown = "%.2f" % (int(ratio * 100) / 100)  # cut, not rounded: 4.499 never reads as 4.50
        if ratio < organisations.MIN_CONTRAST:
            raise ValidationError(
                _l(
                    "Choose a darker accent colour: %(colour)s has a contrast ratio of %(ratio)s to 1 against "
                    "white, and white text on it needs at least 4.5 to 1",
                    colour=colour,
                    ratio=shown,
                )
            )
        self.colour = colour

    def validate_logo(self, field: FileField) -> None:
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            self.accepted_logo = None
            return
        data = upload.read(organisations.LOGO_MAX_BYTES + 1)
        if not data:
            raise ValidationError(_l("The logo file is empty"))
        if len(data) > organisations.LOGO_MAX_BYTES:
            raise ValidationError(_l("The logo must be 200 KB or smaller"))
        logo = organisations.read_logo(data)
        if logo is None:
            raise ValidationError(
                _l("The logo must be a PNG or JPEG image (SVG files are not accepted because they can contain scripts)")
            )
        self.accepted_logo = logo


class AppointAdministratorForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        validators=[
            DataRequired(message=_l("Enter the email address of the person to appoint")),
            Email(message=_l("Enter an email address in the correct format, like name@example.gov.uk")),
        ],
        filters=[strip],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""

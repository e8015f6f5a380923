"""Forms for accepting or declining an invitation (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..fields import NewPasswordMixin, strip


class AcceptInvitationForm(FlaskForm, NewPasswordMixin):
    """A new person's account. The mixin's password fields are declared first, so WTForms lists them
    before ``name``: ``PAGE_ORDER`` is the order the page shows them, which its error summary follows."""

    PAGE_ORDER = ("name", "password", "confirm")

    name = StringField(
        _l("Your full name"),
        validators=[
            DataRequired(message=_l("Enter your full name")),
            Length(max=200, message=_l("Your name must be 200 characters or fewer")),
        ],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )

    def errors_in_page_order(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, top of the page first."""
        return [(self[name].id, message) for name in self.PAGE_ORDER for message in self[name].errors]


class JoinForm(FlaskForm):
    """Accepting an invitation with an existing account: nothing to fill in, but CSRF-checked."""


class DeclineForm(FlaskForm):
    """Declining an invitation: nothing to fill in, but CSRF-checked."""

"""Forms for accepting an invitation (Flask-WTF: CSRF on every one)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..auth.forms import NewPasswordMixin
from ..fields import strip


class AcceptInvitationForm(FlaskForm, NewPasswordMixin):
    name = StringField(
        _l("Your full name"),
        validators=[DataRequired(message=_l("Enter your full name")), Length(max=200)],
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )


class JoinForm(FlaskForm):
    """Accepting an invitation with an existing account: nothing to fill in, but CSRF-checked."""

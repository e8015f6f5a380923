"""The organisation's LRS settings form (Flask-WTF: CSRF) and the resend button."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice

from ..fields import strip
from ..models import STATEMENT_KINDS

#: the environment variables an organisation may name start with this, so an organisation's administrator
#: can never have the site send its own secrets (LITERACY_SECRET_KEY, the database's password) to their LRS
ENV_PREFIX = "LITERACY_XAPI_"
ENV_NAME = re.compile(r"^LITERACY_XAPI_[A-Z0-9_]{1,86}$")
#: plain HTTP only to this machine (a test LRS, or one behind a local proxy): credentials travel in every request
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def kind_labels() -> list[tuple[str, str]]:
    labels = {
        "experienced": _l("Lesson opened (experienced)"),
        "completed": _l("Lesson or module completed (completed)"),
        "answered": _l("Each assessment question answered (answered)"),
        "passed": _l("Assessment passed (passed)"),
        "failed": _l("Assessment failed (failed)"),
    }
    return [(kind, str(labels[kind])) for kind in STATEMENT_KINDS]


def check_endpoint(text: str) -> str:
    """The LRS's address without a trailing slash; ValueError with the words to show when it is not one."""
    if not text:
        raise ValueError(_l("Enter the address of your LRS, like https://lrs.example.gov.uk/xAPI"))
    if len(text) > 500:
        raise ValueError(_l("The address of your LRS must be 500 characters or fewer"))
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValueError(_l("Enter the address of your LRS, like https://lrs.example.gov.uk/xAPI")) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(character.isspace() or ord(character) < 32 or ord(character) == 127 for character in text)
        or not text.isascii()
        or port == 0
    ):
        raise ValueError(_l("Enter the address of your LRS, like https://lrs.example.gov.uk/xAPI"))
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(
            _l("Enter the address without a user name, password, query or fragment: credentials go in environment "
               "variables")
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ValueError(_l("Use an https:// address: the LRS's credentials are sent with every statement"))
    return text.rstrip("/")


class LrsSettingsForm(FlaskForm):
    is_enabled = BooleanField(_l("Send statements to this LRS"))
    endpoint = StringField(
        _l("Address of the LRS (its xAPI endpoint)"),
        filters=[strip],
        render_kw={"spellcheck": "false", "autocomplete": "url", "inputmode": "url"},
    )
    username_env = StringField(
        _l("Environment variable that holds the LRS user name"),
        filters=[strip],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    password_env = StringField(
        _l("Environment variable that holds the LRS password"),
        filters=[strip],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    kinds = SelectMultipleField(_l("Statements to send"), validate_choice=False)
    actor = RadioField(
        _l("How learners are named in statements"),
        validate_choice=False,
        choices=[
            SelectChoice("account", _l("An opaque id for each learner (recommended)")),
            SelectChoice("mbox", _l("Their email address")),
        ],
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.kinds.choices = [SelectChoice(value, label) for value, label in kind_labels()]

    def validate_endpoint(self, field: StringField) -> None:
        try:
            self.checked_endpoint = check_endpoint(field.data or "")
        except ValueError as problem:
            raise ValidationError(str(problem.args[0])) from None

    def _env(self, field: StringField) -> None:
        text = field.data or ""
        if not text:
            raise ValidationError(_l("Enter the name of an environment variable, like LITERACY_XAPI_USER"))
        if not ENV_NAME.match(text):
            raise ValidationError(
                _l("Use a name that starts with LITERACY_XAPI_ and has only capital letters, digits and "
                   "underscores, like LITERACY_XAPI_PASSWORD")
            )

    def validate_username_env(self, field: StringField) -> None:
        self._env(field)

    def validate_password_env(self, field: StringField) -> None:
        self._env(field)

    def validate_kinds(self, field: SelectMultipleField) -> None:
        chosen = [value for value in (field.data or []) if value in STATEMENT_KINDS]
        if not chosen or len(chosen) != len(field.data or []):
            raise ValidationError(_l("Select at least one kind of statement to send"))

    def validate_actor(self, field: RadioField) -> None:
        if field.data not in ("account", "mbox"):
            raise ValidationError(_l("Select how learners are named in statements"))


class ResendForm(FlaskForm):
    """The button that queues every failed statement again: nothing to fill in, but CSRF-checked."""

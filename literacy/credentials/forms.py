"""The form of the public credential check: a pasted credential or an uploaded file (Flask-WTF, CSRF)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from .verify import MAX_LENGTH


class CheckCredentialForm(FlaskForm):
    credential = TextAreaField(_l("Paste the credential"))
    upload = FileField(_l("Or upload the credential file"))

    text: str = ""

    def validate(self, extra_validators: Any = None) -> bool:
        """Valid with a file (which wins) or pasted text; ``text`` is then the credential to check."""
        if not super().validate(extra_validators):
            return False
        upload = self.upload.data
        if upload is not None and getattr(upload, "filename", ""):
            data = upload.read(MAX_LENGTH + 1)
            if len(data) > MAX_LENGTH:
                self.upload.errors.append(_l("The file must be smaller than 1 MB"))
                return False
            try:
                self.text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.upload.errors.append(_l("The file must be a credential as text: a .jwt or .json file"))
                return False
            if not self.text.strip():
                self.upload.errors.append(_l("The file is empty"))
                return False
            return True
        pasted = (self.credential.data or "").strip()
        if not pasted:
            self.credential.errors.append(_l("Paste a credential or choose a file"))
            return False
        if len(pasted) > MAX_LENGTH:
            self.credential.errors.append(_l("The credential must be 1,000,000 characters or fewer"))
            return False
        self.text = pasted
        return True

"""Certificates that leave the platform: Open Badges 3.0 credentials (VC-JWT), their keys, the issuer
profiles, the revocation list, and a page where anyone checks a credential (docs/interoperability.md)."""

from flask import Blueprint

bp = Blueprint("credentials", __name__)

from . import views  # noqa: E402,F401

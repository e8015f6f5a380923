"""The addresses of Open Badges 3.0 credentials (docs/interoperability.md, "Open Badges 3.0").

``/certificates/<code>/credential.jwt`` and ``.json``: whoever holds the code, as for the certificate's
public check. A revoked certificate's credential is not handed out again (410): copies downloaded before
are reported as revoked by the status list and by the check. Expired ones still download: they are genuine,
and say until when they were valid.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, current_app, render_template, request
from sqlalchemy import select

from ..extensions import db
from ..models import Organisation
from . import bp, build, signing, status
from .forms import CheckCredentialForm
from .keys import KeysNotConfigured, public_jwk, signing_keys
from .verify import verify

JSON_LD = "application/ld+json"


def _json(data: Any, media_type: str = "application/json", cache: str = "public, max-age=300") -> Response:
    response = Response(json.dumps(data, ensure_ascii=False, indent=2) + "\n", mimetype=media_type)
    response.headers["Cache-Control"] = cache
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data, read by other sites' verifiers
    return response


def _keys_or_503():
    try:
        return signing_keys()
    except KeysNotConfigured as error:
        current_app.logger.error(str(error))
        abort(503)


def _issued_or_error(code: str) -> build.Issued:
    issued = build.find(code)
    if issued is None:
        abort(404)
    if issued.revoked:
        abort(410)
    return issued


@bp.app_template_global("credentials_signed")
def credentials_signed() -> bool:
    """Whether this site signs credentials (a production site without a key does not: no link to them)."""
    try:
        signing_keys()
    except KeysNotConfigured:
        return False
    return True


@bp.get("/certificates/<code>/credential.jwt")
def credential_jwt(code: str):
    issued = _issued_or_error(code)
    _keys_or_503()
    token = signing.sign(build.credential(issued))
    response = Response(token, mimetype=signing.MEDIA_TYPE)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{issued.certificate.code}.jwt"'
    return response


@bp.get("/certificates/<code>/credential.json")
def credential_json(code: str):
    issued = _issued_or_error(code)
    response = _json(build.credential(issued), "application/vc+ld+json" if _wants_ld() else "application/json",
                     cache="private, no-store")
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="certificate-{issued.certificate.code}.json"'
    return response


def _wants_ld() -> bool:
    return request.accept_mimetypes.best_match(["application/json", "application/vc+ld+json"]) == (
        "application/vc+ld+json")


@bp.get("/.well-known/jwks.json")
def jwks():
    keys = _keys_or_503()
    return _json({"keys": [public_jwk(key, kid) for kid, key in keys.keys.items()]}, "application/jwk-set+json")


@bp.get("/credentials/keys/<kid>")
def key(kid: str):
    """One public key, as a JWK: what a credential's ``kid`` points at."""
    keys = _keys_or_503()
    if kid not in keys.keys:
        abort(404)
    return _json(public_jwk(keys.keys[kid], kid), "application/jwk+json")


@bp.get("/credentials/issuers/<key>")
def issuer(key: str):
    """The issuer's Profile: the site (``site``) or an organisation (its number)."""
    if key == build.SITE_ISSUER:
        organisation_id, name = None, None
    elif key.isascii() and key.isdigit() and len(key) < 12:
        name = db.session.scalar(select(Organisation.name).where(Organisation.id == int(key)))
        if name is None:
            abort(404)
        organisation_id = int(key)
    else:
        abort(404)
    profile = {"@context": list(build.CONTEXT), **build.issuer_profile(organisation_id, name)}
    return _json(profile, JSON_LD)


@bp.get("/credentials/status/revocation")
def status_list():
    """The revocation list, a BitstringStatusListCredential signed as a VC-JWT."""
    _keys_or_503()
    token = signing.sign(status.status_list_credential())
    response = Response(token, mimetype=signing.MEDIA_TYPE)
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/credentials/check", methods=["GET", "POST"])
def check():
    """Anyone may check a credential: pasted, or a .jwt or .json file; no account needed."""
    form = CheckCredentialForm()
    result = None
    if form.validate_on_submit():
        result = verify(form.text)
    return render_template("credentials/check.html", form=form, result=result)

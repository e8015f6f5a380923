"""Open Badges 3.0 credentials of certificates (issue 22): what is issued validates against the standard's own
JSON Schema, is signed as a VC-JWT (ES256) whose claims match it, and verifies; tampered, wrongly signed,
expired and revoked ones fail; an old key still verifies after a rotation; the JWK Set has no private parts;
the standard's sample credentials are accepted (where their proof can be checked here) or rejected with a
reason. The samples and schemas are in ../shared/fixtures/ob3 (skipped with a reason when absent)."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import select

from literacy.credentials import build, keys, signing, status
from literacy.credentials.verify import Status, verify
from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import Certificate, ModuleVersion

from .cohorts_support import complete, make_module
from .conftest import CSRF_RE

FIXTURES = (Path(__file__).resolve().parents[1] / "../shared/fixtures/ob3").resolve()
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"the Open Badges 3.0 fixtures are not in {FIXTURES}")
COMPLETED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OUTCOMES = ["Say what an AI system is", "Spot a risky use of AI"]


def _schema(name: str = "ob_v3p0_achievementcredential_schema.json"):
    import jsonschema

    schema = json.loads((FIXTURES / "schemas" / "vcdm2" / name).read_text())
    return jsonschema.Draft201909Validator(schema, format_checker=jsonschema.FormatChecker())


def _schema_errors(document, name: str = "ob_v3p0_achievementcredential_schema.json") -> list[str]:
    return [f"{list(error.absolute_path)}: {error.message}" for error in _schema(name).iter_errors(document)]


def _payload(token: str) -> dict:
    segment = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _header(token: str) -> dict:
    segment = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


@pytest.fixture
def certificate(app, make_user, make_organisation):
    """Lee's certificate of an organisation's module with outcomes, a pass mark and a 12-month validity."""
    organisation = make_organisation("org-a", "Organisation A")
    learner = make_user("lee@a.example", name="Lee Learner", organisation=organisation)
    module = make_module("own", organisation=organisation)
    version = db.session.get(ModuleVersion, module.current_version_id)
    version.texts = {"en": {"title": "Using AI safely", "summary": "What AI is and how to use it well.",
                            "outcomes": OUTCOMES}}
    version.valid_for = "P12M"
    version.pass_mark = 80
    db.session.commit()
    completion = complete(learner, module, at=COMPLETED)
    issued = certificates.issue(completion)
    db.session.commit()
    return issued


def _credential(code: str) -> dict:
    issued = build.find(code)
    assert issued is not None
    return build.credential(issued)


def test_the_credential_says_what_the_certificate_says(app, certificate):
    with app.test_request_context():
        credential = _credential(certificate.code)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == f"http://localhost/certificates/{certificate.code}/credential.json"
    issuer = credential["issuer"]
    assert issuer["name"] == "Organisation A" and issuer["type"] == ["Profile"]
    assert re.fullmatch(r"http://localhost/credentials/issuers/\d+", issuer["id"])
    assert credential["validFrom"] == "2026-03-01T09:00:00Z"
    assert credential["validUntil"] == "2027-03-01T09:00:00Z"
    subject = credential["credentialSubject"]
    assert subject["id"].startswith("urn:uuid:") and "lee" not in json.dumps(subject["id"])
    assert "lee@a.example" not in json.dumps(credential)
    achievement = subject["achievement"]
    assert achievement["name"] == "Using AI safely" and achievement["version"] == "1"
    assert achievement["description"] == "What AI is and how to use it well."
    narrative = achievement["criteria"]["narrative"]
    assert "at least 80%" in narrative and all(outcome in narrative for outcome in OUTCOMES)
    entry = credential["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    assert entry["statusListIndex"] == str(db.session.scalar(select(Certificate.id)))


def test_a_module_without_validity_or_assessment_says_so(app, make_user):
    learner = make_user("sam@example.org", name="Sam")
    module = make_module("shared", questions=0)
    issued = certificates.issue(complete(learner, module, at=COMPLETED))
    db.session.commit()
    with app.test_request_context():
        credential = _credential(issued.code)
    assert "validUntil" not in credential
    assert credential["issuer"]["name"] == "AI literacy"
    assert credential["issuer"]["id"] == "http://localhost/credentials/issuers/site"
    assert "assessment" not in credential["credentialSubject"]["achievement"]["criteria"]["narrative"]


@needs_fixtures
def test_every_credential_issued_validates_against_the_schema(app, client, certificate, make_user):
    other = make_user("sam@example.org", name="Sam")
    shared = certificates.issue(complete(other, make_module("shared", questions=0), at=COMPLETED))
    db.session.commit()
    for code in (certificate.code, shared.code):
        document = client.get(f"/certificates/{code}/credential.json").get_json()
        assert _schema_errors(document) == [], code
        payload = _payload(client.get(f"/certificates/{code}/credential.jwt").get_data(as_text=True))
        assert _schema_errors(payload) == [], code
        profile = client.get(document["issuer"]["id"].removeprefix("http://localhost")).get_json()
        assert _schema_errors(profile, "ob_v3p0_profile_schema.json") == []
        assert profile["name"] == document["issuer"]["name"]


def test_the_jwt_is_the_credential_with_matching_claims(app, client, certificate):
    response = client.get(f"/certificates/{certificate.code}/credential.jwt")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    token = response.get_data(as_text=True)
    header = _header(token)
    assert set(header) == {"alg", "kid", "typ"} and header["alg"] == "ES256" and header["typ"] == "JWT"
    assert client.get(header["kid"].removeprefix("http://localhost")).get_json()["kty"] == "EC"
    payload = _payload(token)
    credential = client.get(f"/certificates/{certificate.code}/credential.json").get_json()
    assert {name: value for name, value in payload.items() if name not in ("iss", "sub", "jti", "nbf", "exp")} == (
        credential)
    assert payload["iss"] == credential["issuer"]["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["jti"] == credential["id"]
    assert payload["nbf"] == int(COMPLETED.timestamp())
    assert payload["exp"] == int(datetime(2027, 3, 1, 9, 0, tzinfo=UTC).timestamp())
    now = COMPLETED + timedelta(days=10)
    with app.test_request_context():
        result = verify(token, now=now)
        assert result.status == Status.GENUINE, result.problems
        assert result.issued_here and result.certificate_code == certificate.code
        assert verify(json.dumps(credential), now=now).status == Status.GENUINE  # the readable copy, too


def test_tampered_and_wrongly_signed_credentials_fail(app, client, certificate):
    token = client.get(f"/certificates/{certificate.code}/credential.jwt").get_data(as_text=True)
    now = COMPLETED + timedelta(days=10)
    head, body, signature = token.split(".")
    payload = _payload(token)
    payload["credentialSubject"]["achievement"]["name"] = "Something harder"
    forged_body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    other_key = ECKey.generate_key("P-256", private=True)
    with app.test_request_context():
        assert verify(f"{head}.{forged_body}.{signature}", now=now).codes == ["signature"]
        wrong = jwt.encode(_header(token), _payload(token), other_key, algorithms=["ES256"])
        assert verify(wrong, now=now).codes == ["signature"]
        unknown = jwt.encode({"alg": "ES256", "kid": "http://elsewhere.example/k", "typ": "JWT"}, payload, other_key)
        assert verify(unknown, now=now).codes == ["unknown-key"]
        changed_json = client.get(f"/certificates/{certificate.code}/credential.json").get_json()
        changed_json["validUntil"] = "2099-01-01T00:00:00Z"
        assert verify(changed_json, now=now).codes == ["no-proof"]
        # signed with the site's key, but the claims say something else than the credential
        mismatched = {**_payload(token), "exp": int(datetime(2099, 1, 1, tzinfo=UTC).timestamp())}
        active = keys.signing_keys()
        resigned = jwt.encode(_header(token), mismatched, active.signing_key(), algorithms=["ES256"])
        assert verify(resigned, now=now).codes == ["claims"]
        assert verify("not a credential").codes == ["unreadable"]
        assert verify("{not json").codes == ["json"]


def test_an_expired_credential_is_reported_as_expired(app, client, certificate):
    token = client.get(f"/certificates/{certificate.code}/credential.jwt").get_data(as_text=True)
    with app.test_request_context():
        result = verify(token, now=datetime(2027, 3, 2, tzinfo=UTC))
        assert result.status == Status.EXPIRED and "expired on 1 March 2027" in result.reason
        early = verify(token, now=datetime(2026, 2, 1, tzinfo=UTC))
        assert early.status == Status.INVALID and early.codes == ["not-yet-valid"]


def test_a_revoked_credential_is_no_longer_handed_out_and_its_copies_say_revoked(app, client, certificate,
                                                                                  make_user):
    token = client.get(f"/certificates/{certificate.code}/credential.jwt").get_data(as_text=True)
    listed = status.decode(_payload(client.get("/credentials/status/revocation").get_data(as_text=True))
                           ["credentialSubject"]["encodedList"])
    assert len(listed) * 8 >= status.MINIMUM_BITS and not status.is_set(listed, certificate.id)
    admin = make_user("root@example.org", site_admin=True)
    assert certificates.revoke(certificate.code, admin, "Issued in error")
    db.session.commit()
    assert client.get(f"/certificates/{certificate.code}/credential.jwt").status_code == 410
    assert client.get(f"/certificates/{certificate.code}/credential.json").status_code == 410
    with app.test_request_context():
        result = verify(token, now=COMPLETED + timedelta(days=10))
    assert result.status == Status.REVOKED and "Issued in error" in result.reason
    list_token = client.get("/credentials/status/revocation").get_data(as_text=True)
    with app.test_request_context():
        listed_credential = jwt.decode(list_token, keys.signing_keys().signing_key()).claims
    assert status.is_set(status.decode(listed_credential["credentialSubject"]["encodedList"]), certificate.id)


def test_the_jwk_set_has_public_keys_only(app, client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/jwk-set+json"
    published = response.get_json()["keys"]
    assert published and all(set(key) == {"kty", "crv", "x", "y", "kid", "alg", "use"} for key in published)
    assert client.get(f"/credentials/keys/{published[0]['kid']}").get_json() == published[0]
    assert client.get("/credentials/keys/nope").status_code == 404


def test_a_rotated_key_still_verifies_what_it_signed(app, client, certificate):
    old, new = ECKey.generate_key("P-256", private=True), ECKey.generate_key("P-256", private=True)
    old_pem, new_pem = old.as_pem(private=True).decode(), new.as_pem(private=True).decode()
    app.config["CREDENTIAL_KEYS"] = old_pem
    signed_by_old = client.get(f"/certificates/{certificate.code}/credential.jwt").get_data(as_text=True)
    assert _header(signed_by_old)["kid"].endswith("/" + old.thumbprint())
    # the new key signs; the old one, now public only, stays in the list
    old_public = old.as_pem(private=False).decode()
    app.config["CREDENTIAL_KEYS"] = json.dumps({"keys": [
        {**new.as_dict(private=True), "kid": "2026-12"}, {**old.as_dict(private=False), "kid": old.thumbprint()}]})
    app.config["CREDENTIAL_KEY_ID"] = "2026-12"
    signed_by_new = client.get(f"/certificates/{certificate.code}/credential.jwt").get_data(as_text=True)
    assert _header(signed_by_new)["kid"] == "http://localhost/credentials/keys/2026-12"
    assert {key["kid"] for key in client.get("/.well-known/jwks.json").get_json()["keys"]} == {
        "2026-12", old.thumbprint()}
    now = COMPLETED + timedelta(days=10)
    with app.test_request_context():
        assert verify(signed_by_old, now=now).status == Status.GENUINE
        assert verify(signed_by_new, now=now).status == Status.GENUINE
    app.config["CREDENTIAL_KEYS"] = new_pem + "\n" + old_public  # PEM blocks: the first private key signs
    app.config["CREDENTIAL_KEY_ID"] = None
    with app.test_request_context():
        assert keys.signing_keys().active == new.thumbprint()
        assert verify(signed_by_old, now=now).status == Status.GENUINE
    app.config["CREDENTIAL_KEYS"] = new_pem  # the old key taken out: what it signed no longer verifies
    with app.test_request_context():
        assert verify(signed_by_old, now=now).codes == ["unknown-key"]


def test_unusable_keys_are_refused_with_a_reason():
    with pytest.raises(keys.KeysNotConfigured):
        keys.parse("")
    with pytest.raises(keys.KeysNotConfigured, match="could not be read"):
        keys.parse(json.dumps({"kty": "oct", "k": "c2VjcmV0"}))
    public = ECKey.generate_key("P-256", private=True).as_pem(private=False).decode()
    with pytest.raises(keys.KeysNotConfigured, match="private"):
        keys.parse(public)


def test_a_production_site_without_a_key_issues_no_credentials(app, client, certificate):
    app.testing = False
    try:
        assert client.get(f"/certificates/{certificate.code}/credential.jwt").status_code == 503
        assert client.get("/.well-known/jwks.json").status_code == 503
        assert client.get(f"/certificates/{certificate.code}/credential.json").status_code == 200
        page = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
        assert "credential.json" in page and "credential.jwt" not in page
    finally:
        app.testing = True


def test_a_debug_site_keeps_its_generated_key_in_the_instance_folder(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    app.testing, app.debug = False, True
    try:
        first = keys.signing_keys(app).active
        app.extensions.pop("credential_keys")
        assert keys.signing_keys(app).active == first
        key_file = tmp_path / keys.DEVELOPMENT_KEY_FILE
        assert key_file.stat().st_mode & 0o077 == 0
    finally:
        app.testing, app.debug = True, False
        app.extensions.pop("credential_keys", None)


def test_the_addresses_answer_anyone_holding_the_code(app, client, certificate):
    code = certificate.code
    assert client.get(f"/certificates/{code}/credential.jwt").status_code == 200  # nobody signed in
    assert client.get(f"/certificates/{code}x/credential.jwt").status_code == 404
    assert client.get(f"/certificates/{code}x/credential.json").status_code == 404
    assert client.get("/credentials/issuers/site").status_code == 200
    assert client.get("/credentials/issuers/999999").status_code == 404
    assert client.get("/credentials/issuers/..%2f").status_code == 404
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert f"/certificates/{code}/credential.jwt" in page and "/credentials/check" in page


# The standard's own samples ----------------------------------------------------------------------------

#: invalid samples -> the finding this verifier gives for the fault the sample was written to show, where it
#: can be told offline; the others are refused because their proof cannot be checked here
SAMPLE_FAULTS = {
    "simple-err-context.json": "context",
    "simple-err-type.json": "type",
    "simple-err-issuer.json": "issuer",
    "simple-err-issued.json": "not-yet-valid",
    "simple-err-expired.json": "unsupported-proof",
    "simple-err-credential-subject-type.json": "type:credentialSubject",
    "simple-err-credential-subject-identifier-type.json": "type:identifier",
    "simple-err-credential-subject-result-type.json": "type:result",
    "simple-err-credential-subject-achievement-result-description-type.json": "type:resultDescription",
    "simple-err-credential-subject-profile-type.json": "type:source",
    "simple-err-evidence-type.json": "type:evidence",
    "simple-err-issuer-type.json": "type:issuer",
    "simple-err-issuer-parentorg-type.json": "type:parentOrg",
    "simple-err-issuer-otheridentifier-type.json": "type:otherIdentifier",
    "endorsement-err-schema-status-refresh.json": "context",
    "credential-status-revoked.json": "context",
}


def _samples(folder: str) -> list[str]:
    if not FIXTURES.is_dir():
        return ["absent"]
    return sorted(path.name for path in (FIXTURES / "samples" / folder).iterdir())


@needs_fixtures
@pytest.mark.parametrize("name", _samples("invalid"))
def test_every_invalid_sample_is_rejected_with_a_reason(app, name):
    with app.test_request_context():
        result = verify((FIXTURES / "samples" / "invalid" / name).read_text(), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert result.status != Status.GENUINE
    assert result.reason
    expected = SAMPLE_FAULTS.get(name, "unsupported-proof")
    assert expected in result.codes, result.codes
    if name == "simple-err-expired.json":
        assert "expired" in [note.code for note in result.notes]


@needs_fixtures
@pytest.mark.parametrize("name", _samples("valid"))
def test_the_valid_samples_are_accepted_where_their_proof_can_be_checked(app, name):
    with app.test_request_context():
        result = verify((FIXTURES / "samples" / "valid" / name).read_text(), now=datetime(2026, 12, 1, tzinfo=UTC))
    if name.endswith(".jwt"):  # a VC-JWT with its key in the header: the proof this verifier supports
        assert result.status == Status.GENUINE, result.problems
        assert not result.issued_here and [note.code for note in result.notes] == ["embedded-key"]
    elif name in ("simple_v1.json", "simple-eddsa-2022.json"):  # data model 1.1: not what this site checks
        assert result.codes[0] == "unsupported-proof" and "context" in result.codes
    elif name == "endorsement-valid.json":  # an endorsement, not a badge: this page checks OpenBadgeCredentials
        assert result.codes[0] == "unsupported-proof" and "type" in result.codes
    else:  # well-formed, but an eddsa-rdfc-2022 / ecdsa-sd-2023 proof this verifier does not check
        assert result.codes == ["unsupported-proof"], result.codes


# The check page ------------------------------------------------------------------------------------------


def _token(client) -> str:
    match = CSRF_RE.search(client.get("/credentials/check").get_data(as_text=True))
    assert match
    return match[1]


def test_the_check_page_takes_a_pasted_or_uploaded_credential(app, client, certificate):
    token = client.get(f"/certificates/{certificate.code}/credential.jwt").get_data(as_text=True)
    csrf = _token(client)
    page = client.post("/credentials/check", data={"csrf_token": csrf, "credential": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "This credential is genuine" in text and "Using AI safely" in text
    upload = {"csrf_token": csrf, "credential": "", "upload": (io.BytesIO(token.encode()), "badge.jwt")}
    text = client.post("/credentials/check", data=upload, content_type="multipart/form-data").get_data(as_text=True)
    assert "This credential is genuine" in text
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    text = client.post("/credentials/check", data={"csrf_token": csrf, "credential": forged}).get_data(as_text=True)
    assert "This credential is not valid" in text and "signature does not match" in text
    assert forged in text  # what was pasted is kept


def test_the_check_page_says_what_is_missing(app, client):
    csrf = _token(client)
    text = client.post("/credentials/check", data={"csrf_token": csrf, "credential": "  "}).get_data(as_text=True)
    assert "There is a problem" in text and "Paste a credential or choose a file" in text
    binary = {"csrf_token": csrf, "upload": (io.BytesIO(b"\xff\xfe\x00bad"), "badge.png")}
    text = client.post("/credentials/check", data=binary, content_type="multipart/form-data").get_data(as_text=True)
    assert "There is a problem" in text and "a .jwt or .json file" in text
    assert client.post("/credentials/check", data={"credential": "x"}).status_code == 400  # no CSRF token


def test_the_check_page_speaks_welsh(app, client, auth):
    assert auth.post("/language/cy", {"next": "/"}).status_code == 302
    text = client.get("/credentials/check").get_data(as_text=True)
    assert "Gwirio tystlythyr digidol" in text and "Check a digital credential" not in text


def test_a_credential_downloaded_under_another_host_name_still_verifies(app, client, certificate):
    token = client.get(f"/certificates/{certificate.code}/credential.jwt",
                       base_url="http://learning.example.gov.uk").get_data(as_text=True)
    assert _payload(token)["jti"].startswith("http://learning.example.gov.uk/")
    with app.test_request_context():
        result = verify(token, now=COMPLETED + timedelta(days=10))
    assert result.status == Status.GENUINE and result.certificate_code == certificate.code


@needs_fixtures
def test_a_credential_signed_with_its_own_key_cannot_pass_for_one_of_this_site(app, client, certificate):
    """Anyone can sign with a key of their own and put it in the header: naming this site as the issuer then
    fails, and the page never calls such a credential issued here."""
    credential = client.get(f"/certificates/{certificate.code}/credential.json").get_json()
    forger = ECKey.generate_key("P-256", private=True)
    header = {"alg": "ES256", "typ": "JWT", "jwk": forger.as_dict(private=False)}
    with app.test_request_context():
        claims = {**credential, **signing.registered_claims(credential)}
        forged = jwt.encode(header, claims, forger, algorithms=["ES256"])
        assert verify(forged, now=COMPLETED + timedelta(days=1)).codes == ["not-this-issuer"]
    sample = (FIXTURES / "samples" / "valid" / "simple-jwt_extracted-from-svg.jwt").read_text()
    text = client.post("/credentials/check", data={"csrf_token": _token(client), "credential": sample}).get_data(
        as_text=True)
    assert "Its signature is valid, but it was not issued by this service" in text
    assert "This credential is genuine" not in text and "Issuer it names" in text


def test_the_criteria_are_in_the_modules_language_whatever_the_pages(app, client, auth, make_user):
    learner = make_user("sam@example.org", name="Sam")
    module = make_module("cymraeg", questions=0)
    version = db.session.get(ModuleVersion, module.current_version_id)
    version.language, version.languages = "cy", ["cy"]
    version.texts = {"cy": {"title": "Deallusrwydd artiffisial", "summary": "Cyflwyniad.", "outcomes": ["Egluro"]}}
    db.session.commit()
    issued = certificates.issue(complete(learner, module, at=COMPLETED))
    db.session.commit()
    credential = client.get(f"/certificates/{issued.code}/credential.json").get_json()  # an English page
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "cy" and achievement["name"] == "Deallusrwydd artiffisial"
    assert achievement["criteria"]["narrative"].startswith("Cwblhau pob gwers yn y modiwl.")


def test_the_keys_can_come_from_a_file(app, client, tmp_path):
    key = ECKey.generate_key("P-256", private=True)
    path = tmp_path / "credential-keys.pem"
    path.write_bytes(key.as_pem(private=True))
    app.config["CREDENTIAL_KEYS"] = ECKey.generate_key("P-256", private=True).as_pem(private=True).decode()
    app.config["CREDENTIAL_KEYS_FILE"] = str(path)  # the file wins over the value
    assert [entry["kid"] for entry in client.get("/.well-known/jwks.json").get_json()["keys"]] == [key.thumbprint()]
    app.config["CREDENTIAL_KEYS_FILE"] = str(tmp_path / "missing.pem")
    with pytest.raises(keys.KeysNotConfigured, match="cannot be read"):
        keys.signing_keys(app)

"""Every route, every identity, hostile values: never a 5xx (issue 13).

For each of anonymous, learner, manager, trainer, organisation admin and a trainer whose session has gone
idle (the /author/ routes only), every rule of ``app.url_map`` but ``static`` gets one request with real,
plausible values for each of its methods and ``EXAMPLES`` generated ones. In those, each path value is a
real one half the time (the organisation's slug, the cohort's id, a published module and lesson, the
learner's quiz attempt, the trainer's draft), so the request reaches the view, and otherwise hostile
(10,000 characters, confusables such as "ｍodules", "%2e%2e", huge and negative numbers, arbitrary text);
the query string and, for POST, a form with every field name the application knows carry plausible or
hostile values, sometimes uploaded files (binary, UTF-16, NUL bytes); most posts have a valid CSRF token,
some none; and one request in four is "poisoned" with a control character (NUL, ESC, DEL) in the path,
query, a form field or a file name, which the request guard must answer with its 400 page.

The app runs with ``TESTING``, so an exception in a view reaches the test instead of becoming a 500 page:
either way the failure names the rule, the identity, the method, the URL and the form, after Hypothesis
has shrunk them. Run it on SQLite and on PostgreSQL (which refuses NUL bytes and over-long values).
``LITERACY_PROPERTY_EXAMPLES`` (default 5) makes it hunt longer; ``LITERACY_PROPERTY_STATS=1`` prints
what each route answered, to check that the requests reach the views.
"""

from __future__ import annotations

import io
import os
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule
from wtforms.fields.core import UnboundField

from literacy.auth import sessions
from literacy.credentials import keys as credential_keys
from literacy.extensions import db
from literacy.learning import certificates
from literacy.models import Lesson, Module, Question, QuizAttempt, User, utcnow
from literacy.practice.assessment import service as assessment_service
from literacy.practice.atrs import fieldmap as atrs_fieldmap
from literacy.practice.atrs import service as atrs_service

from .authoring_support import files_of, make_draft
from .cohorts_support import complete, make_cohort, make_module
from .conftest import CSRF_RE, PASSWORD

EXAMPLES = int(os.environ.get("LITERACY_PROPERTY_EXAMPLES") or 5)
#: with LITERACY_PROPERTY_STATS=1, each identity's walk prints how often each route answered each status
STATS = bool(os.environ.get("LITERACY_PROPERTY_STATS"))
#: org_admin reaches the people pages; idle_trainer is a trainer whose session ran past its idle time before
#: each request (the editor then keeps what was posted, authoring.stash), walked over the /author/ routes only
IDENTITIES = ("anonymous", "learner", "manager", "trainer", "org_admin", "idle_trainer")

#: what a browser sends with a form from this site (authoring.stash keeps text only from this site)
ORIGIN = {"Origin": "http://localhost"}

#: signing out, or ending every other session, leaves the identity anonymous: it signs in again after them
ENDS_SESSIONS = {"auth.sign_out", "account.sign_out_other_devices", "account.password", "account.email"}

#: values that pass the request guard and reach the views
HOSTILE = [
    "",
    " ",
    "x" * 10_000,
    "é" * 3000,
    "ｍodules",  # a full-width letter
    "аdmin",  # a Cyrillic "а"
    "%2e%2e",
    "../..",
    "..",
    "%00",
    "line\r\nSet-Cookie: x=1",  # line breaks and tabs are allowed in values
    "tab\there",
    "<script>alert(1)</script>",
    "' OR '1'='1",
    "\u202egnp.exe",
    "\ufeff",
    "\U0001f600",
    "null",
    "[]",
    "true",
    "0",
    "-1",
    "99999999999999999999",
    "9" * 5000,
    "1.5",
    "1e9",
    "2147483648",
    "0x10",
]
#: values the request guard refuses wherever they are (a "poison" puts one in the path, query or form)
CONTROL = ["a\x00b", "\x00", "\x1b[2J", "del\x7f", "\x08"]

#: a value that a form expects, by field name, so that a generated form often gets past its validators
PLAUSIBLE = {
    "name": "Autumn 2026",
    "title": "A new module",
    "slug": "new-module",
    "description": "Pilot",
    "email": "new@a.example",
    "emails": "new@a.example\nother@a.example",
    "password": PASSWORD,
    "current": PASSWORD,
    "confirm": PASSWORD,
    # date inputs post day, month and year as three fields (literacy.date_input)
    "starts_on-day": "1",
    "starts_on-month": "11",
    "starts_on-year": "2026",
    "ends_on-day": "31",
    "ends_on-month": "1",
    "ends_on-year": "2027",
    "due_on-day": "12",
    "due_on-month": "12",
    "due_on-year": "2027",
    "module": "1",
    "role": "learner",
    # the self-assessment's section form is read by name (practice.assessment.forms.read_section)
    "q-goals": "Fewer missed repairs",
    "rev-goals": "0",
    "q-decisions": "decides",
    "rev-decisions": "0",
    "roles": "learner",
    "language": "cy",
    "next": "/modules",
    "answer": "a",
    "confidence": "3",
    "source": "# Title\n\nText.",
    "action": "save",
    "shared": "y",
    "token": "abc",
    "contact_email": "team@a.example",
    "website_url": "https://a.example/tool",
    "phase": "production",
}
QUERY_PLAUSIBLE = {
    "page": "2",
    "next": "/my-learning",
    "q": "Lee",
    "module": "1",
    "status": "completed",
    "sort": "name",
    "order": "desc",
    "from": "1",
    "to": "2",
    "restore": "abc",
}
FILES = {"upload": (b"name,email\nAnn,ann@a.example\n", "people.csv"), "file": (b"PK\x03\x04junk", "module.zip")}
FILE_CONTENTS = [
    b"",
    b"\x00" * 64,
    b"name,email\nAnn,ann\x00@a.example\n",
    "é,ü\n".encode("utf-16"),
    b"PK\x05\x06" + b"\x00" * 18,
]

safe_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=30)


def reaching(plausible: str | None = None) -> st.SearchStrategy[str]:
    """A value that passes the request guard: often the plausible one, else hostile or arbitrary text."""
    options = [st.sampled_from(HOSTILE), safe_text]
    if plausible is not None:
        options = [st.just(plausible), st.just(plausible), *options]
    return st.one_of(options)


def form_field_names() -> list[str]:
    """The application's field names: every ``FlaskForm`` subclass's fields and what views read directly."""
    from flask_wtf import FlaskForm

    import literacy.account.forms  # noqa: F401 - imported so their forms are known subclasses

    names: set[str] = set(PLAUSIBLE)
    stack = list(FlaskForm.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        names.update(name for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField))
    return sorted(names - {"csrf_token"})


@dataclass
class World:
    """The organisation, people and content whose real values make a generated request reach its view."""

    values: dict[str, list[str]] = field(default_factory=dict)
    #: real values for one endpoint's arguments, where the shared ones would not fit (CSV names, checks)
    by_endpoint: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str | None] = field(default_factory=dict)

    def real(self, rule: Rule, name: str) -> list[str]:
        """The real values of one path argument of ``rule`` (an ``any(...)`` converter's own options too)."""
        values = self.by_endpoint.get(rule.endpoint, {}).get(name) or self.values.get(name, [])
        return list(values) + sorted(getattr(rule._converters[name], "items", None) or ())

    def go_idle(self, identity: str) -> None:
        """Signed in again if need be, then the session's last activity put hours back (the cookie still names it)."""
        self.sign_in(identity)
        with self.clients[identity].session_transaction() as session:
            session[sessions.LAST_SEEN] = int((utcnow() - timedelta(hours=3)).timestamp())

    def sign_in(self, identity: str) -> None:
        """Sign the identity's client in (again) and keep a CSRF token of its session."""
        client = self.clients[identity]
        if identity != "anonymous":
            page = client.get("/sign-in").get_data(as_text=True)
            match = CSRF_RE.search(page)
            if match:  # not signed in (a signed-in client is sent on from /sign-in)
                email = db.session.get(User, self.users[identity]).email
                db.session.rollback()
                client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": match[1]})
        match = CSRF_RE.search(client.get("/help").get_data(as_text=True))
        self.tokens[identity] = match[1] if match else None


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Sign-in limits far above what the walk's failed sign-ins reach, so each identity can sign in again.

    Not ``RATELIMIT_ENABLED: False``: the limiter is one object for every app, and ``init_app`` keeps its
    ``enabled`` from one app to the next, so the rate-limit tests that run later would find it off.
    """
    return {"SIGN_IN_LIMIT_ACCOUNT": "100000 per minute", "SIGN_IN_LIMIT_ADDRESS": "100000 per minute"}


@pytest.fixture
def world(app: Flask, published_curriculum, make_organisation, make_user) -> Iterator[World]:
    """Organisation A with a cohort (the learner in it, a module assigned), a draft, and a started quiz."""
    organisation = make_organisation("org-a", "Organisation A")
    learner = make_user("learner@a.example", name="Lee Learner", organisation=organisation)
    manager = make_user("manager@a.example", name="Mina Manager", organisation=organisation, roles=("manager",))
    trainer = make_user("trainer@a.example", name="Tom Trainer", organisation=organisation, roles=("trainer",))
    admin = make_user("admin@a.example", name="Ada Admin", organisation=organisation, roles=("org_admin",))
    module = db.session.scalars(db.select(Module).where(Module.current_version_id.is_not(None)).order_by(Module.slug))
    module = next(iter(module))
    version_id = module.current_version_id
    lessons = list(
        db.session.scalars(db.select(Lesson.slug).where(Lesson.version_id == version_id).order_by(Lesson.position))
    )
    checks = db.session.execute(
        db.select(Question.lesson_slug, Question.key)
        .where(Question.version_id == version_id, Question.lesson_slug.is_not(None))
        .order_by(Question.position)
        .limit(2)
    ).all()
    cohort = make_cohort(organisation, "Autumn", [learner], [(module, None)])
    draft = make_draft(organisation, trainer, slug="my-module")
    atrs_draft = atrs_service.create_record(organisation, trainer, "RentSense", is_shared=True)
    assessment = assessment_service.create_assessment(organisation, trainer, "Repairs triage", "Sorts requests.")
    assessment_service.add_member(assessment, organisation, trainer, learner.id)
    assessment_service.link_atrs(assessment, organisation, trainer, atrs_draft.id)
    world = World()
    world.users = {
        "learner": learner.id,
        "manager": manager.id,
        "trainer": trainer.id,
        "org_admin": admin.id,
        "idle_trainer": trainer.id,
    }
    for identity in IDENTITIES:
        world.clients[identity] = app.test_client()
        world.sign_in(identity)
    learner_form = {"csrf_token": world.tokens["learner"]}
    for lesson in lessons:  # the assessment opens once every lesson is done
        world.clients["learner"].post(f"/modules/{module.slug}/{lesson}/complete", data=learner_form)
    started = world.clients["learner"].post(f"/modules/{module.slug}/quiz", data=learner_form)
    assert started.status_code == 302, started.status_code
    attempt_ids = [str(number) for number in db.session.scalars(db.select(QuizAttempt.id))]
    assert attempt_ids, "the learner's quiz did not start"
    certificate = certificates.issue(complete(learner, make_module("done", organisation=organisation)))
    world.values = {
        "org": [organisation.slug],
        "cohort_id": [str(cohort.id)],
        "user_id": [str(learner.id), str(manager.id)],
        "module_id": [str(module.id)],
        "module_slug": [module.slug],
        "lesson_slug": lessons[:2],
        "key": [key for _, key in checks] or ["q1"],
        "slug": [draft.module_slug, module.slug],
        "number": ["1", "2"],
        "attempt_id": attempt_ids or ["1"],
        "code": ["en", "cy"],
        "name": sorted(files_of(draft).text)[:3] + ["learners", "people"],
        "record_id": [str(atrs_draft.id)],
        "assessment_id": [str(assessment.id)],
        "case_slug": ["dutch-childcare-benefits", "bridges-south-wales-police"],
    }
    from literacy.cohorts.views import EXPORTS
    from literacy.organisations.views import ORGANISATION_EXPORTS

    world.by_endpoint = {
        "cohorts.export": {"name": list(EXPORTS)},
        "organisations.export": {"name": list(ORGANISATION_EXPORTS)},
        "learning.check": {"lesson_slug": [lesson for lesson, _ in checks], "key": [key for _, key in checks]},
        "atrs.section": {"section_key": [section.key for section in atrs_fieldmap.load().sections]},
        "assessment.section": {"section_id": [part.id for part in assessment_service.questionnaire.load().sections]},
        "credentials.credential_jwt": {"code": [certificate.code]},
        "credentials.credential_json": {"code": [certificate.code]},
        "credentials.key": {"kid": list(credential_keys.signing_keys().keys)},
        "credentials.issuer": {"key": ["site", str(organisation.id)]},
    }
    db.session.rollback()
    yield world


def rules(app: Flask) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"), key=lambda r: r.rule)


def _is_int(converter: Any) -> bool:
    return type(converter).__name__ in ("IntegerConverter", "BoundedInteger")


def path_values(rule: Rule, world: World) -> st.SearchStrategy[dict[str, str]]:
    """The rule's path arguments: a real value half the time (so the request reaches the view), else hostile."""
    parts: dict[str, st.SearchStrategy[str]] = {}
    for name, converter in rule._converters.items():
        real = world.real(rule, name)
        hostile = st.one_of(st.sampled_from(HOSTILE), st.integers().map(str)) if _is_int(converter) else reaching()
        parts[name] = st.one_of(st.sampled_from(real), st.sampled_from(real), hostile) if real else hostile
    return st.fixed_dictionaries(parts)


def real_values(rule: Rule, world: World) -> dict[str, str]:
    values = {}
    for name in rule._converters:
        real = world.real(rule, name)
        values[name] = real[0] if real else "1"
    return values


def build_path(rule: Rule, values: dict[str, str]) -> str:
    """The rule's URL with each argument percent-encoded into place (``path`` arguments keep their slashes)."""
    path = ""
    for is_dynamic, data in rule._trace:
        if not is_dynamic:
            path += data
            continue
        safe = "/" if type(rule._converters[data]).__name__ == "PathConverter" else ""
        path += quote(values[data], safe=safe)
    return path.split("|", 1)[1] if "|" in path else path  # the trace starts with the host part


def queries() -> st.SearchStrategy[list[tuple[str, str]]]:
    pairs = [st.tuples(st.just(key), reaching(value)) for key, value in QUERY_PLAUSIBLE.items()]
    return st.lists(st.one_of(*pairs, st.tuples(reaching(), reaching())), max_size=3)


def forms(names: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Every field name the application knows, each with a value (a list for ``answer``), sometimes files."""
    fields: dict[str, st.SearchStrategy[Any]] = {name: reaching(PLAUSIBLE.get(name)) for name in names}
    fields["answer"] = st.lists(reaching(PLAUSIBLE["answer"]), max_size=3)
    for name, plausible in FILES.items():
        fields[name] = st.one_of(
            st.none(), st.just(plausible), st.tuples(st.sampled_from(FILE_CONTENTS), reaching(plausible[1]))
        )
    return st.fixed_dictionaries(fields)


#: where a poisoned request carries a control character, if anywhere (most requests carry none)
poisons = st.one_of(
    st.none(),
    st.none(),
    st.none(),
    st.tuples(st.sampled_from(["path", "query", "form", "file"]), st.sampled_from(CONTROL)),
)


def _short(text: str) -> str:
    """A long generated value, shortened for the report (its start, its length and its end)."""
    return repr(text) if len(text) < 300 else f"{text[:150]!r} ... ({len(text)} characters) ... {text[-100:]!r}"


def _body(form: dict[str, Any]) -> dict[str, Any]:
    """The form as the test client sends it: files as fresh streams, fields left out when ``None``."""
    body: dict[str, Any] = {}
    for key, value in form.items():
        if value is None:
            continue
        body[key] = (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
    return body


def call(
    world: World,
    identity: str,
    method: str,
    url: str,
    form: dict[str, Any] | None,
    with_token: bool,
    statuses: Counter[tuple[str, int]],
) -> str:
    """Send one request; the description of what failed, or an empty string."""
    client = world.clients[identity]
    data = dict(form or {})
    if with_token and world.tokens.get(identity):
        data["csrf_token"] = world.tokens[identity]
    shown = f"{identity} {method} {_short(url)} form={_short(repr(data))}"
    try:
        response = client.open(url, method=method, data=_body(data) if method == "POST" else None, headers=ORIGIN)
    except Exception:  # noqa: BLE001 - TESTING lets the view's exception through: report it with its input
        where = "".join(traceback.format_exc(limit=-6).splitlines(keepends=True)[-14:])
        return f"{shown} raised:\n{where}"
    statuses[(method, response.status_code)] += 1
    return f"{shown} answered {response.status_code}" if response.status_code >= 500 else ""


def poisoned(url: str, form: dict[str, Any], poison: tuple[str, str] | None) -> tuple[str, dict[str, Any]]:
    """The request with a control character put where ``poison`` says."""
    if poison is None:
        return url, form
    place, value = poison
    if place == "path":
        path, _, query = url.partition("?")
        return path.rstrip("/") + "/" + quote(value, safe="") + ("?" + query if query else ""), form
    if place == "query":
        return url + ("&" if "?" in url else "?") + urlencode({"q": value}), form
    if place == "file":
        return url, {**form, "upload": (b"ann@a.example\n", f"people{value}.csv")}
    return url, {**form, "name": value}


def walk_rule(rule: Rule, world: World, identity: str, names: list[str], statuses: Counter[tuple[str, int]]) -> None:
    """``EXAMPLES`` generated requests to one rule as one identity, and one with every value real and plausible
    for each method; raises ``AssertionError`` at the first 5xx (after Hypothesis shrank the input)."""
    methods = sorted(rule.methods & {"GET", "POST"})

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        values=path_values(rule, world),
        query=queries(),
        method=st.sampled_from(methods),
        form=forms(names),
        with_token=st.sampled_from([True, True, True, False]),
        poison=poisons,
    )
    def request_never_fails(values, query, method, form, with_token, poison):
        url = build_path(rule, values) + ("?" + urlencode(query) if query else "")
        url, form = poisoned(url, form, poison)
        if identity == "idle_trainer":
            world.go_idle(identity)
        failure = call(world, identity, method, url, form if method == "POST" else None, with_token, statuses)
        if rule.endpoint in ENDS_SESSIONS:
            world.sign_in(identity)
        assert not failure, f"{rule.endpoint} ({rule.rule}): {failure}"

    plausible = {name: PLAUSIBLE.get(name, "") for name in names} | {"answer": [PLAUSIBLE["answer"]]}
    for method in methods:
        request_never_fails = example(
            values=real_values(rule, world), query=[], method=method, form=plausible, with_token=True, poison=None
        )(request_never_fails)
    request_never_fails()


def walk(app: Flask, world: World, identity: str) -> None:
    """Every rule in turn, so each gets its examples; every failing rule is reported, not just the first."""
    names = form_field_names()
    failures: list[str] = []
    for rule in rules(app):
        if identity == "idle_trainer" and not rule.rule.startswith("/author/"):
            continue
        statuses: Counter[tuple[str, int]] = Counter()
        try:
            walk_rule(rule, world, identity, names, statuses)
        except AssertionError as error:
            failures.append(str(error))
        if STATS:
            print(identity, rule.endpoint, rule.rule, dict(sorted(statuses.items())))
    assert not failures, f"{len(failures)} route(s) answered 5xx:\n\n" + "\n\n".join(failures)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_no_route_answers_5xx_to_hostile_input(app, world, identity):
    walk(app, world, identity)

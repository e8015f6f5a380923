"""Adding thousands of people to a cohort at once (issue 13): set-based, correct and complete.

The documented maximum is 10,000 rows (``bench/bench_add_members.py`` times that); here 2,000 rows check
that every person is added exactly once, invited people get one working link each, the dashboards'
summaries agree with the raw rows, the audit log is complete, every invitation's email is queued in the
outbox (bulk statements: the number of SQL statements does not grow with the number of rows), and the
emails go over one SMTP connection after the request.
"""

from __future__ import annotations

import io
import smtplib

import pytest
from sqlalchemy import event, func, insert, select
from werkzeug.security import generate_password_hash

from literacy import mail, summaries
from literacy.cohorts import membership, roster, service
from literacy.extensions import db
from literacy.models import AuditEvent, CohortMember, Invitation, Membership, Organisation, OutboxMessage, User
from literacy.notifications import outbox
from literacy.organisations import invitations

from .cohorts_support import attempt, make_cohort, make_module, make_people, visit
from .support.mail import free_port, mail_config


@pytest.fixture
def app_config(inbox):
    return mail_config(inbox) | {"INVITATIONS_PER_DAY": 10_000}


class Statements:
    """The SQL statements sent to the database while counting (``before_cursor_execute``)."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.counting = False

    def __call__(self, _conn, _cursor, statement, *_args) -> None:  # noqa: ANN001 - SQLAlchemy's event
        if self.counting:
            self.seen.append(statement)

    def during(self, action):  # noqa: ANN001, ANN201 - any callable
        self.seen, self.counting = [], True
        try:
            return action()
        finally:
            self.counting = False


@pytest.fixture
def statements(app):
    counter = Statements()
    event.listen(db.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(db.engine, "before_cursor_execute", counter)


@pytest.fixture
def crowd(app):
    """Organisation A with 1,600 learners (200 already in the cohort, 40 who left it, 60 with progress in
    its modules), 200 learners of organisation B, and the CSV rows for all of them plus 200 new addresses
    (20 invited before)."""
    a = Organisation(slug="org-a", name="Organisation A")
    b = Organisation(slug="org-b", name="Organisation B")
    db.session.add_all([a, b])
    db.session.commit()
    manager = make_people(a, 1, prefix="manager", role="manager")[0]
    people = bulk_people(a, 1_600, "learner")
    elsewhere = bulk_people(b, 200, "visitor")
    modules = [make_module("basics"), make_module("advanced", questions=4)]
    cohort = make_cohort(a, "Autumn", members=people[:200], modules=[(m, None) for m in modules])
    membership.join(cohort.id, [person.id for person in people[1_500:1_540]])
    for person in people[1_500:1_540]:  # joined, then left: they come back with their old row
        membership.leave(cohort.id, person.id)
    for person in people[170:230]:  # some in the cohort already, some about to join
        visit(person, modules[0])
        attempt(person, modules[0], {"q1": "b", "q2": "a", "q3": "b"})
    new = [f"new{n}@c.example" for n in range(200)]
    for email in new[:20]:
        invitations.issue(manager, a, email, name="Earlier", cohort_id=cohort.id)
    db.session.commit()
    return {
        "a": a,
        "modules": modules,
        "manager": manager,
        "people": people,
        "elsewhere": elsewhere,
        "new": new,
        "cohort": cohort,
    }


def bulk_people(organisation: Organisation, count: int, prefix: str) -> list[User]:
    """Learners with a password, written in two bulk INSERTs (thousands of ORM inserts would be slow)."""
    hashed = generate_password_hash("correct horse battery", method="pbkdf2:sha256:1000")
    db.session.execute(
        insert(User),
        [
            {
                "email": f"{prefix}{n}@{organisation.slug}.example",
                "name": f"{prefix.title()} {n:04d}",
                "password_hash": hashed,
            }
            for n in range(count)
        ],
    )
    people = db.session.scalars(
        select(User).where(User.email.like(f"{prefix}%@{organisation.slug}.example")).order_by(User.name)
    ).all()
    db.session.execute(
        insert(Membership), [{"user_id": p.id, "organisation_id": organisation.id, "role": "learner"} for p in people]
    )
    db.session.commit()
    return list(people)


def csv_of(rows: list[tuple[str, str]]) -> bytes:
    return ("name,email\n" + "".join(f"{name},{email}\n" for name, email in rows)).encode()


def rows_of(crowd) -> list[tuple[str, str]]:  # noqa: ANN001
    everyone = crowd["people"] + crowd["elsewhere"]
    return [(p.name, p.email) for p in everyone] + [(f"New person {n}", e) for n, e in enumerate(crowd["new"])]


def test_two_thousand_rows_add_everyone_once_in_a_fixed_number_of_statements(app, crowd, statements):
    cohort, manager, people = crowd["cohort"], crowd["manager"], crowd["people"]
    parsed = roster.parse_csv(csv_of(rows_of(crowd)))
    assert not parsed.problems and len(parsed.candidates) == 2_000

    def add(cohort, candidates):  # noqa: ANN001, ANN202
        result = service.add_members(manager, cohort, candidates)
        db.session.flush()
        return result

    result = statements.during(lambda: add(cohort, parsed.candidates))
    many = len(statements.seen)
    db.session.commit()

    assert (len(result.added), len(result.invited), len(result.already)) == (1_400, 400, 200)
    assert many <= 25, statements.seen
    members = db.session.execute(
        select(CohortMember.user_id, func.count())
        .where(CohortMember.cohort_id == cohort.id)
        .group_by(CohortMember.user_id)
    ).all()
    assert all(count == 1 for _user, count in members)  # one row each, the leavers' old rows reused
    current = set(
        db.session.scalars(
            select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id, CohortMember.removed_at.is_(None))
        )
    )
    assert current == {p.id for p in people}  # organisation A's people only; nobody else is visible
    assert summaries.differences() == []

    # one working link per invited address (organisation B's accounts are invited exactly like new ones)
    invited = {invitation.email: token for invitation, token in result.invited}
    assert set(invited) == {p.email for p in crowd["elsewhere"]} | set(crowd["new"])
    assert len(set(invited.values())) == 400
    for email in ("visitor7@org-b.example", "new3@c.example", "new150@c.example"):
        found = invitations.for_token(invited[email])
        assert found is not None and found.email == email and found.cohort_id == cohort.id
    stored = db.session.scalars(select(Invitation.token_hash)).all()
    assert not set(invited.values()) & set(stored)  # only the hashes are stored
    open_ones = db.session.execute(
        select(Invitation.email, func.count())
        .where(Invitation.cohort_id == cohort.id, Invitation.cancelled_at.is_(None))
        .group_by(Invitation.email)
    ).all()
    assert len(open_ones) == 400 and all(count == 1 for _email, count in open_ones)  # earlier links cancelled
    assert db.session.scalar(select(func.count()).where(Invitation.cancelled_at.is_not(None))) == 20
    assert (
        db.session.scalar(
            select(Invitation.name).where(Invitation.email == "new3@c.example", Invitation.cancelled_at.is_(None))
        )
        == "New person 3"
    )

    # the emails: one outbox row per invitation, pointed at by it, its link sealed (never in clear)
    rows = {row.id: row for row in db.session.scalars(select(OutboxMessage))}
    assert len(rows) == 400 + 20  # the twenty earlier invitations were queued by ``issue`` (not sent here)
    for invitation, token in result.invited:
        row = rows[invitation.message_id]
        assert (row.kind, row.recipient, row.status, row.organisation_id) == (
            "invitation", invitation.email, "queued", crowd["a"].id
        )
        assert row.context["invitation_id"] == invitation.id and token not in row.secret
        assert outbox.unseal(row.secret) == token

    # the audit log: one event per invitation, one listing everyone added
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.created")).all()
    assert len(created) == 420 and all(e.actor_id == manager.id for e in created)
    ids = {str(invitation.id) for invitation, _token in result.invited}
    assert ids <= {e.target_id for e in created}
    (added,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohort.members_added")).all()
    assert sorted(added.details["emails"]) == sorted(p.email for p in people[200:])

    # about as many statements for a twentieth of the rows (only the leavers' UPDATE is missing there)
    small = make_cohort(crowd["a"], "Small", modules=[(m, None) for m in crowd["modules"]])
    few = statements.during(lambda: add(small, parsed.candidates[100:150] + parsed.candidates[1_650:1_700]))
    assert (len(few.added), len(few.invited)) == (50, 50)
    assert many - 1 <= len(statements.seen) <= many
    assert summaries.differences() == []


def test_adding_nobody_new_writes_nothing(app, crowd, statements):
    cohort, manager, people = crowd["cohort"], crowd["manager"], crowd["people"]
    candidates = roster.parse_csv(csv_of([(p.name, p.email) for p in people[:200]])).candidates
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    result = statements.during(lambda: service.add_members(manager, cohort, candidates))
    db.session.flush()
    assert (len(result.added), len(result.invited), len(result.already)) == (0, 0, 200)
    assert not [s for s in statements.seen if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_limit_still_holds_for_thousands_and_nothing_is_written(app, crowd):
    app.config["INVITATIONS_PER_DAY"] = 399 + 20  # the 20 earlier invitations count too
    candidates = roster.parse_csv(csv_of(rows_of(crowd))).candidates
    with pytest.raises(invitations.LimitReached) as raised:
        service.add_members(crowd["manager"], crowd["cohort"], candidates)
    assert raised.value.left == 399
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 20
    assert db.session.scalar(select(func.count()).where(CohortMember.removed_at.is_(None))) == 200


def test_the_page_adds_a_large_csv_and_mails_every_link_over_one_connection(app, client, crowd, inbox, monkeypatch):
    connections = []

    class Counted(smtplib.SMTP):
        def __init__(self, *args, **kwargs) -> None:
            connections.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(mail.smtplib, "SMTP", Counted)
    from .conftest import Auth

    auth = Auth(client)
    auth.sign_in(crowd["manager"].email)
    connections.clear()
    rows = [(p.name, p.email) for p in crowd["people"][100:900]] + [(f"N {n}", e) for n, e in enumerate(crowd["new"])]
    response = auth.post(
        f"/organisations/org-a/cohorts/{crowd['cohort'].id}/members/add",
        {"upload": (io.BytesIO(csv_of(rows)), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "700 added, 200 invited, 100 already in the cohort" in page
    assert len(connections) == 1
    assert sorted(m["To"] for m in inbox.messages) == sorted(crowd["new"])
    db.session.rollback()  # a fresh look at what the request committed
    sent = db.session.scalars(
        select(Invitation).where(Invitation.cancelled_at.is_(None), Invitation.cohort_id == crowd["cohort"].id)
    ).all()
    assert len(sent) == 200 and all(invitations.proves_mailbox(i) for i in sent)
    assert {db.session.get(OutboxMessage, i.message_id).status for i in sent} == {"sent"}
    link = inbox.link(to="new42@c.example", path="/invitations/")
    assert invitations.for_token(link.rsplit("/", 1)[1]).email == "new42@c.example"
    assert summaries.differences() == []


def test_one_connection_for_many_invitations_and_no_waiting_on_a_dead_server(app, crowd, inbox, monkeypatch):
    connections = []
    real = smtplib.SMTP

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        connections.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(mail.smtplib, "SMTP", counted)
    outbox.dispatch()  # the crowd's twenty earlier invitations, committed by the fixture
    inbox.messages.clear()
    connections.clear()

    def invite(prefix: str) -> list[Invitation]:
        with app.test_request_context():
            invited = invitations.issue_many(
                crowd["manager"], crowd["a"], [(f"{prefix}{n}@example.org", "") for n in range(50)]
            )
        db.session.commit()
        outbox.dispatch()  # what the request's after_request hook does; immediate in tests
        db.session.expire_all()
        return [invitation for invitation, _token in invited]

    sent = invite("person")
    assert len(connections) == 1 and len(inbox.messages) == 50
    assert "Organisation A" in inbox.body(inbox.to("person7@example.org")[0])
    assert {db.session.get(OutboxMessage, i.message_id).status for i in sent} == {"sent"}

    connections.clear()
    monkeypatch.setitem(app.config, "MAIL_PORT", str(free_port()))  # nothing listens there
    waiting = invite("later")
    assert len(connections) == 1  # the rest are not tried once the server cannot be reached
    rows = [db.session.get(OutboxMessage, i.message_id) for i in waiting]
    assert {(row.status, row.attempts) for row in rows} == {("queued", 1)}  # kept for the retry
    assert all("could not be reached" in row.last_error and row.secret for row in rows)


def test_people_without_a_password_or_role_are_never_added_in_bulk(app, crowd):
    a = crowd["a"]
    placeholder = User(email="old.placeholder@org-a.example", name="Old", password_hash=None)
    db.session.add(placeholder)
    db.session.flush()
    db.session.add(Membership(user_id=placeholder.id, organisation_id=a.id, role="learner"))
    db.session.commit()
    rows = [("Old", placeholder.email)] + [(p.name, p.email) for p in crowd["people"][300:310]]
    result = service.add_members(crowd["manager"], crowd["cohort"], roster.parse_csv(csv_of(rows)).candidates)
    db.session.commit()
    assert [i.email for i, _t in result.invited] == [placeholder.email]
    assert len(result.added) == 10
    assert not membership.current_member_ids(crowd["cohort"].id, [placeholder.id])
